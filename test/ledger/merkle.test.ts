import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type { SyncHash } from '../../src/crypto/hash.ts';
import { toHex } from '../../src/crypto/bytes.ts';
import { isDhlError } from '../../src/crypto/errors.ts';
import {
  HASH_SIZE,
  MemoryNodeStore,
  MerkleTree,
  consistencyProofLength,
  emptyRoot,
  inclusionProofLength,
  isConsistencyValid,
  isInclusionValid,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type MerkleNodeStore,
} from '../../src/ledger/merkle.ts';
import { MERKLE_ERRORS, isMerkleError, type MerkleErrorCode } from '../../src/ledger/merkle-errors.ts';
import { NaiveMerkle } from './merkle-reference.ts';

// The node hashes with node:crypto, the browser with @noble/hashes (DESIGN §3).
// node:crypto returns Buffers, whose .slice() is a view: tests copy with new Uint8Array().
const nodeSha256: SyncHash = (data) => createHash('sha256').update(data).digest();

const hex = (hashes: readonly Uint8Array[]): string[] => hashes.map(toHex);

/** Distinct leaf inputs of varying length, so leaf hashing is exercised too. */
function leafInputs(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array(Array.from({ length: i % 7 }, (_, j) => (i * 31 + j) & 0xff)));
}

function buildTree(hash: SyncHash, inputs: readonly Uint8Array[]): MerkleTree {
  const tree = new MerkleTree(hash);
  for (const input of inputs) tree.appendLeafInput(input);
  return tree;
}

/** A hash that counts its calls. */
function counting(hash: SyncHash = nodeSha256): { hash: SyncHash; calls: () => number } {
  let calls = 0;
  return {
    hash: (data) => {
      calls++;
      return hash(data);
    },
    calls: () => calls,
  };
}

function assertCode(fn: () => unknown, code: MerkleErrorCode, message?: string): void {
  assert.throws(fn, (err: unknown) => isMerkleError(err, code), message);
}

/** The code a call throws, null if it returns; anything but a Merkle error fails the test. */
function outcome(fn: () => unknown): MerkleErrorCode | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (isMerkleError(err)) return err.code;
    throw err;
  }
}

// One tree of 300 leaves serves every size up to 300: old sizes come from stored nodes.
const MAX = 300;
const INPUTS = leafInputs(MAX);
const TREE = buildTree(nodeSha256, INPUTS);
const REF = new NaiveMerkle(nodeSha256, { cache: true });
const ROOTS = Array.from({ length: MAX + 1 }, (_, n) => REF.MTH(INPUTS.slice(0, n)));
const LEAVES = INPUTS.map((d) => leafHash(nodeSha256, d));

// ---------------------------------------------------------------------------
// Hashing and roots

