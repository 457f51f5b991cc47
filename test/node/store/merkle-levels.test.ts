/**
 * The Merkle tree's upper levels held in memory (src/node/store/merkle-levels.ts,
 * SqliteMerkleStore.holdUpperLevels): within a node budget, top down, answering
 * exactly what the node table holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { toHex } from '../../../src/crypto/index.ts';
import { MemoryNodeStore, MerkleTree } from '../../../src/ledger/index.ts';
import { sha256 } from '../../../src/node/index.ts';
import { openDatabase, SqliteMerkleStore } from '../../../src/node/store/index.ts';
import { MerkleLevels } from '../../../src/node/store/merkle-levels.ts';
import { removeTempDir, tempDir } from '../../helpers/temp.ts';

const leaf = (i: number) => sha256(new Uint8Array([i & 0xff, i >> 8]));
const hex = (hashes: readonly Uint8Array[]) => hashes.map(toHex);

/** A node table holding a tree of `size` leaves, and the same tree in memory to compare with. */
function stored(t: import('node:test').TestContext, size: number) {
  const dir = tempDir('merkle-levels');
  const db = openDatabase(join(dir, 'ledger.sqlite'));
  t.after(() => {
    db.close();
    removeTempDir(dir);
  });
  const writer = new MerkleTree(sha256, { store: new SqliteMerkleStore(db, { generationSize: 0 }) });
  const reference = new MerkleTree(sha256, { store: new MemoryNodeStore() });
  for (let i = 0; i < size; i++) {
    writer.append(leaf(i));
    reference.append(leaf(i));
  }
  return { db, reference };
}

test('the upper levels that fit the budget are read into memory top down, and proofs from them are the table\'s: a table that lost those rows still proves', (t) => {
  const { db, reference } = stored(t, 300);
  // Levels of 300 leaves, top down: 1, 2, 4, 9, 18, 37 nodes (71) fit 100; level 2's 75 would not.
  const store = new SqliteMerkleStore(db, { generationSize: 0, memoryNodes: 100 });
  store.holdUpperLevels(300);
  assert.deepEqual(store.held, { nodes: 71, lowestLevel: 3 });
  db.exec('DELETE FROM merkle_nodes WHERE level >= 3');
  const tree = new MerkleTree(sha256, { store, size: 300 });
  for (let m = 0; m < 300; m += 7) assert.deepEqual(hex(tree.inclusionProof(m, 300)), hex(reference.inclusionProof(m, 300)), `proof of ${m}`);
  assert.equal(toHex(tree.root()), toHex(reference.root()));
});

test('a level with a missing node is not held, nor any below it; without a budget nothing is', (t) => {
  const { db } = stored(t, 64);
  db.exec('DELETE FROM merkle_nodes WHERE level = 2 AND idx = 5');
  const store = new SqliteMerkleStore(db, { generationSize: 0, memoryNodes: 1_000 });
  store.holdUpperLevels(64);
  assert.deepEqual(store.held, { nodes: 1 + 2 + 4 + 8, lowestLevel: 3 });
  assert.equal(store.get(2, 5), undefined, 'missing is missing');
  const none = new SqliteMerkleStore(db, { generationSize: 0 });
  none.holdUpperLevels(64);
  assert.deepEqual(none.held, { nodes: 0 });
});

test('a growing tree keeps every level in memory until it passes the budget, then lets the lowest go and reads it from the table', () => {
  const levels = new MerkleLevels(10);
  assert.deepEqual(levels.plan(0), [], 'a new tree: nothing to load');
  assert.equal(levels.lowestLevel, 0, 'every level held as it grows');
  const tree = new MerkleTree(sha256, { store: { get: (l, i) => levels.get(l, i), set: (l, i, h) => void levels.set(l, i, h) } });
  const reference = new MerkleTree(sha256);
  for (let i = 0; i < 5; i++) {
    tree.append(leaf(i));
    reference.append(leaf(i));
  }
  // 5 leaves: 5 + 2 + 1 nodes held.
  assert.equal(levels.size, 8);
  assert.deepEqual(hex(tree.inclusionProof(4, 5)), hex(reference.inclusionProof(4, 5)));
  tree.append(leaf(5)); // level 0 has 6, level 1 three: 10
  assert.equal(levels.lowestLevel, 0);
  tree.append(leaf(6)); // 11 > 10: level 0 goes
  assert.equal(levels.lowestLevel, 1);
  assert.equal(levels.get(0, 3), undefined);
  assert.equal(toHex(levels.get(1, 1)!), toHex(levelNode(reference, 1, 1)), 'the levels above stay');
  const copy = levels.get(2, 0)!;
  copy.fill(0);
  assert.notEqual(toHex(levels.get(2, 0)!), toHex(copy), 'handed out as a copy');
});

/** Node (level, index) of a tree: the root of its 2^level leaves. */
function levelNode(tree: MerkleTree, level: number, index: number): Uint8Array {
  const span = 2 ** level;
  const sub = new MerkleTree(sha256);
  for (let i = index * span; i < (index + 1) * span; i++) sub.append(tree.leafHashAt(i));
  return sub.root();
}
