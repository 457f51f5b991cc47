/**
 * One block pipeline (DESIGN §3, "Inside node/"): admission → orderer → block
 * executor → ledger store, with the orderer injected. Two nodes ordering
 * through one solo log stand in for a consortium: what one node proposes the
 * other executes without trusting it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isDhlError, utf8 } from '../../src/crypto/index.ts';
import { KeyCache } from '../../src/contract/index.ts';
import { SoloLog, SoloOrderer, soloOrderer, type OrdererStart } from '../../src/ordering/index.ts';
import { parseTx, signAttestation } from '../../src/ledger/index.ts';
import { BlockExecutor, DB_FILE, LedgerNode, loadNodeKey, sha256, verifyDataDir, type SubmitResult } from '../../src/node/index.ts';
import { SqliteLedgerStore } from '../../src/node/store/index.ts';
import { Actor, testDataDir, testGenesis, twoNodeGenesis, T0 } from '../helpers/ledger-fixture.ts';

const clock = () => ({
  now: () => T0 + 1000,
  setTimeout: (fn: () => void) => setImmediate(fn),
  clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate),
});

/** A clock whose batch timers never fire: batches are cut by flush() or maxItems. */
const stillClock = () => ({ now: () => T0 + 1000, setTimeout: () => 0, clearTimeout: () => {} });

const txBytes = (tx: unknown) => utf8.encode(JSON.stringify(tx));

function blockRows(dataDir: string): { height: number; hash: string; entry_count: number; order_position: number }[] {
  const db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
  try {
    return db.prepare('SELECT height, hash, entry_count, order_position FROM blocks ORDER BY height').all() as never;
  } finally {
    db.close();
  }
}

/** Waits (polling, at most 30 s) until `node`'s durable head reaches `height`: the other node of a pair applies the same batches a little later. */
async function reach(node: LedgerNode, height: number): Promise<void> {
  for (const started = Date.now(); node.head.height < height && Date.now() - started < 30_000; ) await new Promise((r) => setTimeout(r, 5));
  assert.equal(node.head.height, height);
}

async function twoNodes(options: { maxBlockTxs?: number } = {}) {
  const genesis = await twoNodeGenesis();
  if (options.maxBlockTxs) genesis.params.maxBlockTxs = options.maxBlockTxs;
  const one = await testDataDir(genesis, 'node1');
  const two = await testDataDir(genesis, 'node2');
  const log = new SoloLog();
  const open = (dataDir: string) => LedgerNode.open(dataDir, { orderer: soloOrderer({ log, clock: clock(), maxDelayMs: 1 }) });
  const node1 = await open(one.dataDir);
  const node2 = await open(two.dataDir);
  return { chainId: one.chainId, log, node1, node2, dirs: [one.dataDir, two.dataDir] as const, close: () => Promise.all([node1.close(), node2.close()]) };
}

test('two nodes ordering through one log compute the same blocks, and a transaction submitted to both ends up once, both submitters answered with its entry', async () => {
  const { chainId, node1, node2, dirs, close } = await twoNodes();
  try {
    const raj = await new Actor('raj', chainId).register();
    const meera = await new Actor('meera', chainId).register();
    const [a, b] = await Promise.all([node1.submit(raj), node2.submit(meera)]);
    assert.deepEqual([a.outcome, b.outcome], ['OK', 'OK']);
    const admin = await new Actor('admin', chainId).register();
    const both: SubmitResult[] = await Promise.all([node1.submit(admin), node2.submit(admin)]);
    assert.equal(both[0]!.seq, both[1]!.seq, 'one entry for the transaction, whichever node ordered it first');
    assert.equal(both[0]!.outcome, 'OK');
    assert.deepEqual(both.map((r) => r.blockHash), [both[0]!.blockHash, both[0]!.blockHash], 'the same block on both nodes');
    const height = Math.max(node1.head.height, node2.head.height);
    await reach(node1, height);
    await reach(node2, height);
    assert.deepEqual(node1.head, node2.head);
    assert.equal(node1.head.treeSize, 3);
  } finally {
    await close();
  }
  const [rows1, rows2] = dirs.map(blockRows);
  assert.deepEqual(rows1!.map((r) => r.hash), rows2!.map((r) => r.hash));
  for (const dir of dirs) await verifyDataDir(dir);
});