test('leaf, node and empty-tree hashes are SHA-256 of 0x00||input, 0x01||left||right and of nothing', () => {
  const a = new Uint8Array([1, 2, 3]);
  assert.equal(toHex(emptyRoot(nodeSha256)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(toHex(leafHash(nodeSha256, a)), toHex(nodeSha256(new Uint8Array([0, 1, 2, 3]))));
  const l = LEAVES[0]!;
  const r = LEAVES[1]!;
  assert.equal(toHex(nodeHash(nodeSha256, l, r)), toHex(nodeSha256(new Uint8Array([1, ...l, ...r]))));
});

test('the tree root, rootAt and rootOf equal the RFC MTH at every size up to 300', () => {
  assert.equal(TREE.size, MAX);
  assert.equal(toHex(TREE.root()), toHex(ROOTS[MAX]!));
  for (let n = 0; n <= MAX; n++) {
    assert.equal(toHex(TREE.rootAt(n)), toHex(ROOTS[n]!), `rootAt(${n})`);
    assert.equal(toHex(rootOf(nodeSha256, LEAVES.slice(0, n))), toHex(ROOTS[n]!), `rootOf ${n} leaves`);
  }
});

test('the root after each append equals the RFC MTH of the leaves so far', () => {
  const tree = new MerkleTree(nodeSha256);
  assert.equal(toHex(tree.root()), toHex(ROOTS[0]!));
  for (let n = 1; n <= 70; n++) {
    assert.equal(tree.appendLeafInput(INPUTS[n - 1]!), n - 1);
    assert.equal(toHex(tree.root()), toHex(ROOTS[n]!), `size ${n}`);
    assert.equal(toHex(tree.leafHashAt(n - 1)), toHex(LEAVES[n - 1]!));
  }
});

// ---------------------------------------------------------------------------
// Proofs against the naive reference

test('every inclusion proof up to size 300 equals the RFC reference and verifies', () => {
  let proofs = 0;
  for (let n = 1; n <= MAX; n++) {
    const D = INPUTS.slice(0, n);
    for (let m = 0; m < n; m++) {
      const proof = TREE.inclusionProof(m, n);
      assert.deepEqual(hex(proof), hex(REF.PATH(m, D)), `PATH(${m}, D[${n}])`);
      assert.equal(inclusionProofLength(m, n), proof.length);
      verifyInclusion(nodeSha256, m, n, LEAVES[m]!, proof, ROOTS[n]!);
      assert.ok(REF.verifyInclusion(m, n, LEAVES[m]!, proof, ROOTS[n]!), `reference verifies PATH(${m}, D[${n}])`);
      proofs++;
    }
  }
  assert.equal(proofs, (MAX * (MAX + 1)) / 2);
});

test('every consistency proof up to size 300 equals the RFC reference and verifies', () => {
  let proofs = 0;
  for (let n = 1; n <= MAX; n++) {
    const D = INPUTS.slice(0, n);
    for (let m = 1; m <= n; m++) {
      const proof = TREE.consistencyProof(m, n);
      assert.deepEqual(hex(proof), hex(REF.PROOF(m, D)), `PROOF(${m}, D[${n}])`);
      assert.equal(consistencyProofLength(m, n), proof.length);
      verifyConsistency(nodeSha256, m, n, proof, ROOTS[m]!, ROOTS[n]!);
      if (m < n) assert.ok(REF.verifyConsistency(m, n, proof, ROOTS[m]!, ROOTS[n]!), `reference verifies PROOF(${m}, D[${n}])`);
      proofs++;
    }
  }
  assert.equal(proofs, (MAX * (MAX + 1)) / 2);
});

test('rootFromInclusionProof gives the root every inclusion proof leads to', () => {
  for (const n of [1, 2, 3, 7, 8, 9, 100, 255, 256, 257, 300]) {
    for (let m = 0; m < n; m += 3) {
      const root = rootFromInclusionProof(nodeSha256, m, n, LEAVES[m]!, TREE.inclusionProof(m, n));
      assert.equal(toHex(root), toHex(ROOTS[n]!));
    }
  }
  // A one-leaf tree's root is the leaf hash itself, returned as a copy.
  const root = rootFromInclusionProof(nodeSha256, 0, 1, LEAVES[0]!, []);
  assert.notEqual(root, LEAVES[0]);
  assert.equal(toHex(root), toHex(LEAVES[0]!));
});

test('node:crypto and @noble/hashes give identical roots and proofs, and verify each other\'s', () => {
  const n = 67;
  const a = nodeSha256;
  const b: SyncHash = nobleSha256;
  const treeA = buildTree(a, INPUTS.slice(0, n));
  const treeB = buildTree(b, INPUTS.slice(0, n));
  for (let size = 0; size <= n; size++) {
    assert.equal(toHex(treeA.rootAt(size)), toHex(treeB.rootAt(size)), `root at ${size}`);
    assert.equal(toHex(rootOf(b, LEAVES.slice(0, size))), toHex(ROOTS[size]!));
    for (let m = 0; m < size; m++) {
      const proof = treeA.inclusionProof(m, size);
      assert.deepEqual(hex(proof), hex(treeB.inclusionProof(m, size)));
      verifyInclusion(b, m, size, treeB.leafHashAt(m), proof, treeB.rootAt(size));
    }
    for (let m = 1; m <= size; m++) {
      const proof = treeB.consistencyProof(m, size);
      assert.deepEqual(hex(proof), hex(treeA.consistencyProof(m, size)));
      verifyConsistency(a, m, size, proof, treeA.rootAt(m), treeA.rootAt(size));
    }
  }
});

// ---------------------------------------------------------------------------
// Growth and storage

test('an append costs at most log2(n)+1 node hashes and one on average; proofs never recompute the past', () => {
  const { hash, calls } = counting();
  const tree = new MerkleTree(hash);
  let worst = 0;
  for (let i = 0; i < 1024; i++) {
    const before = calls();
    tree.append(LEAVES[i % MAX]!);
    const cost = calls() - before;
    worst = Math.max(worst, cost);
    assert.ok(cost <= Math.log2(i + 1) + 1, `append ${i} cost ${cost}`);
  }
  assert.equal(worst, 10);
  assert.equal(calls(), 1023, 'a perfect tree of 1024 leaves has 1023 interior nodes, each hashed once');
  // A proof hashes at most the one ephemeral node's subtrees, never a whole subtree's leaves.
  const before = calls();
  tree.inclusionProof(0, 1000);
  tree.consistencyProof(999, 1000);
  tree.rootAt(777);
  assert.ok(calls() - before <= 3 * 10, `proofs cost ${calls() - before} hashes`);
});

test("a proof's right-edge node is hashed once per tree size and range: later proofs against that size hash nothing, and a caller altering one changes no later proof", () => {
  const { hash, calls } = counting();
  const tree = new MerkleTree(hash);
  for (let i = 0; i < MAX; i++) tree.append(LEAVES[i]!);
  // 299 leaves = 256 + 32 + 8 + 2 + 1: the right edge of leaf 0's path is 43 leaves, four hashes.
  const size = 299;
  const first = calls();
  const proof = tree.inclusionProof(0, size);
  assert.ok(calls() > first, 'the edge node is computed once');
  const again = calls();
  for (let m = 0; m < 256; m += 17) tree.inclusionProof(m, size);
  assert.equal(calls(), again, 'proofs sharing the edge node hash nothing more');
  assert.deepEqual(hex(proof), hex(REF.PATH(0, INPUTS.slice(0, size))));
  proof[proof.length - 1]!.fill(9);
  assert.deepEqual(hex(tree.inclusionProof(0, size)), hex(REF.PATH(0, INPUTS.slice(0, size))), 'handed out as a copy');
  for (let m = 0; m < size; m++) assert.deepEqual(hex(tree.inclusionProof(m, size)), hex(REF.PATH(m, INPUTS.slice(0, size))));
});

test('a tree reopened from its node store at its size continues with identical roots and proofs', () => {
  const store = new MemoryNodeStore();
  const first = new MerkleTree(nodeSha256, { store });
  for (let i = 0; i < 93; i++) first.append(LEAVES[i]!);
  const reopened = new MerkleTree(nodeSha256, { store, size: 93 });
  assert.equal(reopened.size, 93);
  assert.equal(toHex(reopened.root()), toHex(ROOTS[93]!));
  for (let i = 93; i < 150; i++) reopened.append(LEAVES[i]!);
  assert.equal(toHex(reopened.root()), toHex(ROOTS[150]!));
  assert.deepEqual(hex(reopened.inclusionProof(40, 150)), hex(TREE.inclusionProof(40, 150)));
  assert.deepEqual(hex(reopened.consistencyProof(93, 150)), hex(TREE.consistencyProof(93, 150)));
});

test('a node store without the nodes a size needs fails with MERKLE_NODE_MISSING', () => {
  assertCode(() => new MerkleTree(nodeSha256, { store: new MemoryNodeStore(), size: 5 }), 'MERKLE_NODE_MISSING');
  // The frontier of size 5 is (2,0) and (0,4); an old size needs nodes the frontier lacks.
  const store = new MemoryNodeStore();
  const full = new MerkleTree(nodeSha256, { store });
  for (let i = 0; i < 5; i++) full.append(LEAVES[i]!);
  const partial = new MemoryNodeStore();
  partial.set(2, 0, store.get(2, 0)!);
  partial.set(0, 4, store.get(0, 4)!);
  const tree = new MerkleTree(nodeSha256, { store: partial, size: 5 });
  assert.equal(toHex(tree.root()), toHex(ROOTS[5]!));
  assertCode(() => tree.rootAt(3), 'MERKLE_NODE_MISSING');
  // A store handing back something that is not a hash is refused, not trusted.
  const lying: MerkleNodeStore = { get: () => new Uint8Array(3), set: () => {} };
  assertCode(() => new MerkleTree(nodeSha256, { store: lying, size: 1 }), 'MERKLE_HASH_INVALID');
});

test('the memory store and the tree copy bytes in and out: callers never share stored state', () => {
  const store = new MemoryNodeStore();
  const tree = new MerkleTree(nodeSha256, { store });
  const leaf = new Uint8Array(LEAVES[0]!);
  tree.append(leaf);
  tree.append(LEAVES[1]!);
  leaf.fill(0);
  assert.equal(toHex(store.get(0, 0)!), toHex(LEAVES[0]!));
  store.get(0, 0)!.fill(1);
  assert.equal(toHex(tree.leafHashAt(0)), toHex(LEAVES[0]!));
  tree.root().fill(2);
  tree.rootAt(1).fill(3);
  tree.inclusionProof(0)[0]!.fill(4);
  tree.consistencyProof(1)[0]!.fill(5);
  assert.equal(toHex(tree.root()), toHex(ROOTS[2]!));
  assert.equal(toHex(tree.rootAt(1)), toHex(ROOTS[1]!));
  assert.deepEqual(hex(tree.inclusionProof(0)), [toHex(LEAVES[1]!)]);
  assert.equal(store.get(0, 2), undefined);
  assert.equal(store.get(9, 0), undefined);
  // rootOf must not hand back the caller's own array either.
  const one = [LEAVES[3]!];
  assert.notEqual(rootOf(nodeSha256, one), one[0]);
});

test('a hash function returning anything but 32 bytes is refused with MERKLE_HASH_INVALID', () => {
  for (const bad of [() => new Uint8Array(31), () => new Uint8Array(33), () => 'x', () => undefined] as unknown as SyncHash[]) {
    assertCode(() => emptyRoot(bad), 'MERKLE_HASH_INVALID');
    assertCode(() => nodeHash(bad, LEAVES[0]!, LEAVES[1]!), 'MERKLE_HASH_INVALID');
    const tree = new MerkleTree(bad);
    tree.append(LEAVES[0]!);
    assertCode(() => tree.append(LEAVES[1]!), 'MERKLE_HASH_INVALID');
  }
});

// ---------------------------------------------------------------------------
// Verification: preconditions, typed failures

test('verifiers check indices, sizes, hash lengths and proof lengths before hashing anything', () => {
  const { hash, calls } = counting();
  const proof = TREE.inclusionProof(5, 10);
  const leaf = LEAVES[5]!;
  const root = ROOTS[10]!;
  const short = new Uint8Array(31);
  const cases: Array<[MerkleErrorCode, () => void]> = [
    ['MERKLE_ARGUMENT_INVALID', () => verifyInclusion(hash, 10, 10, leaf, proof, root)],
    ['MERKLE_ARGUMENT_INVALID', () => verifyInclusion(hash, 5, 0, leaf, proof, root)],
    ['MERKLE_HASH_INVALID', () => verifyInclusion(hash, 5, 10, short, proof, root)],
    ['MERKLE_HASH_INVALID', () => verifyInclusion(hash, 5, 10, leaf, proof, short)],
    ['MERKLE_PROOF_LENGTH', () => verifyInclusion(hash, 5, 10, leaf, proof.slice(1), root)],
    ['MERKLE_PROOF_LENGTH', () => verifyInclusion(hash, 5, 10, leaf, [...proof, leaf], root)],
    ['MERKLE_HASH_INVALID', () => verifyInclusion(hash, 5, 10, leaf, [short, ...proof.slice(1)], root)],
    ['MERKLE_ARGUMENT_INVALID', () => verifyConsistency(hash, 0, 10, [], ROOTS[0]!, root)],
    ['MERKLE_ARGUMENT_INVALID', () => verifyConsistency(hash, 11, 10, [], ROOTS[3]!, root)],
    ['MERKLE_HASH_INVALID', () => verifyConsistency(hash, 3, 10, TREE.consistencyProof(3, 10), short, root)],
    ['MERKLE_PROOF_LENGTH', () => verifyConsistency(hash, 3, 10, [], ROOTS[3]!, root)],
    ['MERKLE_PROOF_LENGTH', () => verifyConsistency(hash, 10, 10, [root], root, root)],
  ];
  for (const [code, fn] of cases) assertCode(fn, code);
  assert.equal(calls(), 0);
});

test('a recomputed root that differs throws MERKLE_ROOT_MISMATCH, naming the root for consistency', () => {
  assertCode(() => verifyInclusion(nodeSha256, 5, 10, LEAVES[6]!, TREE.inclusionProof(5, 10), ROOTS[10]!), 'MERKLE_ROOT_MISMATCH');
  assertCode(() => verifyInclusion(nodeSha256, 5, 10, LEAVES[5]!, TREE.inclusionProof(5, 10), ROOTS[9]!), 'MERKLE_ROOT_MISMATCH');
  const proof = TREE.consistencyProof(3, 10);
  assert.throws(() => verifyConsistency(nodeSha256, 3, 10, proof, ROOTS[4]!, ROOTS[10]!), (e: unknown) => isMerkleError(e, 'MERKLE_ROOT_MISMATCH') && e.details['root'] === 'root1');
  assert.throws(() => verifyConsistency(nodeSha256, 3, 10, proof, ROOTS[3]!, ROOTS[9]!), (e: unknown) => isMerkleError(e, 'MERKLE_ROOT_MISMATCH') && e.details['root'] === 'root2');
  // Equal sizes: no proof, and the two roots must be the same bytes.
  verifyConsistency(nodeSha256, 7, 7, [], ROOTS[7]!, ROOTS[7]!);
  assertCode(() => verifyConsistency(nodeSha256, 7, 7, [], ROOTS[7]!, ROOTS[8]!), 'MERKLE_ROOT_MISMATCH');
  // The boolean wrappers say the same thing.
  assert.equal(isInclusionValid(nodeSha256, 5, 10, LEAVES[5]!, TREE.inclusionProof(5, 10), ROOTS[10]!), true);
  assert.equal(isInclusionValid(nodeSha256, 5, 10, LEAVES[6]!, TREE.inclusionProof(5, 10), ROOTS[10]!), false);
  assert.equal(isConsistencyValid(nodeSha256, 3, 10, proof, ROOTS[3]!, ROOTS[10]!), true);
  assert.equal(isConsistencyValid(nodeSha256, 3, 10, proof, ROOTS[3]!, ROOTS[9]!), false);
});

test('the boolean wrappers rethrow errors that are not Merkle errors (a failing hash function)', () => {
  const broken: SyncHash = () => {
    throw new Error('hash unavailable');
  };
  assert.throws(() => isInclusionValid(broken, 5, 10, LEAVES[5]!, TREE.inclusionProof(5, 10), ROOTS[10]!), /hash unavailable/);
  assert.throws(() => isConsistencyValid(broken, 3, 10, TREE.consistencyProof(3, 10), ROOTS[3]!, ROOTS[10]!), /hash unavailable/);
});

test('RFC 9162 does not bind the tree size to the root: a proof for leaf 0 of size 5 also verifies as size 6', () => {
  // Callers must take the size from a signed tree head (a block header), never from a request.
  const proof = TREE.inclusionProof(0, 5);
  verifyInclusion(nodeSha256, 0, 6, LEAVES[0]!, proof, ROOTS[5]!);
  assert.ok(REF.verifyInclusion(0, 6, LEAVES[0]!, proof, ROOTS[5]!), 'the RFC text accepts it too');
});

const SIZE = fc.integer({ min: 1, max: MAX });
const inclusionClaim = SIZE.chain((size) => fc.record({ size: fc.constant(size), index: fc.nat({ max: size - 1 }) }));
const consistencyClaim = SIZE.chain((size2) => fc.record({ size2: fc.constant(size2), size1: fc.integer({ min: 1, max: size2 }) }));

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'drop'; at: number }
  | { kind: 'add'; at: number; hash: Uint8Array }
  | { kind: 'index'; value: number }
  | { kind: 'size'; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 8 * HASH_SIZE - 1 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), hash: fc.uint8Array({ minLength: HASH_SIZE, maxLength: HASH_SIZE }) }),
  fc.record({ kind: fc.constant('index' as const), value: fc.oneof(fc.nat({ max: 2 * MAX }), fc.constant(Number.MAX_SAFE_INTEGER)) }),
  fc.record({ kind: fc.constant('size' as const), value: fc.oneof(fc.nat({ max: 2 * MAX }), fc.constant(Number.MAX_SAFE_INTEGER)) }),
);

