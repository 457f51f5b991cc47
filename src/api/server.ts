/**
 * The node as a service (issue 17): builds the app on a data directory,
 * listens, prints what an operator needs (the URL, the docs, and on a first
 * run the one-time setup link), and shuts down gracefully. Plain HTTP only on
 * loopback: WebCrypto needs a secure context off localhost, and passphrase
 * proofs and session tokens must not cross a network in the clear (DESIGN §9).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { buildApp, type AppOptions, type DhlApp } from './app.ts';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  /** Off loopback without TLS: only when the operator says so (logged as a warning). */
  insecureHttp?: boolean;
  /** The URL clients use when a reverse proxy sits in front (its origin is what they sign at login). */
  publicUrl?: string;
  admins: number;
  org: string;
  nodeId: string;
  /** Where the startup lines go (the CLI: stdout). */
  out: (line: string) => void;
  logger?: AppOptions['logger'];
  /** The built web app to serve at `/` (web/dist). */
  web?: { root: string };
  /** For tests: everything else buildApp takes. */
  app?: Partial<AppOptions>;
}

export interface RunningNode {
  url: string;
  dhl: DhlApp;
  /** Stops accepting, finishes requests in flight (their blocks commit), closes the node and the accounts database. */
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

const urlHost = (host: string) => (isIP(host) === 6 && !host.startsWith('[') ? `[${host}]` : host);

export async function startNode(o: ServeOptions): Promise<RunningNode> {
  const loopback = isLoopback(o.host);
  if (!loopback && !o.tls && !o.insecureHttp) {
    throw new Error(`listening on ${o.host} needs TLS: give --tls-cert and --tls-key (or --insecure-http behind a TLS-terminating proxy you trust)`);
  }
  const tls = o.tls ? { cert: readFileSync(o.tls.certFile), key: readFileSync(o.tls.keyFile) } : undefined;
  const origins = new Set<string>();
  const publicOrigin = o.publicUrl ? new URL(o.publicUrl).origin : undefined;
  if (publicOrigin) origins.add(publicOrigin);
  const dhl = await buildApp({
    dataDir: o.dataDir,
    origins,
    tls: Boolean(tls) || publicOrigin?.startsWith('https:') === true,
    setup: { admins: o.admins, org: o.org, nodeId: o.nodeId },
    ...(o.logger !== undefined ? { logger: o.logger } : {}),
    ...(tls ? { https: tls } : {}),
    ...(o.web ? { web: o.web } : {}),
    ...o.app,
  });
  const { app } = dhl;
  let address: { port: number };
  try {
    await app.listen({ host: o.host, port: o.port });
    address = app.server.address() as { port: number };
  } catch (err) {
    await app.close();
    throw err;
  }
  const scheme = tls ? 'https' : 'http';
  const listening = `${scheme}://${urlHost(o.host)}:${address.port}`;
  origins.add(listening);
  if (loopback) for (const alias of ['localhost', '127.0.0.1', '[::1]']) origins.add(`${scheme}://${alias}:${address.port}`);
  const url = publicOrigin ?? listening;

  if (!loopback && !tls && o.insecureHttp) app.log.warn('serving plain HTTP off loopback (--insecure-http): passphrase proofs and session tokens cross the network in the clear unless a TLS proxy terminates in front');
  o.out(`Dynamic Health Ledger node on ${url}`);
  o.out(`  data directory: ${o.dataDir}`);
  if (o.web) o.out(dhl.webApp ? `  web app: ${url}/` : `  web app: not built (${o.web.root} has no index.html): npm start builds it`);
  o.out(`  API: ${url}/v1 (status: ${url}/v1/status, docs: ${url}/v1/docs, OpenAPI: ${url}/v1/openapi.json)`);
  const ledger = dhl.setup.anyLedger;
  if (ledger) o.out(`  chain id: ${ledger.chainId} (height ${ledger.head().height})`);
  if (dhl.setupToken) {
    const expected = dhl.setup.state().expected;
    o.out('');
    o.out(`This node awaits its first-run set-up (${dhl.setup.current}). No default passwords: the first admins`);
    o.out(`(${expected} expected) each open this one-time link; their clients make their keys, and the node builds`);
    o.out('the genesis from them. The token is valid until set-up completes or the node restarts:');
    o.out(`  ${url}/setup#token=${dhl.setupToken}`);
    if (expected === 1) {
      o.out('Warning: one admin only. A lone admin who rotates keys loses the admin role until another admin of');
      o.out('the organisation assigns it again, and there is no other admin: start with --admins 2 unless you accept that.');
    }
  }
  let closing: Promise<void> | undefined;
  return { url, dhl, close: () => (closing ??= app.close()) };
}
