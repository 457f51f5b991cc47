/**
 * Published RFC 6962 / RFC 9162 data (transparency-dev/merkle, commit 417fb0c,
 * Apache-2.0) against the Merkle module: first our own copy in
 * test/vectors/merkle/rfc6962.json, then, when this machine has it, the
 * published folder itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type { SyncHash } from '../../src/crypto/hash.ts';
import { fromHex, toHex } from '../../src/crypto/bytes.ts';
import {
  MerkleTree,
  isConsistencyValid,
  isInclusionValid,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.ts';
import { isMerkleError, type MerkleErrorCode } from '../../src/ledger/merkle-errors.ts';
import { NaiveMerkle } from './merkle-reference.ts';
import {
  DEFAULT_SOURCE,
  VECTOR_FILE,
  buildVectors,
  readPublished,
  type ConsistencyCase,
  type Count,
  type InclusionCase,
  type MerkleVectors,
} from '../vectors/merkle/generate.ts';

const nodeSha256: SyncHash = (data) => createHash('sha256').update(data).digest();
const HASHES: ReadonlyArray<readonly [string, SyncHash]> = [
  ['node:crypto', nodeSha256],
  ['@noble/hashes', nobleSha256],
];

const vectors = JSON.parse(readFileSync(VECTOR_FILE, 'utf8')) as MerkleVectors;

/** Published hex kept whatever its length; the verifier judges it. */
const bytes = (hex: string): Uint8Array => fromHex(hex, 'vector hash');
/** A count beyond 2^53 is kept as a string; as a number it is no longer a safe integer. */
const count = (value: Count): number => Number(value);

function outcome(fn: () => void): MerkleErrorCode | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (isMerkleError(err)) return err.code;
    throw err;
  }
}

function runInclusion(hash: SyncHash, c: InclusionCase): MerkleErrorCode | null {
  return outcome(() => verifyInclusion(hash, count(c.index), count(c.size), bytes(c.leafHash), c.proof.map(bytes), bytes(c.root)));
}

function runConsistency(hash: SyncHash, c: ConsistencyCase): MerkleErrorCode | null {
  return outcome(() => verifyConsistency(hash, count(c.size1), count(c.size2), c.proof.map(bytes), bytes(c.root1), bytes(c.root2)));
}

test('the vector file names its source and holds every published case', () => {
  assert.equal(vectors.source.repository, 'https://github.com/transparency-dev/merkle');
  assert.equal(vectors.source.commit, '417fb0c');
  assert.equal(vectors.source.license, 'Apache-2.0');
  assert.equal(vectors.inclusion.length, 98);
  assert.equal(vectors.consistency.length, 98);
  assert.equal(vectors.referenceTree.leafInputs.length, 8);
  assert.equal(vectors.referenceTree.roots.length, 9);
  // Mutated cases are most of the file, and every error code is exercised.
  const codes = new Set([...vectors.inclusion, ...vectors.consistency].map((c) => c.wantCode));
  for (const code of ['MERKLE_ARGUMENT_INVALID', 'MERKLE_PROOF_LENGTH', 'MERKLE_ROOT_MISMATCH', 'MERKLE_HASH_INVALID', null]) {
    assert.ok(codes.has(code as MerkleErrorCode | null), `some case expects ${code}`);
  }
});

test('the published reference tree: leaf hashing and the root of every prefix (sizes 0-8) match, with both hash functions', () => {
  const inputs = vectors.referenceTree.leafInputs.map(bytes);
  for (const [name, hash] of HASHES) {
    const tree = new MerkleTree(hash);
    const ref = new NaiveMerkle(hash);
    vectors.referenceTree.roots.forEach((root, n) => {
      if (n > 0) tree.appendLeafInput(inputs[n - 1]!);
      assert.equal(toHex(tree.root()), root, `${name}: tree root at ${n}`);
      assert.equal(toHex(rootOf(hash, inputs.slice(0, n).map((d) => leafHash(hash, d)))), root, `${name}: rootOf ${n}`);
      assert.equal(toHex(ref.MTH(inputs.slice(0, n))), root, `${name}: reference MTH ${n}`);
    });
    for (let n = 0; n < 9; n++) assert.equal(toHex(tree.rootAt(n)), vectors.referenceTree.roots[n]);
  }
});

test('every published inclusion case gives its expected outcome (valid or the expected error code), with both hash functions', () => {
  for (const [name, hash] of HASHES) {
    for (const c of vectors.inclusion) {
      assert.equal(runInclusion(hash, c), c.wantCode, `${name}: inclusion/${c.name} (${c.desc})`);
      const ok = isInclusionValid(hash, count(c.index), count(c.size), bytes(c.leafHash), c.proof.map(bytes), bytes(c.root));
      assert.equal(ok, c.wantCode === null, `${name}: isInclusionValid inclusion/${c.name}`);
    }
  }
});