/** Applies a proof mutation; undefined when it cannot apply (flipping a bit of an empty proof). */
function mutateProof(proof: readonly Uint8Array[], m: Mutation): Uint8Array[] | undefined {
  const copy: Uint8Array[] = proof.map((p) => new Uint8Array(p));
  if (m.kind === 'flip') {
    if (copy.length === 0) return undefined;
    copy[m.at % copy.length]![m.bit >> 3]! ^= 1 << (m.bit & 7);
  } else if (m.kind === 'drop') {
    if (copy.length === 0) return undefined;
    copy.splice(m.at % copy.length, 1);
  } else if (m.kind === 'add') {
    copy.splice(m.at % (copy.length + 1), 0, m.hash);
  }
  return copy;
}

test('any altered inclusion proof fails with a typed error; a changed size fails exactly when the RFC text says so', () => {
  fc.assert(
    fc.property(inclusionClaim, mutation, ({ size, index }, m) => {
      const proof = mutateProof(TREE.inclusionProof(index, size), m);
      fc.pre(proof !== undefined && !(m.kind === 'index' && m.value === index) && !(m.kind === 'size' && m.value === size));
      const i = m.kind === 'index' ? m.value : index;
      const n = m.kind === 'size' ? m.value : size;
      const code = outcome(() => verifyInclusion(nodeSha256, i, n, LEAVES[index]!, proof!, ROOTS[size]!));
      const expected: Record<Mutation['kind'], readonly (MerkleErrorCode | null)[]> = {
        flip: ['MERKLE_ROOT_MISMATCH'],
        drop: ['MERKLE_PROOF_LENGTH'],
        add: ['MERKLE_PROOF_LENGTH'],
        index: ['MERKLE_ARGUMENT_INVALID', 'MERKLE_PROOF_LENGTH', 'MERKLE_ROOT_MISMATCH'],
        // See the size-binding test above: the RFC lets some other sizes through.
        size: ['MERKLE_ARGUMENT_INVALID', 'MERKLE_PROOF_LENGTH', 'MERKLE_ROOT_MISMATCH', null],
      };
      assert.ok(expected[m.kind].includes(code), `${m.kind} gave ${code}`);
      if (code !== 'MERKLE_ARGUMENT_INVALID') {
        assert.equal(code === null, REF.verifyInclusion(i, n, LEAVES[index]!, proof!, ROOTS[size]!), 'agrees with the RFC text');
      }
    }),
    { numRuns: 2000 },
  );
});

