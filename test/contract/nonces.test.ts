/** Replay nonces are forgotten once expired: deterministic, indexed by expiry bucket, bounded work per block. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, NONCE_BUCKET_MS, type ContractTx } from '../../src/contract/index.ts';
import { PARAMS, World, code, expectOk, genesisFor, hex32, Person, ORG_A, standardWorld } from './builders.ts';

const isNonceRow = (k: string) => k.startsWith('nonce/') || k.startsWith('nonce-expiry/') || k === KEY.nonceBuckets();
const nonceRows = (w: World) => w.state.entries().filter(([k]) => isNonceRow(k)).length;
const nonceKeys = (w: World) => w.state.entries().filter(([k]) => k.startsWith('nonce/')).map(([k]) => k);

/** Moves block time past the end of the bucket of `notAfter`, so that bucket is wholly expired. */
function pastBucketOf(w: World, notAfter: number): void {
  const end = (Math.floor(notAfter / NONCE_BUCKET_MS) + 1) * NONCE_BUCKET_MS;
  if (w.time < end) w.advance(end - w.time);
}

test('a nonce is indexed by its expiry bucket when spent and forgotten in the first block after that bucket ends', () => {
  const { w, raj } = standardWorld();
  const before = nonceKeys(w).length;
  const { recordId, tx } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const key = KEY.nonce('raj', tx.header.nonce);
  const bucket = Math.floor(tx.header.notAfter / NONCE_BUCKET_MS);
  assert.equal(w.get(key), tx.header.notAfter);
  const block = w.blocks.at(-1)!;
  const entry = block.writes.find(([k]) => k.startsWith(`nonce-expiry/${bucket}/`));
  assert.deepEqual(entry?.[1], [`raj/${tx.header.nonce}`], 'the block indexes the nonce it spent, in its group of the bucket');
  // Still remembered through its notAfter: a replay is refused.
  w.advance(tx.header.notAfter - w.time);
  assert.equal(code(w.submit({ ...tx, hash: hex32('other').repeat(2) })), 'NONCE_REPLAYED');
  pastBucketOf(w, tx.header.notAfter);
  const later = expectOk(w.setListing(raj, recordId));
  const deleted = w.blocks.at(-1)!.writes.filter(([, v]) => v === null).map(([k]) => k);
  assert.ok(deleted.includes(key), 'the nonce is deleted');
  assert.ok(deleted.includes(entry![0]) && deleted.includes(KEY.nonceBucket(bucket)), 'with its index entry and bucket');
  assert.equal(w.get(key), undefined);
  // Forgotten, the same transaction is still refused: its notAfter has passed.
  assert.equal(code(w.submit(tx)), 'TX_EXPIRED');
  assert.ok(nonceKeys(w).includes(KEY.nonce('raj', later.tx.header.nonce)));
  assert.ok(nonceKeys(w).length <= before + 2);
});

test('state stays flat under a steady load: nonces, index entries and buckets of expired transactions are gone', () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const sizes: number[] = [];
  for (let round = 0; round < 30; round++) {
    w.submitBlock(Array.from({ length: 20 }, () => w.tx(raj, 'SetListing', { recordId, listed: round % 2 === 0 })));
    w.advance(20_000);
    sizes.push(nonceRows(w));
  }
  // 600 transactions, but only those of the last ~2 minutes (window 30 s + bucket 60 s) are remembered.
  assert.ok(Math.max(...sizes.slice(10)) < 250, `nonce rows over time: ${sizes.join(' ')}`);
  assert.ok(sizes.at(-1)! <= sizes[9]! + 25, 'no growth');
});

