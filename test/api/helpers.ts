/**
 * A node on loopback for API tests: a temp data directory with the TEST-ONLY
 * node1 key, the real server entry (`startNode`) on a free port, cheap
 * Argon2id costs for vaults (the explicit test-only option), a manual clock
 * for the API, and every log line captured so a test can check what the node
 * wrote. Removed when the test ends, also on failure.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { startNode, type RunningNode } from '../../src/api/server.ts';
import type { AppOptions } from '../../src/api/app.ts';
import { ApiClient } from '../../src/client/api-client.ts';
import { checkSetupGenesis, joinSetup, login, registerSetupAdmin, type LoggedIn } from '../../src/client/account.ts';
import type { UserKeyPairs } from '../../src/crypto/index.ts';
import { ROUTES, errorResponses, type KdfCosts, type RouteName } from '../../src/protocol/index.ts';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { fixtureKey, fixtureKeyPath, type FixtureUser } from '../fixtures/keys.ts';

/** TEST ONLY: far below OWASP's floor, so a derivation takes microseconds. Never a product default. */
export const TEST_KDF: KdfCosts = Object.freeze({ alg: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 });

export class ManualClock {
  constructor(public time = Date.now()) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Collects every line the node logs. */
export class LogSink {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestNode {
  node: RunningNode;
  /** Strings the node's logs must never contain (usernames, passphrases, tokens, titles); checked when the test ends. */
  markers: string[];
  url: string;
  dataDir: string;
  logs: LogSink;
  out: string[];
  clock: ManualClock;
  token: string | undefined;
  api(): ApiClient;
}

export interface TestNodeOptions {
  admins?: number;
  app?: Partial<AppOptions>;
  /** Reuse a data directory (a restart); otherwise a fresh temp one. */
  dataDir?: string;
  logs?: LogSink;
  /** The API's clock (default: a new ManualClock at now). */
  clock?: ManualClock;
}

/** The fixture key pairs of a TEST-ONLY user (private halves extractable, as a vault needs). */
export async function fixturePairs(user: FixtureUser): Promise<UserKeyPairs> {
  const [enc, sig] = await Promise.all([fixtureKey(user, 'enc'), fixtureKey(user, 'sig')]);
  return { enc: { publicKey: enc.publicKey, privateKey: enc.privateKey }, sig: { publicKey: sig.publicKey, privateKey: sig.privateKey } };
}

/** Open nodes per data directory: a directory is removed only once the last node on it has closed. */
const openNodes = new Map<string, number>();
const ownedDirs = new Set<string>();

export async function startTestNode(t: TestContext, o: TestNodeOptions = {}): Promise<TestNode> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'dhl-api-'));
  if (!o.dataDir) {
    ownedDirs.add(dataDir);
    // The node key is generated on a real first run; the fixture saves half a second per test.
    copyFileSync(fixtureKeyPath('node1', 'sig', 'private'), join(dataDir, 'node-key.pem'));
    copyFileSync(fixtureKeyPath('node1', 'sig', 'public'), join(dataDir, 'node-key.public.pem'));
  }
  const logs = o.logs ?? new LogSink();
  const out: string[] = [];
  const clock = o.clock ?? new ManualClock();
  let started: RunningNode;
  try {
    started = await startNode({
      dataDir, host: '127.0.0.1', port: 0, admins: o.admins ?? 2, org: 'clinic', nodeId: 'node1',
      out: (line) => out.push(line),
      logger: { level: 'info', stream: logs.stream },
      app: { testOnlyKdfCosts: TEST_KDF, clock, rateLimit: { max: 100_000, windowMs: 60_000 }, ...o.app },
    });
  } catch (err) {
    if (ownedDirs.delete(dataDir) && !openNodes.get(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  openNodes.set(dataDir, (openNodes.get(dataDir) ?? 0) + 1);
  let closing: Promise<void> | undefined;
  const node: RunningNode = {
    ...started,
    close: () => (closing ??= started.close().finally(() => openNodes.set(dataDir, openNodes.get(dataDir)! - 1))),
  };
  t.after(async () => {
    await node.close();
    if (openNodes.get(dataDir) === 0 && ownedDirs.delete(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  });
  const token = /#token=([A-Za-z0-9_-]+)/.exec(out.join('\n'))?.[1];
  const markers = ['raj', 'grace', 'ines', 'mallory', 'nobody', ...ADMINS.map((a) => a.passphrase), ...(token ? [token] : [])];
  t.after(() => assertLogsFree(logs, markers));
  return { node, url: node.url, dataDir, logs, out, clock, token, markers, api: () => new ApiClient({ baseUrl: node.url }) };
}

/**
 * The node logged request lines (so the check is not vacuous) and none of the
 * markers: no usernames, passphrases, tokens or titles, in any field.
 */
export function assertLogsFree(logs: LogSink, markers: readonly string[]): void {
  if (!logs.lines.some((l) => l.includes('"route":"/v1/'))) throw new Error('the node logged no request line: the log check would pass vacuously');
  const text = logs.text();
  for (const marker of markers) {
    if (text.includes(marker)) throw new Error(`the node's log contains a marker it must never hold: ${JSON.stringify(marker.slice(0, 4))}…`);
  }
}

export interface Admin {
  username: string;
  passphrase: string;
  recoveryKey: string;
  keys: UserKeyPairs;
}

/** The two first admins of every set-up test: TEST-ONLY fixture keys under set-up names. */
export const ADMINS = [
  { username: 'ines', fixture: 'admin' as const, passphrase: 'ines correct horse battery' },
  { username: 'grace', fixture: 'meera' as const, passphrase: 'grace staple orbit lantern' },
];

/** Runs the first-run set-up through the API with the two fixture admins; returns them and the chain id. */
export async function completeSetup(n: TestNode): Promise<{ chainId: string; admins: Admin[] }> {
  const api = n.api();
  const joined = [];
  for (const a of ADMINS) {
    const keys = await fixturePairs(a.fixture);
    joined.push({ ...a, keys, state: await joinSetup(api, { token: n.token!, username: a.username, keys }) });
  }
  const admins: Admin[] = [];
  let chainId = '';
  for (const a of joined) {
    const state = await joinSetup(api, { token: n.token!, username: a.username, keys: a.keys });
    const checked = await checkSetupGenesis(state, a);
    chainId = checked.chainId;
    const status = await api.call('status');
    const { recoveryKey } = await registerSetupAdmin(api, {
      token: n.token!, chain: checked.chainId, username: a.username, passphrase: a.passphrase, keys: a.keys, kdf: status.kdf,
      now: n.clock.now(), allowWeakKdf: true,
    });
    admins.push({ username: a.username, passphrase: a.passphrase, recoveryKey, keys: a.keys });
  }
  return { chainId, admins };
}

export async function loginAs(n: TestNode, chain: string, username: string, passphrase: string, session: 'bearer' | 'cookie' = 'bearer'): Promise<{ api: ApiClient; loggedIn: LoggedIn }> {
  const api = n.api();
  const loggedIn = await login(api, { username, secret: { passphrase }, session, chain, now: n.clock.now(), allowWeakKdf: true });
  return { api, loggedIn };
}

/**
 * An error answer matches the route's declared schema for its status: the
 * status is one the route declares, the code one of its codes of that status,
 * and the body `{code, message}` with nothing else.
 */
export function assertDeclaredError(route: RouteName, status: number, body: unknown): void {
  const spec = ROUTES[route];
  const schemas = errorResponses(spec.errors) as Record<number, TSchema>;
  const schema = schemas[status];
  if (!schema) throw new Error(`${route} answered ${status}, a status it does not declare (body ${JSON.stringify(body).slice(0, 200)})`);
  if (!Value.Check(schema, body)) throw new Error(`${route} answered ${status} with a body outside its schema: ${JSON.stringify(body).slice(0, 200)}`);
}