test('any altered consistency proof fails with a typed error; a changed size fails exactly when the RFC text says so', () => {
  fc.assert(
    fc.property(consistencyClaim, mutation, fc.boolean(), ({ size1, size2 }, m, changeFirst) => {
      const proof = mutateProof(TREE.consistencyProof(size1, size2), m);
      fc.pre(proof !== undefined && m.kind !== 'index');
      const s1 = m.kind === 'size' && changeFirst ? m.value : size1;
      const s2 = m.kind === 'size' && !changeFirst ? m.value : size2;
      fc.pre(m.kind !== 'size' || s1 !== size1 || s2 !== size2);
      const code = outcome(() => verifyConsistency(nodeSha256, s1, s2, proof!, ROOTS[size1]!, ROOTS[size2]!));
      const expected: Record<Mutation['kind'], readonly (MerkleErrorCode | null)[]> = {
        flip: ['MERKLE_ROOT_MISMATCH'],
        drop: ['MERKLE_PROOF_LENGTH'],
        add: ['MERKLE_PROOF_LENGTH'],
        index: [],
        size: ['MERKLE_ARGUMENT_INVALID', 'MERKLE_PROOF_LENGTH', 'MERKLE_ROOT_MISMATCH', null],
      };
      assert.ok(expected[m.kind].includes(code), `${m.kind} gave ${code}`);
      if (code !== 'MERKLE_ARGUMENT_INVALID' && s1 < s2) {
        assert.equal(code === null, REF.verifyConsistency(s1, s2, proof!, ROOTS[size1]!, ROOTS[size2]!), 'agrees with the RFC text');
      }
    }),
    { numRuns: 2000 },
  );
});