test('each block forgets at most 2 × maxBlockTxs nonces; the rest carry over to the next blocks, oldest first', () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const budget = 2 * PARAMS.maxBlockTxs;
  // Groups of 70 (one per block): the budget of 200 ends inside a group, which the next block finishes.
  for (let i = 0; i < 7; i++) w.submitBlock(Array.from({ length: 70 }, () => w.tx(raj, 'SetListing', { recordId, listed: true })));
  assert.ok(nonceKeys(w).length >= 490);
  w.advance(10 * NONCE_BUCKET_MS);
  const forgotten: number[] = [];
  for (let i = 0; i < 4; i++) {
    expectOk(w.setListing(raj, recordId));
    const writes = w.blocks.at(-1)!.writes;
    const deletedNonces = writes.filter(([k, v]) => v === null && k.startsWith('nonce/')).length;
    assert.ok(deletedNonces <= budget, `block ${i}: ${deletedNonces} nonces`);
    forgotten.push(deletedNonces);
    if (i === 0) {
      const cut = writes.find(([k, v]) => /^nonce-expiry\/\d+$/.test(k) && v !== null)?.[1] as { pruned: number; offset: number } | undefined;
      assert.ok(cut && cut.offset > 0, 'the first block stopped inside a group and says where');
    }
  }
  assert.deepEqual(forgotten.slice(0, 2), [budget, budget], 'a full budget while the backlog lasts');
  assert.equal(nonceKeys(w).length, 4, 'then only the four fresh nonces remain');
});

test('a nonce used again after it expired is kept until its own notAfter, though the old entry is pruned after it', () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const first = expectOk(w.setListing(raj, recordId));
  const nonce = first.tx.header.nonce;
  // Just past its notAfter: the old entry is not pruned yet (its bucket has not ended).
  w.advance(first.tx.header.notAfter - w.time + 1);
  const again = w.send(raj, 'SetListing', { recordId, listed: false }, { nonce, notAfter: w.time + PARAMS.notAfterWindowMs });
  assert.equal(code(again), 'OK');
  // The first use's bucket ends no later than a window after its notAfter, before the second use's notAfter.
  pastBucketOf(w, first.tx.header.notAfter);
  assert.ok(w.time <= again.tx.header.notAfter);
  expectOk(w.setListing(raj, recordId));
  assert.equal(w.get(KEY.nonce('raj', nonce)), again.tx.header.notAfter, 'the old entry did not forget the new use');
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: true }, { nonce })), 'NONCE_REPLAYED');
  pastBucketOf(w, again.tx.header.notAfter);
  expectOk(w.setListing(raj, recordId));
  assert.equal(w.get(KEY.nonce('raj', nonce)), undefined);
});

test('after a long idle time pruning takes a few steps: only buckets holding entries are listed, never the empty ones between', () => {
  const adam = new Person('adam');
  const w = new World(genesisFor([{ org: ORG_A, people: [adam] }]));
  const first = expectOk(w.register(adam));
  assert.deepEqual(w.get(KEY.nonceBuckets()), [Math.floor(first.tx.header.notAfter / NONCE_BUCKET_MS)]);
  w.advance(365 * 86_400_000);
  const tina = new Person('tina');
  const r = expectOk(w.register(tina));
  const writes = w.blocks.at(-1)!.writes;
  assert.equal(w.get(KEY.nonce('adam', first.tx.header.nonce)), undefined, 'the old nonce is gone');
  assert.deepEqual(w.get(KEY.nonceBuckets()), [Math.floor(r.tx.header.notAfter / NONCE_BUCKET_MS)], 'only the new bucket is listed');
  // The old nonce, its entry and its bucket, the new ones, and the list: nothing for the half million empty buckets between.
  assert.ok(writes.length < 12, `${writes.length} writes`);
});

test('two executors of the same transactions make identical nonce writes (they are part of changesHash)', () => {
  const run = () => {
    const { w, raj, sara } = standardWorld();
    const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
    const txs: ContractTx[] = [];
    for (let i = 0; i < 6; i++) {
      txs.push(w.tx(i % 2 ? raj : sara, 'SetListing', { recordId, listed: true }));
      w.submitBlock([txs.at(-1)!]);
      w.advance(45_000);
    }
    return w.blocks.map((b) => b.writes);
  };
  assert.deepEqual(run(), run());
});
