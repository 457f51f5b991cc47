/**
 * The block executor's shared step (`applyTransactions`): the one way a
 * block's transactions are applied, by the executor and by replay and verify.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { utf8 } from '../../src/crypto/index.ts';
import { applyBatch, genesisWrites, KEY, KeyCache, MemoryStateView, type StateView } from '../../src/contract/index.ts';
import { chainIdOf, parseTx, signAttestation, type ParsedTx } from '../../src/ledger/index.ts';
import { applyTransactions, BlockExecutor, DB_FILE, loadNodeKey, sha256 } from '../../src/node/index.ts';
import { genesisInput } from '../../src/node/genesis-input.ts';
import { SqliteLedgerStore } from '../../src/node/store/index.ts';
import { Actor, testDataDir, testGenesis, T0 } from '../helpers/ledger-fixture.ts';

const USERS = ['raj', 'meera', 'sara'] as const;

async function threeRegistrations() {
  const genesis = await testGenesis();
  const chainId = chainIdOf(sha256, genesis);
  const before = new MemoryStateView();
  before.apply(genesisWrites(await genesisInput(genesis)));
  const txs: ParsedTx[] = [];
  for (const user of USERS) txs.push(parseTx(sha256, await new Actor(user, chainId).register(), { chain: chainId }));
  return { genesis, before, txs, context: { chain: chainId, height: 1, time: T0 + 1000, params: genesis.params } };
}

test('applyTransactions applies each transaction over the state its predecessors left and ends the block with finishBlock, as the contract\'s applyBatch does', async () => {
  const { before, txs, context } = await threeRegistrations();
  const registeredBefore: number[] = [];
  const applied = await applyTransactions(before, context, txs, async (tx, view: StateView, i) => {
    registeredBefore.push(USERS.filter((u) => view.get(KEY.user(u)) !== undefined).length);
    assert.equal(i, registeredBefore.length - 1, 'the policy is told the index of the item');
    return tx;
  });
  assert.deepEqual(registeredBefore, [0, 1, 2], 'each precheck sees the writes of the transactions before it');
  const reference = applyBatch(before, txs, context);
  assert.deepEqual(applied.entries.map((e) => e.outcome), reference.outcomes);
  assert.deepEqual(applied.after.writes(), reference.writes);
  assert.ok(applied.after.writes().some(([key]) => key === KEY.nonceBuckets()), "finishBlock indexed the block's nonces");
  assert.equal(applied.consumed, 3);
});

test('applyTransactions leaves out what the policy drops, and takes items from `from` until `maxTxs` entries are in the block', async () => {
  const { before, txs, context } = await threeRegistrations();
  const dropped = await applyTransactions(before, context, txs, async (tx, _view, i) => (i === 1 ? undefined : tx));
  assert.deepEqual(dropped.entries.map((e) => e.tx.header.actor), ['raj', 'sara']);
  assert.equal(dropped.consumed, 3, 'a dropped item is consumed too');
  assert.equal(dropped.after.get(KEY.user('meera')), undefined);

  const seen: number[] = [];
  const window = await applyTransactions(before, context, txs, async (tx, _view, i) => (seen.push(i), i === 0 ? undefined : tx), { maxTxs: 1 });
  assert.deepEqual(window.entries.map((e) => e.tx.header.actor), ['meera']);
  assert.deepEqual(seen, [0, 1], 'it stops once the block is full');
  assert.equal(window.consumed, 2);

  const rest = await applyTransactions(before, context, txs, async (tx) => tx, { from: 2, maxTxs: 5 });
  assert.deepEqual(rest.entries.map((e) => e.tx.header.actor), ['sara']);
  assert.equal(rest.consumed, 1);
});

test("a batch whose last block is full to maxBlockTxs stores the batch's position with that block; blocks before it keep the previous one", async () => {
  const genesis = await testGenesis();
  genesis.params.maxBlockTxs = 2;
  const { dataDir, chainId } = await testDataDir(genesis);
  const store = SqliteLedgerStore.open(join(dataDir, DB_FILE), sha256);
  try {
    const nodeKey = await loadNodeKey(dataDir, store.genesis);
    const executor = new BlockExecutor({ chainId, genesis: store.genesis, hash: sha256, keys: new KeyCache(), node: { nodeId: nodeKey.nodeId, keyId: nodeKey.keyId } });
    const run = async (position: number, users: readonly ('raj' | 'meera' | 'sara' | 'omar' | 'admin2')[]) => {
      const items = [];
      for (const user of users) items.push({ bytes: utf8.encode(JSON.stringify(await new Actor(user, chainId).register())) });
      const positions: number[] = [];
      for await (const block of executor.blocks(store, { position, time: T0 + 1000, items })) {
        positions.push(block.position);
        await store.append({ ...block, attestation: await signAttestation(block.attestation, nodeKey.privateKey) });
      }
      return positions;
    };
    assert.deepEqual(await run(5, ['raj', 'meera']), [5]);
    assert.equal(store.position, 5);
    assert.deepEqual(await run(9, ['sara', 'omar', 'admin2']), [5, 9]);
    assert.equal(store.position, 9);
  } finally {
    await store.close();
  }
});