test('random claims verify exactly when the RFC text verifies them', () => {
  // Random leaves, sizes and roots drawn from the real ones: mostly wrong, sometimes right by construction.
  const hashFrom = fc.oneof(fc.nat({ max: MAX }).map((n) => ROOTS[n]!), fc.nat({ max: MAX - 1 }).map((i) => LEAVES[i]!));
  fc.assert(
    fc.property(inclusionClaim, fc.nat({ max: MAX - 1 }), hashFrom, (claim, leafIndex, root) => {
      const proof = TREE.inclusionProof(claim.index, claim.size);
      const ok = isInclusionValid(nodeSha256, claim.index, claim.size, LEAVES[leafIndex]!, proof, root);
      assert.equal(ok, REF.verifyInclusion(claim.index, claim.size, LEAVES[leafIndex]!, proof, root));
    }),
    { numRuns: 1000 },
  );
});

// ---------------------------------------------------------------------------
// Hostile inputs (STYLE §11): one list, every public function, every argument.

const HOSTILE: readonly unknown[] = [
  undefined,
  null,
  NaN,
  Infinity,
  -Infinity,
  -1,
  0.5,
  2 ** 53,
  Number.MAX_VALUE,
  '1',
  '00'.repeat(32),
  1n,
  true,
  Symbol('x'),
  {},
  [],
  [new Uint8Array(32)],
  { length: 32 },
  { get: () => new Uint8Array(32), set: () => {} },
  new Uint8Array(0),
  new Uint8Array(31),
  new Uint8Array(33),
  new Uint16Array(16),
  new ArrayBuffer(32),
  new DataView(new ArrayBuffer(32)),
  new Array(1e6),
  () => new Uint8Array(32),
];

