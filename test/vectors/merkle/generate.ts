/**
 * Writes test/vectors/merkle/rfc6962.json from the RFC 6962 / RFC 9162 test data
 * published by transparency-dev/merkle (commit 417fb0c, Apache-2.0), kept outside
 * the project in ../shared/testdata/rfc6962 (STYLE §10).
 *
 *   npx tsx test/vectors/merkle/generate.ts [sourceDir]          write the file
 *   npx tsx test/vectors/merkle/generate.ts --check [sourceDir]  fail if it would change
 *
 * (`takeMerkleVectors` is the same for test/vectors/generate.ts.)
 *
 * Published values are converted to our format (hex hashes, a list of cases)
 * and each case gets the error code our verifiers must give. That code is
 * worked out here from the published data, the check order of
 * src/ledger/merkle.ts, and the naive RFC reference (for proof lengths and
 * the final recomputation), never from the implementation under test. Where
 * our answer differs from the published `wantErr`, the case says why; any
 * other difference stops the generator.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { NaiveMerkle } from '../../ledger/merkle-reference.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const DEFAULT_SOURCE = path.resolve(REPO_ROOT, '../shared/testdata/rfc6962');
export const VECTOR_FILE = path.resolve(import.meta.dirname, 'rfc6962.json');

/** A published index or size beyond 2^53 stays a decimal string: a number would round. */
export type Count = number | string;

export interface InclusionCase {
  name: string;
  desc: string;
  index: Count;
  size: Count;
  leafHash: string;
  proof: string[];
  root: string;
  upstreamWantErr: boolean;
  wantCode: string | null;
  note?: string;
}

export interface ConsistencyCase {
  name: string;
  desc: string;
  size1: Count;
  size2: Count;
  proof: string[];
  root1: string;
  root2: string;
  upstreamWantErr: boolean;
  wantCode: string | null;
  note?: string;
}

export interface MerkleVectors {
  description: string;
  source: { repository: string; commit: string; paths: string[]; license: string };
  generator: string;
  hashing: string;
  encoding: string;
  checkOrder: { inclusion: string[]; consistency: string[] };
  referenceTree: { leafInputs: string[]; roots: string[] };
  inclusion: InclusionCase[];
  consistency: ConsistencyCase[];
}

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const ref = new NaiveMerkle(sha256);

const HASH_INVALID_NOTE =
  'transparency-dev/merkle does not check the length of roots; every hash is 32 bytes here, so this fails with MERKLE_HASH_INVALID';

/** Published base64 (standard alphabet, padded) to hex, keeping values of any length. */
function hex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

function bytes(hexText: string): Uint8Array {
  return new Uint8Array(Buffer.from(hexText, 'hex'));
}

/** JSON.parse that keeps integers above 2^53 exact, as decimal strings (Node's reviver `context.source`). */
function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined ? context.source : value,
  );
}

function isCount(value: Count): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Stand-in leaves: proof lengths depend on the tree's shape only. */
function dummyLeaves(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array([i & 0xff, i >>> 8]));
}

const HASH_HEX_LENGTH = 64;

function inclusionCode(c: Omit<InclusionCase, 'wantCode' | 'upstreamWantErr'>): string | null {
  if (!isCount(c.index) || !isCount(c.size) || c.index >= c.size) return 'MERKLE_ARGUMENT_INVALID';
  if (c.leafHash.length !== HASH_HEX_LENGTH || c.root.length !== HASH_HEX_LENGTH) return 'MERKLE_HASH_INVALID';
  if (c.proof.length !== ref.PATH(c.index, dummyLeaves(c.size)).length) return 'MERKLE_PROOF_LENGTH';
  if (c.proof.some((p) => p.length !== HASH_HEX_LENGTH)) return 'MERKLE_HASH_INVALID';
  const ok = ref.verifyInclusion(c.index, c.size, bytes(c.leafHash), c.proof.map(bytes), bytes(c.root));
  return ok ? null : 'MERKLE_ROOT_MISMATCH';
}

function consistencyCode(c: Omit<ConsistencyCase, 'wantCode' | 'upstreamWantErr'>): string | null {
  if (!isCount(c.size1) || !isCount(c.size2) || c.size1 > c.size2 || c.size1 === 0) return 'MERKLE_ARGUMENT_INVALID';
  if (c.root1.length !== HASH_HEX_LENGTH || c.root2.length !== HASH_HEX_LENGTH) return 'MERKLE_HASH_INVALID';
  const expected = c.size1 === c.size2 ? 0 : ref.PROOF(c.size1, dummyLeaves(c.size2)).length;
  if (c.proof.length !== expected) return 'MERKLE_PROOF_LENGTH';
  if (c.proof.some((p) => p.length !== HASH_HEX_LENGTH)) return 'MERKLE_HASH_INVALID';
  if (c.size1 === c.size2) return c.root1 === c.root2 ? null : 'MERKLE_ROOT_MISMATCH';
  const ok = ref.verifyConsistency(c.size1, c.size2, c.proof.map(bytes), bytes(c.root1), bytes(c.root2));
  return ok ? null : 'MERKLE_ROOT_MISMATCH';
}

/** Our code against the published `wantErr`: the one known, explained difference, or stop. */
function settle<T extends { name: string; upstreamWantErr: boolean; wantCode: string | null; note?: string }>(c: T): T {
  if ((c.wantCode !== null) === c.upstreamWantErr) return c;
  if (c.wantCode === 'MERKLE_HASH_INVALID' && !c.upstreamWantErr) return { ...c, note: HASH_INVALID_NOTE };
  throw new Error(`${c.name}: published wantErr=${c.upstreamWantErr} but the reference says ${c.wantCode ?? 'valid'}`);
}

