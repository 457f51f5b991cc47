/**
 * The reads benchmark's data directory, filled through the node's real path:
 * a genesis naming the TEST-ONLY admin key, first-run set-up and registration
 * over HTTP, raj's records (their envelopes stored by the node's own
 * `putBlob` before it serves: no upload route yet), and then signed
 * transactions over `POST /v1/tx` until the log holds the entries asked for
 * (RSA-PSS-3072 signatures, admission, contract, durable blocks: nothing
 * synthetic). A mix of four kinds, as the ledger bench's load: raj reads his
 * records (OK), meera and admin try to (READ_NOT_PERMITTED, ledgered and
 * audited), raj lists a record again (OK, a record write).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { startNode } from '../src/api/server.ts';
import { login, newAccount, publicKeysOf, registerSetupAdmin } from '../src/client/account.ts';
import { ApiClient } from '../src/client/api-client.ts';
import { sealRecord } from '../src/client/record-crypto.ts';
import { signTx } from '../src/client/transactions.ts';
import { randomBytes, type JsonValue, type UserKeyPairs } from '../src/crypto/index.ts';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initDataDir, LedgerNode } from '../src/node/index.ts';
import type { KdfCosts } from '../src/protocol/index.ts';
import { fixtureKey, fixtureKeyPath, type FixtureUser } from '../test/fixtures/keys.ts';
import { testGenesis } from '../test/helpers/ledger-fixture.ts';
import { log } from './util.ts';

/** Cheap vault costs: the bench logs in three users once; what it measures never derives a key. */
export const BENCH_KDF: KdfCosts = Object.freeze({ alg: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 });

export interface ReadsWorld {
  dataDir: string;
  chainId: string;
  /** meera's bearer token: a doctor reading raj's listed records. */
  token: string;
  recordIds: string[];
  fill: { seconds: number; submitted: number; perSec: number };
}

async function pairs(user: FixtureUser): Promise<UserKeyPairs> {
  const [enc, sig] = await Promise.all([fixtureKey(user, 'enc'), fixtureKey(user, 'sig')]);
  return { enc: { publicKey: enc.publicKey, privateKey: enc.privateKey }, sig: { publicKey: sig.publicKey, privateKey: sig.privateKey } };
}

