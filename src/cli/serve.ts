/**
 * `dhl serve` (`npm start`): the node as a service on a data directory
 * (DESIGN §3: an operator command; it reaches the API from this one file).
 * Defaults: ./data, 127.0.0.1:8480; flags, then DHL_PORT / DHL_DATA_DIR, override.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startNode } from '../api/server.ts';
import { cliError } from './errors.ts';

export const DEFAULT_PORT = 8480;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';
/** The web app's build in this checkout (`npm start` builds it when missing or stale: scripts/build-web.ts). */
export const WEB_ROOT = resolve(import.meta.dirname, '..', '..', 'web', 'dist');

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

function adminsArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('must be from 1 to 16');
  return n;
}

interface ServeFlags {
  port?: number;
  host: string;
  dataDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  publicUrl?: string;
  admins: number;
  org: string;
  nodeId: string;
}

/**
 * A node for `dhl demo` on a data directory of its own, on a free loopback
 * port, quiet, with room for the demo's requests in the rate limits; set up
 * by one admin (the demo's), whose setup link it returns.
 */
export async function startEmbeddedNode(dataDir: string): Promise<{ url: string; setupLink: string; close(): Promise<void> }> {
  const node = await startNode({
    dataDir, host: DEFAULT_HOST, port: 0, admins: 1, org: 'city-hospital', nodeId: 'node1', out: () => {}, logger: false,
    app: { rateLimit: { max: 100_000, windowMs: 60_000 } },
  });
  return { url: node.url, setupLink: `${node.url}/setup#token=${node.dhl.setupToken}`, close: () => node.close() };
}

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the node: the HTTP API on a data directory (first run: prints a one-time setup link)')
    .option('--port <port>', `port to listen on (env DHL_PORT; default ${DEFAULT_PORT}; 0 picks a free one)`, portArg)
    .option('--host <address>', 'address to listen on; anything but loopback needs TLS', DEFAULT_HOST)
    .option('--data-dir <dir>', `data directory (env DHL_DATA_DIR; default ${DEFAULT_DATA_DIR})`)
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--insecure-http', 'allow plain HTTP off loopback (only behind a TLS-terminating proxy)')
    .option('--public-url <url>', 'the URL clients use, when a reverse proxy is in front (its origin is signed at login)')
    .option('--admins <n>', 'first run: how many admins the genesis names', adminsArg, 2)
    .option('--org <name>', 'first run: the organisation this node belongs to', 'clinic')
    .option('--node-id <id>', "first run: this node's id in the genesis", 'node1')
    .action(async (f: ServeFlags) => {
      if (Boolean(f.tlsCert) !== Boolean(f.tlsKey)) throw cliError('USAGE', { reason: '--tls-cert and --tls-key go together' });
      const envPort = process.env.DHL_PORT;
      let port = f.port ?? DEFAULT_PORT;
      if (f.port === undefined && envPort !== undefined && envPort !== '') {
        try {
          port = portArg(envPort);
        } catch (err) {
          throw cliError('USAGE', { reason: `DHL_PORT ${(err as Error).message}` });
        }
      }
      const node = await startNode({
        dataDir: f.dataDir ?? (process.env.DHL_DATA_DIR || DEFAULT_DATA_DIR),
        host: f.host,
        port,
        ...(f.tlsCert && f.tlsKey ? { tls: { certFile: f.tlsCert, keyFile: f.tlsKey } } : {}),
        ...(f.insecureHttp ? { insecureHttp: true } : {}),
        ...(f.publicUrl ? { publicUrl: f.publicUrl } : {}),
        admins: f.admins,
        org: f.org,
        nodeId: f.nodeId,
        web: { root: WEB_ROOT },
        out: (line) => console.log(line),
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          console.log(`${signal}: stopping (finishing requests in flight, committing what was ordered)`);
          node.close().then(resolve, (err: unknown) => {
            console.error(`dhl: shutdown failed: ${(err as Error).message}`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      console.log('stopped');
    });
}
