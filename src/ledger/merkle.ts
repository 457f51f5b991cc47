/**
 * The RFC 9162 (Certificate Transparency v2) Merkle tree of the ledger's log
 * (DESIGN §5, §13): an append-only tree with inclusion and consistency proofs.
 *
 * Pure: hashing is passed in as a synchronous function (DESIGN §3) and nodes live
 * behind `MerkleNodeStore`, so the node can persist them and the browser can
 * verify with the same code.
 *
 * Trees of any size are addressed by "aligned" nodes: node (level, index) is the
 * root of the perfect subtree over leaves [index·2^level, (index+1)·2^level).
 * The RFC's split at k = the largest power of two < n yields exactly these nodes,
 * except on the right edge, where a node whose right half is empty is its left
 * child "promoted" unchanged, and a node whose right half is partly filled is
 * "ephemeral": it changes as leaves arrive, so it is recomputed, never stored.
 *
 * Sizes and indices are safe integers (< 2^53) and all bit arithmetic is done
 * with division by powers of two, which is exact for doubles: JavaScript's
 * bitwise operators would cut them to 32 bits.
 */
import type { SyncHash } from '../crypto/hash.ts';
import { equalBytes } from '../crypto/bytes.ts';
import { isMerkleError, merkleError } from './merkle-errors.ts';

/** Every hash in the tree is a SHA-256 output. */
export const HASH_SIZE = 32;

/** A tree of at most 2^53 − 1 leaves has stored nodes at levels 0 to 52. */
const MAX_LEVEL = 52;
const POW2: readonly number[] = Array.from({ length: MAX_LEVEL + 1 }, (_, i) => 2 ** i);

/**
 * Where a tree keeps the hashes of its complete subtrees (leaves are level 0).
 * Implementations copy bytes in and out (STYLE §2): callers never share a
 * reference with stored state. Synchronous, like SQLite.
 */
export interface MerkleNodeStore {
  /** The stored hash of node (level, index), or undefined if it was never set. */
  get(level: number, index: number): Uint8Array | undefined;
  /** Stores the hash of the complete node (level, index). */
  set(level: number, index: number, hash: Uint8Array): void;
}

// ---------------------------------------------------------------------------
// Boundary checks (STYLE §7): each names its argument.

function checkHashFunction(hash: unknown): asserts hash is SyncHash {
  if (typeof hash !== 'function') {
    throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'hash', expected: 'function' });
  }
}

/** Sizes, indices and levels: non-negative safe integers. */
function checkCount(value: unknown, argument: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw merkleError('MERKLE_ARGUMENT_INVALID', { argument, expected: 'non-negative safe integer' });
  }
}

function checkHash(value: unknown, argument: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    throw merkleError('MERKLE_HASH_INVALID', { argument });
  }
}

function checkBytes(value: unknown, argument: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw merkleError('MERKLE_ARGUMENT_INVALID', { argument, expected: 'Uint8Array' });
  }
}

/** A proof's shape: an array of exactly `expected` 32-byte hashes; length first, as it costs nothing. */
function checkProof(proof: unknown, expected: number): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) {
    throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'proof', expected: 'array of hashes' });
  }
  if (proof.length !== expected) {
    throw merkleError('MERKLE_PROOF_LENGTH', { length: proof.length, expected });
  }
  for (let i = 0; i < proof.length; i++) checkHash(proof[i], `proof[${i}]`);
}

// ---------------------------------------------------------------------------
// Hashing (RFC 9162 §2.1.1).

/**
 * One reusable input buffer for node hashes: appending a million leaves then
 * allocates nothing but the hash outputs. Safe because hashing is synchronous
 * and the buffer is fully rewritten before each call.
 */
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = 0x01;

/** Right-edge proof nodes a tree remembers: a tree size's edge has at most 64, and a few sizes are asked for at once. */
const EDGE_NODES_KEPT = 256;

/**
 * A copy the caller may keep or change. Not `.slice()`: on a Node Buffer (what
 * node:crypto returns) that is a view onto the same memory.
 */