test('items another node proposed are prechecked: a forged signature, an unregistered key and garbage are dropped, never ledgered, and a valid one is applied', async () => {
  const { chainId, log, node1, node2, dirs, close } = await twoNodes();
  try {
    await node1.submit(await new Actor('raj', chainId).register());
    const forged = await new Actor('raj', chainId).tx('SetListing', { recordId: 'ab'.repeat(16), listed: true });
    forged.sig = (forged.sig[0] === 'A' ? 'B' : 'A') + forged.sig.slice(1);
    const unregistered = await new Actor('sara', chainId).tx('SetListing', { recordId: 'cd'.repeat(16), listed: true });
    const valid = await new Actor('meera', chainId).register();
    // A third proposer on the same log, trusted by nobody.
    const stranger = new SoloOrderer({ log, proposer: 'node9', clock: stillClock(), maxDelayMs: 60_000 });
    for (const item of [utf8.encode('{"not":"a tx"'), utf8.encode('{}'), txBytes(forged), txBytes(unregistered), txBytes(valid)]) await stranger.propose(item);
    stranger.flush();
    // A marker through node1: it is answered only after the stranger's batch, ordered before it, was executed.
    await node1.submit(await new Actor('admin', chainId).register());
    assert.equal(node1.recorded(hashOf(forged)), undefined);
    assert.equal(node1.recorded(hashOf(unregistered)), undefined);
    assert.equal(node1.recorded(hashOf(valid))?.outcome, 'OK');
    assert.equal(node1.head.treeSize, 3, 'raj, meera (from the stranger) and admin');
    await reach(node2, node1.head.height);
    assert.deepEqual(node2.head, node1.head, 'every honest node drops the same items');
    await stranger.close();
  } finally {
    await close();
  }
  for (const dir of dirs) await verifyDataDir(dir);
});

test('a batch larger than the genesis maxBlockTxs becomes several blocks of at most maxBlockTxs, and the chain verifies', async () => {
  const { chainId, log, node1, node2, dirs, close } = await twoNodes({ maxBlockTxs: 2 });
  try {
    const stranger = new SoloOrderer({ log, proposer: 'node9', clock: stillClock(), maxItems: 100, maxDelayMs: 60_000 });
    const users = ['raj', 'meera', 'sara', 'omar', 'admin2'] as const;
    for (const user of users) await stranger.propose(txBytes(await new Actor(user, chainId).register()));
    stranger.flush();
    const marker = await node1.submit(await new Actor('admin', chainId).register());
    assert.equal(marker.seq, users.length, 'the five came first');
    await reach(node2, node1.head.height);
    await stranger.close();
  } finally {
    await close();
  }
  const rows = blockRows(dirs[0]);
  assert.deepEqual(rows.map((r) => r.entry_count), [2, 2, 1, 1]);
  // Blocks that do not complete their batch keep the previous position: a restart re-reads the batch.
  assert.deepEqual(rows.map((r) => r.order_position), [0, 0, 1, 2]);
  for (const dir of dirs) await verifyDataDir(dir);
});

test('a restarted node resumes the orderer after the position stored with its last block, over positions with gaps', async () => {
  const { dataDir, chainId } = await testDataDir(await testGenesis());
  const starts: OrdererStart[] = [];
  const open = () =>
    LedgerNode.open(dataDir, {
      orderer: (start) => {
        starts.push(start);
        return soloOrderer({ log: new SoloLog({ afterPosition: start.afterPosition, positionStep: 7 }), clock: clock(), maxDelayMs: 1 })(start);
      },
    });
  let node = await open();
  await node.submit(await new Actor('raj', chainId).register());
  await node.submit(await new Actor('meera', chainId).register());
  await node.close();
  node = await open();
  await node.submit(await new Actor('admin', chainId).register());
  await node.close();
  assert.deepEqual(starts.map((s) => [s.nodeId, s.afterPosition]), [['node1', 0], ['node1', 14]]);
  assert.deepEqual(blockRows(dataDir).map((r) => r.order_position), [7, 14, 21]);
  await verifyDataDir(dataDir);
});

const hashOf = (tx: unknown) => parseTx(sha256, tx).hash;

test('a block with more entries than the genesis maxBlockTxs, from a node that ignored it, fails verify with CHAIN_BLOCK_TOO_LARGE', async () => {
  const genesis = await testGenesis();
  genesis.params.maxBlockTxs = 2;
  const { dataDir, chainId } = await testDataDir(genesis);
  // A node that ignores the limit: the real executor and store, given a genesis that says 10.
  const store = SqliteLedgerStore.open(join(dataDir, DB_FILE), sha256);
  const nodeKey = await loadNodeKey(dataDir, store.genesis);
  const rogue = new BlockExecutor({
    chainId, genesis: { ...store.genesis, params: { ...store.genesis.params, maxBlockTxs: 10 } }, hash: sha256, keys: new KeyCache(),
    node: { nodeId: nodeKey.nodeId, keyId: nodeKey.keyId },
  });
  const items = [];
  for (const user of ['raj', 'meera', 'admin'] as const) items.push({ bytes: txBytes(await new Actor(user, chainId).register()) });
  for await (const block of rogue.blocks(store, { position: 1, time: T0 + 1000, items })) {
    await store.append({ ...block, attestation: await signAttestation(block.attestation, nodeKey.privateKey) });
  }
  await store.close();
  await assert.rejects(verifyDataDir(dataDir), (e: unknown) => isDhlError(e, 'CHAIN_BLOCK_TOO_LARGE') && e.details.height === 1);
});