/** Runs `task` for 0..count-1 with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  }));
}

export async function fillReadsWorld(o: { entries: number; records: number }): Promise<ReadsWorld> {
  // Not a test temp dir (those are removed at exit): --keep must be able to keep it.
  const dataDir = mkdtempSync(join(tmpdir(), 'dhl-bench-reads-'));
  const { chainId } = await initDataDir(dataDir, await testGenesis(Date.now() - 60_000));
  copyFileSync(fixtureKeyPath('node1', 'sig', 'private'), join(dataDir, 'node-key.pem'));
  copyFileSync(fixtureKeyPath('node1', 'sig', 'public'), join(dataDir, 'node-key.public.pem'));
  const keys = { admin: await pairs('admin'), raj: await pairs('raj'), meera: await pairs('meera') };

  log(`sealing ${o.records} records of raj and storing their envelopes…`);
  const sealed: Awaited<ReturnType<typeof sealRecord>>[] = [];
  const blobs = await LedgerNode.open(dataDir);
  try {
    for (let i = 0; i < o.records; i++) {
      const chunks: Uint8Array[] = [];
      const s = await sealRecord(
        {
          chain: chainId, patient: 'raj', author: 'raj', authorSig: { keyId: (await fixtureKey('raj', 'sig')).keyId, privateKey: keys.raj.sig.privateKey },
          readers: [keys.raj.enc.publicKey], title: `Lab report ${i}`, mediaType: 'application/pdf', fileName: `report-${i}.pdf`, createdAt: Date.now(), chunkSize: 4096,
        },
        [randomBytes(2_000)],
        (c) => void chunks.push(c.bytes),
      );
      await blobs.putBlob({ cipherRoot: s.summary.cipherRoot, chunkHashes: s.summary.chunkHashes }, (async function* () {
        yield* chunks;
      })());
      sealed.push(s);
    }
  } finally {
    await blobs.close();
  }

  const node = await startNode({
    dataDir, host: '127.0.0.1', port: 0, admins: 1, org: 'city-hospital', nodeId: 'node1', out: () => undefined, logger: false,
    app: { testOnlyKdfCosts: BENCH_KDF, rateLimit: { max: 1_000_000_000, windowMs: 60_000 }, node: { ordering: { maxItems: 500, maxDelayMs: 5 } } },
  });
  try {
    const api = () => new ApiClient({ baseUrl: node.url });
    const { kdf } = await api().call('status');
    const token = node.dhl.setupToken!;
    await registerSetupAdmin(api(), { token, chain: chainId, username: 'admin', passphrase: 'admin bench passphrase', keys: keys.admin, kdf, now: Date.now(), allowWeakKdf: true });
    for (const u of ['raj', 'meera'] as const) {
      const account = await newAccount({ chain: chainId, username: u, passphrase: `${u} bench passphrase`, kdf, now: Date.now(), keys: keys[u], allowWeakKdf: true });
      await api().call('register', account.request);
    }
    const sessions = Object.fromEntries(await Promise.all((['admin', 'raj', 'meera'] as const).map(async (u) => {
      const client = api();
      const loggedIn = await login(client, { username: u, secret: { passphrase: `${u} bench passphrase` }, session: 'bearer', chain: chainId, now: Date.now(), allowWeakKdf: true });
      return [u, { client, sig: loggedIn.keys.sig }] as const;
    }))) as Record<'admin' | 'raj' | 'meera', { client: ApiClient; sig: { keyId: string; privateKey: CryptoKey } }>;
    const submit = async (user: 'admin' | 'raj' | 'meera', type: string, body: JsonValue, expect?: string) => {
      const s = sessions[user];
      const tx = await signTx(sha256, chainId, { username: user, sigKeyId: s.sig.keyId, sigPrivateKey: s.sig.privateKey }, type, body, { now: Date.now() });
      const result = await s.client.call('submitTx', tx);
      if (expect && result.outcome !== expect) throw new Error(`${user}'s ${type}: ${result.outcome}`);
      return result;
    };
    const meera = await publicKeysOf(keys.meera);
    await submit('admin', 'AssignRole', { username: 'meera', role: 'doctor', org: 'city-hospital', encKeyId: meera.encKeyId, sigKeyId: meera.sigKeyId }, 'OK');
    await pool(sealed.length, 32, async (i) => {
      const s = sealed[i]!;
      await submit('raj', 'AddRecord', {
        manifest: s.signedManifest.manifest as unknown as JsonValue, manifestSig: s.signedManifest.signature as unknown as JsonValue, wrappedKeys: s.wrappedKeys as unknown as JsonValue,
      }, 'OK');
      await submit('raj', 'SetListing', { recordId: s.signedManifest.manifest.recordId, listed: true }, 'OK');
    });
    const recordIds = sealed.map((s) => s.signedManifest.manifest.recordId);

    const already = node.dhl.setup.ledger().head().treeSize;
    const count = Math.max(0, o.entries - already);
    log(`filling ${count} entries through POST /v1/tx (signed, admitted, ordered, durable)…`);
    const start = performance.now();
    let done = 0;
    let lastLog = start;
    await pool(count, 64, async (i) => {
      const recordId = recordIds[i % recordIds.length]!;
      switch (i % 4) {
        case 0: await submit('raj', 'RecordRead', { recordId, version: 1 }); break;
        case 1: await submit('meera', 'RecordRead', { recordId, version: 1 }); break;
        case 2: await submit('raj', 'SetListing', { recordId, listed: true }); break;
        default: await submit('admin', 'RecordRead', { recordId, version: 1 });
      }
      done++;
      const now = performance.now();
      if (now - lastLog > 10_000) {
        lastLog = now;
        log(`  ${done} / ${count} (${Math.round(done / ((now - start) / 1000))} tx/s)`);
      }
    });
    const seconds = (performance.now() - start) / 1000;
    return { dataDir, chainId, token: sessions.meera.client.token!, recordIds, fill: { seconds, submitted: count, perSec: count / seconds } };
  } finally {
    await node.close();
  }
}