function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function checkedOutput(out: unknown): Uint8Array {
  // A hash function returning the wrong thing would otherwise poison every root after it.
  checkHash(out, 'hash output');
  return out;
}

/** HASH(0x01 || left || right), arguments already checked. */
function hashChildren(hash: SyncHash, left: Uint8Array, right: Uint8Array): Uint8Array {
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return checkedOutput(hash(NODE_INPUT));
}

/** MTH({}) = HASH(): the root of the empty tree. */
export function emptyRoot(hash: SyncHash): Uint8Array {
  checkHashFunction(hash);
  return checkedOutput(hash(new Uint8Array(0)));
}

/** MTH({d}) = HASH(0x00 || d): the leaf hash of one leaf input. */
export function leafHash(hash: SyncHash, input: Uint8Array): Uint8Array {
  checkHashFunction(hash);
  checkBytes(input, 'input');
  const data = new Uint8Array(1 + input.length);
  data.set(input, 1);
  return checkedOutput(hash(data));
}

/** HASH(0x01 || left || right): the hash of an interior node. */
export function nodeHash(hash: SyncHash, left: Uint8Array, right: Uint8Array): Uint8Array {
  checkHashFunction(hash);
  checkHash(left, 'left');
  checkHash(right, 'right');
  return hashChildren(hash, left, right);
}

/**
 * MTH over a list of leaf hashes (a block's `entriesRoot`, a record's
 * `cipherRoot`). Pairs neighbours level by level and carries an odd last node up
 * unchanged, which is the RFC's recursion evaluated bottom-up.
 */
export function rootOf(hash: SyncHash, leafHashes: readonly Uint8Array[]): Uint8Array {
  checkHashFunction(hash);
  if (!Array.isArray(leafHashes)) {
    throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'leafHashes', expected: 'array of hashes' });
  }
  for (let i = 0; i < leafHashes.length; i++) checkHash(leafHashes[i], `leafHashes[${i}]`);
  if (leafHashes.length === 0) return emptyRoot(hash);
  let level: Uint8Array[] = leafHashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(hash, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  // A one-leaf tree's root is the caller's own array: copy so it is not shared.
  return leafHashes.length === 1 ? copyOf(level[0]!) : level[0]!;
}

// ---------------------------------------------------------------------------
// Proof shapes, shared by the tree (which builds proofs) and the verifiers (which
// check lengths before hashing).

/** Trailing zero bits of n > 0 (0 for 0, rather than looping forever). */
function trailingZeros(n: number): number {
  let t = 0;
  while (n > 0 && n % 2 === 0) {
    n /= 2;
    t++;
  }
  return t;
}

/**
 * How many siblings lie on the path from node (level, index) to the root of a
 * tree of `size` leaves. At a level where the sibling would start at or after
 * `size` the RFC promotes the node unchanged, so that level adds no hash.
 */
function pathLength(level: number, index: number, size: number): number {
  let count = 0;
  let node = index;
  let last = Math.floor((size - 1) / POW2[level]!); // the rightmost node at this level
  while (last > 0) {
    const sibling = node % 2 === 0 ? node + 1 : node - 1;
    if (sibling <= last) count++;
    node = Math.floor(node / 2);
    last = Math.floor(last / 2);
  }
  return count;
}

/** The number of hashes in PATH(index, D[size]) (RFC 9162 §2.1.3.1). Requires index < size. */
export function inclusionProofLength(index: number, size: number): number {
  checkCount(index, 'index');
  checkCount(size, 'size');
  if (index >= size) throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'index', index, size });
  return pathLength(0, index, size);
}

/**
 * The number of hashes in PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1): the last
 * perfect subtree of the old tree (unless the old tree is itself perfect, as the
 * verifier then already holds it as root1), then that subtree's path in the new
 * tree. Requires 0 < size1 <= size2; equal sizes need no proof.
 */
export function consistencyProofLength(size1: number, size2: number): number {
  checkConsistencySizes(size1, size2);
  if (size1 === size2) return 0;
  const level = trailingZeros(size1);
  const index = size1 / POW2[level]! - 1;
  return (index === 0 ? 0 : 1) + pathLength(level, index, size2);
}

