import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isDhlError } from '../../src/crypto/index.ts';
import { submit, type ClientContext } from '../../src/client/flows/context.ts';
import { HeadKeeper, MemoryHeadStore, type HeadStore } from '../../src/client/head-store.ts';
import { FileHeadStore } from '../../src/cli/client-state.ts';
import { startTestNode } from '../api/helpers.ts';
import { tempDir } from '../helpers/temp.ts';
import { startWorld, type World } from './world.ts';

const listing = (ctx: ClientContext, n: number) => submit(ctx, 'SetListing', { recordId: n.toString(16).padStart(32, '0'), listed: true });

/** Raj's client on another node (its URL; its proofs from that node's proof route), keeping its heads in `store`: his bearer session is in the copied accounts file. */
const rajAt = (w: World, url: string, store: HeadStore): ClientContext => w.sessionAt(w.raj, url, store).ctx;

test('a node that answers with a head forking from one the client kept (in its home directory) is refused with HEAD_INCONSISTENT, and the kept head stays', async (t) => {
  const w = await startWorld(t);
  const home = tempDir('client-home');
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const heads = new FileHeadStore(join(home, 'node'));
  // raj's client keeps its heads on disk: the ledger as it was, copied aside, becomes a fork later.
  let raj = rajAt(w, w.n.url, heads);
  await listing(raj, 1);
  await w.n.node.close();
  const forkDir = tempDir('fork');
  cpSync(w.n.dataDir, forkDir, { recursive: true });
  const honest = await startTestNode(t, { dataDir: w.n.dataDir, logs: w.n.logs });
  raj = rajAt(w, honest.url, heads);
  for (let i = 2; i <= 3; i++) await listing(raj, i);
  const kept = (await heads.load())!;
  assert.ok(existsSync(join(home, 'node', 'heads.json')));

  // The copy goes its own way under the same node key: validly signed heads of another history.
  const fork = await startTestNode(t, { dataDir: forkDir, logs: w.n.logs });
  t.after(async () => {
    await fork.node.close();
    rmSync(forkDir, { recursive: true, force: true });
  });
  const forked = rajAt(w, fork.url, new MemoryHeadStore());
  for (let i = 10; i < 14; i++) await listing(forked, i);
  // A new session of raj's client on the fork, with the heads from his home directory.
  const fooled = rajAt(w, fork.url, heads);
  await assert.rejects(listing(fooled, 20), (err: unknown) => isDhlError(err, 'HEAD_INCONSISTENT') && err.details.reason === 'HEAD_MISMATCH');
  assert.deepEqual(await heads.load(), kept, 'nothing of the fork was kept');
  // The honest node's next answer still extends the kept head.
  await listing(rajAt(w, honest.url, heads), 21);
});

test('a node rolled back behind a head the client kept cannot prove it extends it: HEAD_INCONSISTENT', async (t) => {
  const w = await startWorld(t);
  const store = new MemoryHeadStore();
  await listing(rajAt(w, w.n.url, store), 1);
  await w.n.node.close();
  const before = tempDir('rollback');
  t.after(() => rmSync(before, { recursive: true, force: true }));
  cpSync(w.n.dataDir, before, { recursive: true });
  const again = await startTestNode(t, { dataDir: w.n.dataDir, logs: w.n.logs });
  const raj = rajAt(w, again.url, store);
  for (let i = 2; i <= 4; i++) await listing(raj, i);
  // The operator swaps the old copy back in: a valid, shorter chain, signed by the same node.
  await again.node.close();
  rmSync(w.n.dataDir, { recursive: true, force: true });
  cpSync(before, w.n.dataDir, { recursive: true });
  const rolledBack = await startTestNode(t, { dataDir: w.n.dataDir, logs: w.n.logs });
  await assert.rejects(listing(rajAt(w, rolledBack.url, store), 5), (err: unknown) => isDhlError(err, 'HEAD_INCONSISTENT'));
});

test('the keeper accepts consistent heads in any order of arrival and refuses a head whose attestation does not verify (HEAD_INVALID)', async (t) => {
  const w = await startWorld(t);
  const results = [];
  for (let i = 1; i <= 3; i++) results.push(await listing(w.raj.ctx, i));
  const keeper = new HeadKeeper({ hash: (await import('@noble/hashes/sha2.js')).sha256, chainId: w.chainId, genesis: w.genesis, store: new MemoryHeadStore(), consistency: (a, b) => w.raj.reads.consistencyProof(a, b) });
  await keeper.accept(results[2]!.signedHead);
  await keeper.accept(results[0]!.signedHead);
  await keeper.accept(results[1]!.signedHead);
  assert.equal((await keeper.latest())!.header.height, results[2]!.signedHead.header.height, 'the newest stays the one kept');
  const forged = structuredClone(results[2]!.signedHead);
  forged.header.time += 1;
  await assert.rejects(keeper.accept(forged), (err: unknown) => isDhlError(err, 'HEAD_INVALID'));
});
