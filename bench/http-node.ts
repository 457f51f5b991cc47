/**
 * A product node over loopback HTTP for the benchmarks, set up as a user
 * would: `startNode` (what `dhl serve` runs) on a temp data directory — in
 * this process, or with `nodeProcess` in a child process of its own (as a
 * CLI and `dhl serve` run: each side's JavaScript on its own thread), the
 * first run through the client's set-up flow with one admin, then patient
 * raj registered and logged in with a bearer session — every step through
 * src/client over real HTTP, raj's on the CLI's transport. Keys are the TEST-ONLY fixtures (generating
 * RSA keys is not what is measured); vaults use the product's KDF costs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type RunningNode } from '../src/api/server.ts';
import {
  ApiClient, checkSetupGenesis, joinSetup, login, MemoryHeadStore, openClient, register, registerSetupAdmin, type ClientContext, type UserKeyPairs,
} from '../src/client/index.ts';
import { fixtureKey, type FixtureUser } from '../test/fixtures/keys.ts';
import type { AppOptions } from '../src/api/app.ts';
import { nodeFetch } from '../src/cli/http-fetch.ts';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';

/** The bench's patient: registered with the node's own (the product's) KDF costs, so a browser can log in as them too. */
export const RAJ = Object.freeze({ username: 'raj', passphrase: 'bench raj passphrase' });

export interface BenchNode {
  url: string;
  /** The node's process id: this process's own, or the child's. */
  pid: number;
  dataDir: string;
  chainId: string;
  raj: ClientContext;
  close(): Promise<void>;
}

async function pairs(user: FixtureUser): Promise<UserKeyPairs> {
  const [enc, sig] = await Promise.all([fixtureKey(user, 'enc'), fixtureKey(user, 'sig')]);
  return { enc: { publicKey: enc.publicKey, privateKey: enc.privateKey }, sig: { publicKey: sig.publicKey, privateKey: sig.privateKey } };
}

interface Served {
  url: string;
  token: string;
  pid: number;
  close(): Promise<void>;
}

/** How the node serves, in this process or its own: with the built web app at `/` when a browser comes (as `dhl serve` serves it). */
export interface ServeOptions {
  web?: { root: string };
}

async function serveHere(dataDir: string, app: Partial<AppOptions>, o: ServeOptions): Promise<Served> {
  const out: string[] = [];
  const node: RunningNode = await startNode({
    dataDir, host: '127.0.0.1', port: 0, admins: 1, org: 'clinic', nodeId: 'node1', out: (line) => out.push(line), logger: false, ...o,
    // The benchmark is one client address: the per-address limit is not what is measured.
    app: { rateLimit: { max: 1_000_000_000, windowMs: 60_000 }, ...app },
  });
  const token = /#token=([A-Za-z0-9_-]+)/.exec(out.join('\n'))![1]!;
  return { url: node.url, token, pid: process.pid, close: () => node.close() };
}

async function serveInChild(dataDir: string, o: ServeOptions): Promise<Served> {
  const args = [new URL('./node-server.ts', import.meta.url).pathname, dataDir, ...(o.web ? ['--web', o.web.root] : [])];
  const child: ChildProcess = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node-server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { url: string; token: string }));
  });
  return {
    ...ready, pid: child.pid!,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A process's resident set, in bytes (Linux /proc: the benchmark machine's). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** A process's CPU time so far (user + system, every thread), in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function startBenchNode(app: Partial<AppOptions> = {}, o: { nodeProcess?: boolean } & ServeOptions = {}): Promise<BenchNode> {
  // The child takes no options: functions and stores cannot cross a process boundary.
  if (o.nodeProcess && Object.keys(app).length > 0) throw new Error('startBenchNode: app options need the node in this process');
  const dataDir = mkdtempSync(join(tmpdir(), 'dhl-bench-http-'));
  let node: Served;
  try {
    const serve: ServeOptions = o.web ? { web: o.web } : {};
    node = o.nodeProcess ? await serveInChild(dataDir, serve) : await serveHere(dataDir, app, serve);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  try {
    const token = node.token;
    const api = new ApiClient({ baseUrl: node.url });
    const adminKeys = await pairs('admin');
    const state = await joinSetup(api, { token, username: 'ines', keys: adminKeys });
    const { chainId } = await checkSetupGenesis(state, { username: 'ines', keys: adminKeys });
    const status = await api.call('status');
    await registerSetupAdmin(api, { token, chain: chainId, username: 'ines', passphrase: 'bench admin passphrase', keys: adminKeys, kdf: status.kdf, now: Date.now() });
    await register(api, { username: RAJ.username, passphrase: RAJ.passphrase, keys: await pairs('raj'), now: Date.now() });
    // The CLI's transport (src/cli/http-fetch.ts), as `dhl` would upload and download.
    const rajApi = new ApiClient({ baseUrl: node.url, fetch: nodeFetch });
    const loggedIn = await login(rajApi, { username: 'raj', secret: { passphrase: RAJ.passphrase }, session: 'bearer', chain: chainId, now: Date.now() });
    // As the CLI opens its client: heads kept and checked (consistency proofs from the node), so the client's own flows can submit.
    const { ctx: raj } = await openClient({ api: rajApi, loggedIn, chain: chainId, heads: new MemoryHeadStore(), transfer: { fetch: nodeFetch } });
    return {
      url: node.url, pid: node.pid, dataDir, chainId, raj,
      async close() {
        await node.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