function checkConsistencySizes(size1: unknown, size2: unknown): asserts size1 is number {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  if (size1 > size2) throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'size1', size1, size2 });
  // RFC 9162 §2.1.4 defines proofs for 0 < m only: every tree extends the empty
  // one, so such a "proof" would prove nothing (transparency-dev/merkle agrees).
  if (size1 === 0) throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'size1', size1, size2 });
}

// ---------------------------------------------------------------------------
// Verification (STYLE §8): check preconditions, recompute, compare.

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/**
 * RFC 9162 §2.1.3.2 steps 2–5 on checked arguments: the root that `proof` leads
 * to from `leaf` at `index` in a tree of `size` leaves.
 */
function chainInclusion(hash: SyncHash, index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  // §2.1.3.2 step 2.
  let fn = index;
  let sn = size - 1;
  // Step 3.
  let r = leaf;
  // Step 4.
  for (const p of proof) {
    // 4a. Unreachable once the length is checked; kept so the loop reads as the RFC's.
    if (sn === 0) throw merkleError('MERKLE_PROOF_LENGTH', { length: proof.length });
    // 4b.
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(hash, p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(hash, r, p);
    }
    // 4c.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5, first half: sn is 0 (also guaranteed by the length check).
  if (sn !== 0) throw merkleError('MERKLE_PROOF_LENGTH', { length: proof.length });
  return r === leaf ? copyOf(leaf) : r;
}

/**
 * The root an inclusion proof leads to, for callers that look the root up
 * afterwards. Throws MERKLE_ARGUMENT_INVALID, MERKLE_HASH_INVALID or
 * MERKLE_PROOF_LENGTH before hashing anything.
 */
export function rootFromInclusionProof(
  hash: SyncHash,
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkHashFunction(hash);
  // RFC 9162 §2.1.3.2 step 1: leaf_index < tree_size.
  const expected = inclusionProofLength(index, size);
  checkHash(leaf, 'leafHash');
  // §2.1.3.2 steps 4a and 5 fail a proof of the wrong length; say so before hashing.
  checkProof(proof, expected);
  return chainInclusion(hash, index, size, leaf, proof);
}

/**
 * Verifies that `leaf` is the leaf hash at `index` in the tree of `size` leaves
 * whose root is `root` (RFC 9162 §2.1.3.2). Returns nothing; throws
 * MERKLE_ARGUMENT_INVALID (index >= size, bad argument), MERKLE_HASH_INVALID,
 * MERKLE_PROOF_LENGTH, or MERKLE_ROOT_MISMATCH.
 */
export function verifyInclusion(
  hash: SyncHash,
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHashFunction(hash);
  // RFC 9162 §2.1.3.2 step 1: leaf_index < tree_size.
  const expected = inclusionProofLength(index, size);
  checkHash(leaf, 'leafHash');
  checkHash(root, 'root');
  // §2.1.3.2 steps 4a and 5 fail a proof of the wrong length; say so before hashing.
  checkProof(proof, expected);
  const computed = chainInclusion(hash, index, size, leaf, proof);
  // §2.1.3.2 step 5, second half: r equals root_hash.
  if (!equalBytes(computed, root)) throw merkleError('MERKLE_ROOT_MISMATCH', { index, size });
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree
 * of `size1` leaves with root `root1` (RFC 9162 §2.1.4.2). Requires
 * 0 < size1 <= size2; equal sizes need an empty proof and equal roots.
 * Throws MERKLE_ARGUMENT_INVALID, MERKLE_HASH_INVALID, MERKLE_PROOF_LENGTH, or
 * MERKLE_ROOT_MISMATCH (details name which root).
 */
export function verifyConsistency(
  hash: SyncHash,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkHashFunction(hash);
  // §2.1.4.2 preamble: 0 < first < second (first == second handled below).
  const expected = consistencyProofLength(size1, size2);
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  // §2.1.4.2 steps 1 (empty path), 6a and 7 (sn is 0) fail a proof of the
  // wrong length; say so before hashing.
  checkProof(proof, expected);
  if (size1 === size2) {
    // Outside the RFC, which needs first < second: the same tree twice.
    if (!equalBytes(root1, root2)) throw merkleError('MERKLE_ROOT_MISMATCH', { root: 'root2', size1, size2 });
    return;
  }
  // Step 2: if first is an exact power of 2, prepend first_hash.
  const path = size1 === POW2[trailingZeros(size1)] ? [root1, ...proof] : proof;
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4.
  while (isOdd(fn)) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    // 6a. Unreachable once the length is checked; kept so the loop reads as the RFC's.
    if (sn === 0) throw merkleError('MERKLE_PROOF_LENGTH', { length: proof.length, expected });
    // 6b.
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(hash, c, fr);
      sr = hashChildren(hash, c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(hash, sr, c);
    }
    // 6c.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  if (sn !== 0) throw merkleError('MERKLE_PROOF_LENGTH', { length: proof.length, expected });
  if (!equalBytes(fr, root1)) throw merkleError('MERKLE_ROOT_MISMATCH', { root: 'root1', size1, size2 });
  if (!equalBytes(sr, root2)) throw merkleError('MERKLE_ROOT_MISMATCH', { root: 'root2', size1, size2 });
}

/** `verifyInclusion` as a boolean: false for any Merkle error, other errors (a failing hash function) rethrown. */
export function isInclusionValid(...args: Parameters<typeof verifyInclusion>): boolean {
  return asBoolean(() => verifyInclusion(...args));
}

/** `verifyConsistency` as a boolean: false for any Merkle error, other errors rethrown. */
export function isConsistencyValid(...args: Parameters<typeof verifyConsistency>): boolean {
  return asBoolean(() => verifyConsistency(...args));
}

function asBoolean(verify: () => void): boolean {
  try {
    verify();
    return true;
  } catch (err) {
    if (isMerkleError(err)) return false;
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Node stores.

/** Nodes per chunk: big enough to keep object count low, small enough that growth never copies much. */
const CHUNK_NODES = 4096;

interface Chunk {
  readonly bytes: Uint8Array;
  readonly present: Uint8Array;
}

/**
 * An in-memory node store: per level, chunks of packed 32-byte hashes (two
 * million nodes of a million-leaf tree as a few hundred buffers rather than
 * two million small objects). Copies in and out.
 */
export class MemoryNodeStore implements MerkleNodeStore {
  readonly #levels: Array<Array<Chunk | undefined>> = [];

  get(level: number, index: number): Uint8Array | undefined {
    checkCount(level, 'level');
    checkCount(index, 'index');
    const chunk = this.#levels[level]?.[Math.floor(index / CHUNK_NODES)];
    const slot = index % CHUNK_NODES;
    if (chunk === undefined || chunk.present[slot] === 0) return undefined;
    return chunk.bytes.slice(slot * HASH_SIZE, (slot + 1) * HASH_SIZE);
  }

  set(level: number, index: number, hash: Uint8Array): void {
    checkCount(level, 'level');
    checkCount(index, 'index');
    checkHash(hash, 'hash');
    const chunks = (this.#levels[level] ??= []);
    const c = Math.floor(index / CHUNK_NODES);
    const chunk = (chunks[c] ??= {
      bytes: new Uint8Array(CHUNK_NODES * HASH_SIZE),
      present: new Uint8Array(CHUNK_NODES),
    });
    const slot = index % CHUNK_NODES;
    chunk.bytes.set(hash, slot * HASH_SIZE);
    chunk.present[slot] = 1;
  }
}

// ---------------------------------------------------------------------------
// The tree.

export interface MerkleTreeOptions {
  /** Where complete nodes are kept; a fresh `MemoryNodeStore` by default. */
  store?: MerkleNodeStore;
  /** The number of leaves `store` already holds (reopening a persisted tree); 0 by default. */
  size?: number;
}

/**
 * An append-only RFC 9162 tree. Each append stores the leaf and every node it
 * completes (one hash per append on average, at most log2 n), so no past node is
 * ever recomputed and proofs for any earlier size come from stored nodes plus at
 * most one ephemeral node. All returned hashes are fresh copies.
 */
export class MerkleTree {
  readonly #hash: SyncHash;
  readonly #store: MerkleNodeStore;
  #size = 0;
  /**
   * The right edge of the tree: `#frontier[l]` is the root of the perfect
   * subtree at level l that ends the tree, valid when bit l of the size is set.
   * Kept here so an append never reads the store.
   */
  readonly #frontier: Uint8Array[] = Array.from({ length: MAX_LEVEL + 1 }, () => new Uint8Array(HASH_SIZE));
  /** The node being carried up during an append. */
  readonly #carry = new Uint8Array(HASH_SIZE);
  /** The root at the current size, computed on first request after an append. */
  #root: Uint8Array | undefined;
  /**
   * Right-edge nodes of recent proofs by leaf range "start:end": every proof
   * against one tree size needs the same few, each up to log2 n hashes to
   * recompute, and leaves never change, so neither does a range's root.
   * Bounded (cleared when full); copies go out.
   */
  readonly #edgeNodes = new Map<string, Uint8Array>();

  constructor(hash: SyncHash, options: MerkleTreeOptions = {}) {
    checkHashFunction(hash);
    if (typeof options !== 'object' || options === null) {
      throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'options', expected: 'object' });
    }
    const store = options.store ?? new MemoryNodeStore();
    if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function') {
      throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'store', expected: 'MerkleNodeStore' });
    }
    const size = options.size ?? 0;
    checkCount(size, 'size');
    this.#hash = hash;
    this.#store = store;
    // Rebuild the right edge from the store: one perfect subtree per set bit of size.
    for (let level = 0, n = size; n > 0; level++, n = Math.floor(n / 2)) {
      if (isOdd(n)) this.#frontier[level]!.set(this.#node(level, n - 1));
    }
    this.#size = size;
  }

  /** The number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash (HASH(0x00 || input)); returns its index. */
  append(leaf: Uint8Array): number {
    checkHash(leaf, 'leafHash');
    const index = this.#size;
    if (index === Number.MAX_SAFE_INTEGER) {
      throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'size', size: index });
    }
    this.#store.set(0, index, leaf);
    const carry = this.#carry;
    carry.set(leaf);
    // Binary increment: while the new node is a right child (bit `level` of the
    // old size set), it completes its parent with the frontier node to its left.
    let level = 0;
    let node = index;
    while (isOdd(node)) {
      carry.set(hashChildren(this.#hash, this.#frontier[level]!, carry));
      level++;
      node = (node - 1) / 2;
      this.#store.set(level, node, carry);
    }
    this.#frontier[level]!.set(carry);
    this.#size = index + 1;
    this.#root = undefined;
    return index;
  }

  /** Appends a leaf input, hashing it as a leaf; returns its index. */
  appendLeafInput(input: Uint8Array): number {
    return this.append(leafHash(this.#hash, input));
  }

  /** The stored leaf hash at `index`. */
  leafHashAt(index: number): Uint8Array {
    checkCount(index, 'index');
    if (index >= this.#size) throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'index', index, size: this.#size });
    return this.#node(0, index);
  }

  /** The root at the current size. */
  root(): Uint8Array {
    this.#root ??= this.#size === 0 ? emptyRoot(this.#hash) : this.#foldFrontier();
    return copyOf(this.#root);
  }

  /** The root the tree had at `size` leaves (0 <= size <= this.size). */
  rootAt(size: number): Uint8Array {
    checkCount(size, 'size');
    if (size > this.#size) throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'size', size, treeSize: this.#size });
    if (size === this.#size) return this.root();
    if (size === 0) return emptyRoot(this.#hash);
    return this.#rangeRoot(0, size);
  }

  /** PATH(index, D[size]) (RFC 9162 §2.1.3.1), lowest level first; `size` defaults to the current size. */
  inclusionProof(index: number, size: number = this.#size): Uint8Array[] {
    checkCount(size, 'size');
    if (size > this.#size) throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'size', size, treeSize: this.#size });
    inclusionProofLength(index, size); // checks index < size
    return this.#path(0, index, size, []);
  }

  /**
   * PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1); `size2` defaults to the current
   * size. Requires 0 < size1 <= size2; equal sizes give an empty proof.
   */
  consistencyProof(size1: number, size2: number = this.#size): Uint8Array[] {
    checkConsistencySizes(size1, size2);
    if (size2 > this.#size) throw merkleError('MERKLE_ARGUMENT_INVALID', { argument: 'size2', size2, treeSize: this.#size });
    if (size1 === size2) return [];
    // The old tree's last perfect subtree, then its path in the new tree.
    // SUBPROOF leaves that subtree out when it is the whole old tree, whose
    // root the verifier already has.
    const level = trailingZeros(size1);
    const index = size1 / POW2[level]! - 1;
    const proof = index === 0 ? [] : [this.#node(level, index)];
    return this.#path(level, index, size2, proof);
  }

  /** A stored node, which must exist: the store is the tree's memory of its past. */
  #node(level: number, index: number): Uint8Array {
    const hash = this.#store.get(level, index);
    if (hash === undefined) throw merkleError('MERKLE_NODE_MISSING', { level, index });
    checkHash(hash, 'stored node');
    return hash;
  }

  /** Folds the frontier, smallest (rightmost) subtree first: the current root. */
  #foldFrontier(): Uint8Array {
    let acc: Uint8Array | undefined;
    for (let level = 0, n = this.#size; n > 0; level++, n = Math.floor(n / 2)) {
      if (!isOdd(n)) continue;
      const node = this.#frontier[level]!;
      acc = acc === undefined ? copyOf(node) : hashChildren(this.#hash, node, acc);
    }
    return acc!;
  }

  /**
   * MTH of leaves [start, end), where start is a multiple of a power of two at
   * least end − start (true of every right-edge node and of [0, size)), so the
   * range splits into stored perfect subtrees by the bits of its length.
   * Folded right to left, as the RFC's recursion nests to the right.
   */
  #rangeRoot(start: number, end: number): Uint8Array {
    let acc: Uint8Array | undefined;
    let right = end;
    for (let level = 0, n = end - start; n > 0; level++, n = Math.floor(n / 2)) {
      if (!isOdd(n)) continue;
      right -= POW2[level]!;
      const node = this.#node(level, right / POW2[level]!);
      acc = acc === undefined ? node : hashChildren(this.#hash, node, acc);
    }
    return acc!;
  }

  /** #rangeRoot(start, end) for a right-edge node of a proof, remembered (see #edgeNodes). */
  #edgeNode(start: number, end: number): Uint8Array {
    const key = `${start}:${end}`;
    let node = this.#edgeNodes.get(key);
    if (node === undefined) {
      if (this.#edgeNodes.size >= EDGE_NODES_KEPT) this.#edgeNodes.clear();
      node = this.#rangeRoot(start, end);
      this.#edgeNodes.set(key, node);
    }
    return copyOf(node);
  }

  /**
   * Appends to `proof` the siblings on the path from node (level, index) to the
   * root of the tree of `size` leaves, lowest first. A sibling left of the
   * rightmost node is complete and stored; the rightmost one may be ephemeral and
   * is recomputed; one past the edge means this level is promoted and adds nothing.
   */
  #path(level: number, index: number, size: number, proof: Uint8Array[]): Uint8Array[] {
    let node = index;
    let last = Math.floor((size - 1) / POW2[level]!);
    for (let l = level; last > 0; l++) {
      const sibling = node % 2 === 0 ? node + 1 : node - 1;
      if (sibling < last) proof.push(this.#node(l, sibling));
      else if (sibling === last) proof.push(this.#edgeNode(sibling * POW2[l]!, size));
      node = Math.floor(node / 2);
      last = Math.floor(last / 2);
    }
    return proof;
  }
}