type Kind = 'hash' | 'count' | 'count?' | 'hash32' | 'bytes' | 'proof' | 'hashes' | 'options';

/** Values a parameter of that kind may legitimately accept (the call may then succeed). */
function acceptable(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'hash':
      return typeof value === 'function';
    case 'bytes':
      return value instanceof Uint8Array;
    case 'count?':
      return value === undefined;
    case 'proof':
    case 'hashes':
    case 'options':
      return typeof value === 'object' || value === undefined;
    default:
      return false;
  }
}

test('one list of hostile inputs, in every argument of every public function, gives a typed Merkle error or a valid answer', () => {
  const leaf = LEAVES[5]!;
  const proof = TREE.inclusionProof(5, 10);
  const cproof = TREE.consistencyProof(3, 10);
  const fresh = () => {
    const tree = new MerkleTree(nodeSha256);
    for (let i = 0; i < 10; i++) tree.append(LEAVES[i]!);
    return tree;
  };
  const calls: Array<[string, Kind[], unknown[], (...args: any[]) => unknown]> = [
    ['emptyRoot', ['hash'], [nodeSha256], emptyRoot],
    ['leafHash', ['hash', 'bytes'], [nodeSha256, new Uint8Array(3)], leafHash],
    ['nodeHash', ['hash', 'hash32', 'hash32'], [nodeSha256, leaf, leaf], nodeHash],
    ['rootOf', ['hash', 'hashes'], [nodeSha256, LEAVES.slice(0, 5)], rootOf],
    ['inclusionProofLength', ['count', 'count'], [5, 10], inclusionProofLength],
    ['consistencyProofLength', ['count', 'count'], [3, 10], consistencyProofLength],
    ['verifyInclusion', ['hash', 'count', 'count', 'hash32', 'proof', 'hash32'], [nodeSha256, 5, 10, leaf, proof, ROOTS[10]], verifyInclusion],
    ['rootFromInclusionProof', ['hash', 'count', 'count', 'hash32', 'proof'], [nodeSha256, 5, 10, leaf, proof], rootFromInclusionProof],
    ['verifyConsistency', ['hash', 'count', 'count', 'proof', 'hash32', 'hash32'], [nodeSha256, 3, 10, cproof, ROOTS[3], ROOTS[10]], verifyConsistency],
    ['new MerkleTree', ['hash', 'options'], [nodeSha256, {}], (...a: [SyncHash, object]) => new MerkleTree(...a)],
    ['MerkleTree.append', ['hash32'], [leaf], (x) => fresh().append(x)],
    ['MerkleTree.appendLeafInput', ['bytes'], [new Uint8Array(2)], (x) => fresh().appendLeafInput(x)],
    ['MerkleTree.leafHashAt', ['count'], [3], (x) => TREE.leafHashAt(x)],
    ['MerkleTree.rootAt', ['count'], [3], (x) => TREE.rootAt(x)],
    ['MerkleTree.inclusionProof', ['count', 'count?'], [5, 10], (i, n) => TREE.inclusionProof(i, n)],
    ['MerkleTree.consistencyProof', ['count', 'count?'], [3, 10], (a, b) => TREE.consistencyProof(a, b)],
    ['MemoryNodeStore.get', ['count', 'count'], [0, 0], (l, i) => new MemoryNodeStore().get(l, i)],
    ['MemoryNodeStore.set', ['count', 'count', 'hash32'], [0, 0, leaf], (l, i, h) => new MemoryNodeStore().set(l, i, h)],
  ];
  let tried = 0;
  for (const [name, kinds, good, fn] of calls) {
    assert.doesNotThrow(() => fn(...good), `${name} with good arguments`);
    for (let position = 0; position < kinds.length; position++) {
      for (const value of HOSTILE) {
        const args = [...good];
        args[position] = value;
        const label = `${name} argument ${position} = ${describe(value)}`;
        let code: MerkleErrorCode | null;
        try {
          code = outcome(() => fn(...args));
        } catch (err) {
          assert.fail(`${label} threw ${String(err)} instead of a Merkle error`);
        }
        if (!acceptable(kinds[position]!, value)) assert.notEqual(code, null, `${label} was accepted`);
        tried++;
      }
    }
  }
  // The boolean wrappers answer false, never throw, for the same inputs.
  for (let position = 0; position < 6; position++) {
    for (const value of HOSTILE) {
      const i: unknown[] = [nodeSha256, 5, 10, leaf, proof, ROOTS[10]];
      const c: unknown[] = [nodeSha256, 3, 10, cproof, ROOTS[3], ROOTS[10]];
      i[position] = value;
      c[position] = value;
      assert.equal((isInclusionValid as (...a: unknown[]) => boolean)(...i), false, `isInclusionValid argument ${position} = ${describe(value)}`);
      assert.equal((isConsistencyValid as (...a: unknown[]) => boolean)(...c), false, `isConsistencyValid argument ${position} = ${describe(value)}`);
      tried += 2;
    }
  }
  assert.ok(tried > 1000);
});

