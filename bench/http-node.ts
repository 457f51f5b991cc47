/**
 * A product node over loopback HTTP for the benchmarks, set up as a user
 * would: `startNode` (what `dhl serve` runs) on a temp data directory, the
 * first run through the client's set-up flow with one admin, then patient
 * raj registered and logged in with a bearer session — every step through
 * src/client over real HTTP, raj's on the CLI's transport. Keys are the TEST-ONLY fixtures (generating
 * RSA keys is not what is measured); vaults use the product's KDF costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { startNode, type RunningNode } from '../src/api/server.ts';
import {
  ApiClient, checkSetupGenesis, FileTransfer, HeadKeeper, identityOf, joinSetup, login, MemoryHeadStore, register, registerSetupAdmin,
  type ClientContext, type UserKeyPairs,
} from '../src/client/index.ts';
import { fixtureKey, type FixtureUser } from '../test/fixtures/keys.ts';
import type { AppOptions } from '../src/api/app.ts';
import { nodeFetch } from '../src/cli/http-fetch.ts';

export interface BenchNode {
  node: RunningNode;
  dataDir: string;
  chainId: string;
  raj: ClientContext;
  close(): Promise<void>;
}

async function pairs(user: FixtureUser): Promise<UserKeyPairs> {
  const [enc, sig] = await Promise.all([fixtureKey(user, 'enc'), fixtureKey(user, 'sig')]);
  return { enc: { publicKey: enc.publicKey, privateKey: enc.privateKey }, sig: { publicKey: sig.publicKey, privateKey: sig.privateKey } };
}

export async function startBenchNode(app: Partial<AppOptions> = {}): Promise<BenchNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dhl-bench-http-'));
  const out: string[] = [];
  const node = await startNode({
    dataDir, host: '127.0.0.1', port: 0, admins: 1, org: 'clinic', nodeId: 'node1', out: (line) => out.push(line), logger: false,
    // The benchmark is one client address: the per-address limit is not what is measured.
    app: { rateLimit: { max: 1_000_000_000, windowMs: 60_000 }, ...app },
  });
  try {
    const token = /#token=([A-Za-z0-9_-]+)/.exec(out.join('\n'))![1]!;
    const api = new ApiClient({ baseUrl: node.url });
    const adminKeys = await pairs('admin');
    const state = await joinSetup(api, { token, username: 'ines', keys: adminKeys });
    const { chainId, genesis } = await checkSetupGenesis(state, { username: 'ines', keys: adminKeys });
    const status = await api.call('status');
    await registerSetupAdmin(api, { token, chain: chainId, username: 'ines', passphrase: 'bench admin passphrase', keys: adminKeys, kdf: status.kdf, now: Date.now() });
    await register(api, { username: 'raj', passphrase: 'bench raj passphrase', keys: await pairs('raj'), now: Date.now() });
    // The CLI's transport (src/cli/http-fetch.ts), as `dhl` would upload and download.
    const rajApi = new ApiClient({ baseUrl: node.url, fetch: nodeFetch });
    const loggedIn = await login(rajApi, { username: 'raj', secret: { passphrase: 'bench raj passphrase' }, session: 'bearer', chain: chainId, now: Date.now() });
    const raj: ClientContext = {
      api: rajApi, files: new FileTransfer(rajApi, { fetch: nodeFetch }), chain: chainId, me: await identityOf(loggedIn), now: () => Date.now(),
      heads: new HeadKeeper({
        hash: sha256, chainId, genesis, store: new MemoryHeadStore(),
        consistency: async () => {
          throw new Error('the benchmark submits through the API client directly');
        },
      }),
    };
    return {
      node, dataDir, chainId, raj,
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