/** Every *.json under dir, as paths relative to it, sorted. */
function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

interface PublishedInclusion {
  leafIdx: Count;
  treeSize: Count;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface PublishedConsistency {
  size1: Count;
  size2: Count;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

/** Reads one published file; exported so the vector test can walk the same data. */
export function readPublished<T>(file: string): T {
  return parseJson(readFileSync(file, 'utf8')) as T;
}

export function buildVectors(sourceDir: string = DEFAULT_SOURCE): MerkleVectors {
  const tree = readPublished<{ leafInputsHex: string[]; rootBySizeHex: string[] }>(path.join(sourceDir, 'reference-tree.json'));

  const inclusion = jsonFiles(path.join(sourceDir, 'inclusion')).map((name) => {
    const p = readPublished<PublishedInclusion>(path.join(sourceDir, 'inclusion', name));
    const c = {
      name: name.replace(/\.json$/, ''),
      desc: p.desc,
      index: p.leafIdx,
      size: p.treeSize,
      leafHash: hex(p.leafHash),
      proof: (p.proof ?? []).map(hex),
      root: hex(p.root),
    };
    return settle<InclusionCase>({ ...c, upstreamWantErr: p.wantErr, wantCode: inclusionCode(c) });
  });

  const consistency = jsonFiles(path.join(sourceDir, 'consistency')).map((name) => {
    const p = readPublished<PublishedConsistency>(path.join(sourceDir, 'consistency', name));
    const c = {
      name: name.replace(/\.json$/, ''),
      desc: p.desc,
      size1: p.size1,
      size2: p.size2,
      proof: (p.proof ?? []).map(hex),
      root1: hex(p.root1),
      root2: hex(p.root2),
    };
    return settle<ConsistencyCase>({ ...c, upstreamWantErr: p.wantErr, wantCode: consistencyCode(c) });
  });

  return {
    description: 'RFC 6962 / RFC 9162 Merkle tree known answers, inclusion and consistency proofs, happy and mutated',
    source: {
      repository: 'https://github.com/transparency-dev/merkle',
      commit: '417fb0c',
      paths: ['testonly/constants.go', 'testdata/inclusion', 'testdata/consistency'],
      license: 'Apache-2.0',
    },
    generator: 'test/vectors/merkle/generate.ts',
    hashing: 'SHA-256; leaf hash = H(0x00 || input), node = H(0x01 || left || right), empty tree = H()',
    encoding:
      'hashes and leaf inputs in lowercase hex, converted from the published base64 and kept even when not 32 bytes; ' +
      'a published null proof is []; an index or size beyond 2^53 is kept exact as a decimal string; ' +
      'case names are the published file paths without .json',
    checkOrder: {
      inclusion: [
        'MERKLE_ARGUMENT_INVALID: index or size not a safe non-negative integer, or index >= size (RFC 9162 §2.1.3.2 step 1)',
        'MERKLE_HASH_INVALID: leafHash or root not 32 bytes',
        'MERKLE_PROOF_LENGTH: proof length differs from PATH(index, D[size])',
        'MERKLE_HASH_INVALID: a proof hash not 32 bytes',
        'MERKLE_ROOT_MISMATCH: the recomputed root differs (§2.1.3.2 step 5)',
      ],
      consistency: [
        'MERKLE_ARGUMENT_INVALID: a size not a safe non-negative integer, size1 > size2, or size1 = 0 (§2.1.4: 0 < m)',
        'MERKLE_HASH_INVALID: root1 or root2 not 32 bytes',
        'MERKLE_PROOF_LENGTH: proof length differs from PROOF(size1, D[size2]), or is not empty when size1 = size2',
        'MERKLE_HASH_INVALID: a proof hash not 32 bytes',
        'MERKLE_ROOT_MISMATCH: a recomputed root differs (§2.1.4.2 step 7), or size1 = size2 and root1 != root2',
      ],
    },
    referenceTree: { leafInputs: tree.leafInputsHex, roots: tree.rootBySizeHex },
    inclusion,
    consistency,
  };
}

/** The vectors, or undefined when the published data is not on this machine. */
export function takeMerkleVectors(sourceDir: string = DEFAULT_SOURCE): MerkleVectors | undefined {
  return existsSync(path.join(sourceDir, 'reference-tree.json')) ? buildVectors(sourceDir) : undefined;
}

export function serialize(vectors: MerkleVectors): string {
  return `${JSON.stringify(vectors, null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const sourceDir = path.resolve(args.find((a) => a !== '--check') ?? DEFAULT_SOURCE);
  const relative = path.relative(REPO_ROOT, VECTOR_FILE);
  const vectors = takeMerkleVectors(sourceDir);
  if (vectors === undefined) {
    console.log(`${sourceDir} is absent: ${relative} left as it is`);
  } else if (check) {
    const current = JSON.parse(readFileSync(VECTOR_FILE, 'utf8')) as unknown;
    if (!isDeepStrictEqual(current, JSON.parse(serialize(vectors)))) {
      console.error(`${relative} is out of date: run without --check`);
      process.exitCode = 1;
    } else {
      console.log(`${relative} is up to date`);
    }
  } else {
    writeFileSync(VECTOR_FILE, serialize(vectors));
    console.log(`wrote ${relative}: ${vectors.inclusion.length} inclusion and ${vectors.consistency.length} consistency cases`);
  }
}