function describe(value: unknown): string {
  if (typeof value === 'symbol' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.constructor.name;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'function') return 'function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

test('huge sizes are answered at once, without hashing or long loops', () => {
  const { hash, calls } = counting();
  const max = Number.MAX_SAFE_INTEGER;
  assert.equal(inclusionProofLength(0, max), 53);
  assert.equal(inclusionProofLength(max - 1, max), 52, 'the last leaf of 53 perfect subtrees needs the other 52');
  assert.ok(consistencyProofLength(1, max) > 0);
  assertCode(() => verifyInclusion(hash, 0, max, LEAVES[0]!, [], ROOTS[1]!), 'MERKLE_PROOF_LENGTH');
  assertCode(() => verifyConsistency(hash, 3, max, [], ROOTS[3]!, ROOTS[1]!), 'MERKLE_PROOF_LENGTH');
  assertCode(() => TREE.rootAt(max), 'MERKLE_ARGUMENT_INVALID');
  assertCode(() => TREE.inclusionProof(0, max), 'MERKLE_ARGUMENT_INVALID');
  assert.equal(calls(), 0);
});

test('every error code is declared once with a message', () => {
  const codes = Object.keys(MERKLE_ERRORS.registry);
  assert.deepEqual(codes.sort(), [
    'MERKLE_ARGUMENT_INVALID',
    'MERKLE_HASH_INVALID',
    'MERKLE_NODE_MISSING',
    'MERKLE_PROOF_LENGTH',
    'MERKLE_ROOT_MISMATCH',
  ]);
  for (const code of codes) {
    const err = MERKLE_ERRORS.make(code as MerkleErrorCode, { index: 1 });
    assert.ok(isDhlError(err, code) && isMerkleError(err, code as MerkleErrorCode));
    assert.ok(err.message.length > 10);
  }
  assert.equal(isMerkleError(new Error('x')), false);
});