test('every published consistency case gives its expected outcome (valid or the expected error code), with both hash functions', () => {
  for (const [name, hash] of HASHES) {
    for (const c of vectors.consistency) {
      assert.equal(runConsistency(hash, c), c.wantCode, `${name}: consistency/${c.name} (${c.desc})`);
      const ok = isConsistencyValid(hash, count(c.size1), count(c.size2), c.proof.map(bytes), bytes(c.root1), bytes(c.root2));
      assert.equal(ok, c.wantCode === null, `${name}: isConsistencyValid consistency/${c.name}`);
    }
  }
});

test('our tree builds the very proofs published for the reference tree', () => {
  const tree = new MerkleTree(nodeSha256);
  for (const input of vectors.referenceTree.leafInputs) tree.appendLeafInput(bytes(input));
  const roots = vectors.referenceTree.roots;
  let compared = 0;
  for (const c of vectors.inclusion) {
    if (c.wantCode !== null || roots[count(c.size)] !== c.root) continue;
    assert.deepEqual(tree.inclusionProof(count(c.index), count(c.size)).map(toHex), c.proof, `inclusion/${c.name}`);
    compared++;
  }
  for (const c of vectors.consistency) {
    if (c.wantCode !== null || roots[count(c.size1)] !== c.root1 || roots[count(c.size2)] !== c.root2) continue;
    assert.deepEqual(tree.consistencyProof(count(c.size1), count(c.size2)).map(toHex), c.proof, `consistency/${c.name}`);
    compared++;
  }
  assert.ok(compared >= 10, `compared ${compared} published proofs`);
});

test('where our answer differs from the published wantErr, the case says why, and it is only about hash length', () => {
  const differing = [...vectors.inclusion, ...vectors.consistency].filter((c) => (c.wantCode !== null) !== c.upstreamWantErr);
  assert.deepEqual(
    differing.map((c) => c.name),
    ['additional/sizes-are-equal-one-and-proof-is-empty'],
  );
  for (const c of differing) {
    assert.equal(c.wantCode, 'MERKLE_HASH_INVALID');
    assert.match(c.note ?? '', /length/);
  }
});

// ---------------------------------------------------------------------------
// The published folder itself, when this machine has it (CI does).

function sharedOrSkip(t: { diagnostic(message: string): void; skip(message?: string): void }): string | undefined {
  if (existsSync(DEFAULT_SOURCE)) return DEFAULT_SOURCE;
  const message = `${DEFAULT_SOURCE} is absent on this machine: only our copy in test/vectors/merkle/rfc6962.json was checked`;
  t.diagnostic(message);
  t.skip(message);
  return undefined;
}

test('the vector file is exactly what the generator takes from ../shared/testdata/rfc6962, when present', (t) => {
  const dir = sharedOrSkip(t);
  if (dir === undefined) return;
  assert.deepEqual(buildVectors(dir), vectors, 'test/vectors/merkle/rfc6962.json is out of date: run npx tsx test/vectors/merkle/generate.ts');
});

test('every file in ../shared/testdata/rfc6962, read directly, gives its published outcome, when present', (t) => {
  const dir = sharedOrSkip(t);
  if (dir === undefined) return;
  const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
  // The one difference our vector file explains (roots must be 32 bytes here).
  const explained = new Map<string, InclusionCase | ConsistencyCase>();
  for (const c of vectors.inclusion) if (c.note !== undefined) explained.set(`inclusion/${c.name}`, c);
  for (const c of vectors.consistency) if (c.note !== undefined) explained.set(`consistency/${c.name}`, c);
  let walked = 0;
  for (const kind of ['inclusion', 'consistency'] as const) {
    const files = listJson(path.join(dir, kind));
    const ours = (kind === 'inclusion' ? vectors.inclusion : vectors.consistency).map((c) => `${c.name}.json`);
    assert.deepEqual([...files].sort(), [...ours].sort(), `${kind}: our copy holds exactly the published files`);
    for (const file of files) {
      const p: Record<string, unknown> = readPublished(path.join(dir, kind, file));
      const proof = ((p['proof'] as string[] | null) ?? []).map(b64);
      const code =
        kind === 'inclusion'
          ? outcome(() =>
              verifyInclusion(nodeSha256, Number(p['leafIdx']), Number(p['treeSize']), b64(p['leafHash'] as string), proof, b64(p['root'] as string)),
            )
          : outcome(() =>
              verifyConsistency(nodeSha256, Number(p['size1']), Number(p['size2']), proof, b64(p['root1'] as string), b64(p['root2'] as string)),
            );
      const name = `${kind}/${file.replace(/\.json$/, '')}`;
      const known = explained.get(name);
      if (known) assert.equal(code, known.wantCode, `${name}: ${known.note}`);
      else assert.equal(code !== null, p['wantErr'], `${name} (${String(p['desc'])}): got ${code ?? 'valid'}`);
      walked++;
    }
  }
  t.diagnostic(`walked ${walked} published proof files in ${dir}`);
});

function listJson(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.split(path.sep).join('/'));
}
