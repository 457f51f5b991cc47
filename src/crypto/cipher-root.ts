/**
 * `cipherRoot` (DESIGN §13): the RFC 9162 Merkle root over the stored chunks of
 * an envelope, header first, where each leaf input is SHA-256(chunk). Built
 * incrementally with one subtree root per set bit of the leaf count, so memory
 * stays logarithmic however large the blob is. Hashing is WebCrypto's (async):
 * this module imports nothing of ours beyond crypto/.
 */
import { concatBytes, equalBytes, fromHex, toHex } from './bytes.ts';
import { cryptoError } from './errors.ts';
import { sha256 } from './hash.ts';

const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

export async function chunkLeafInput(chunk: Uint8Array): Promise<Uint8Array> {
  return sha256(chunk);
}

export class CipherRootBuilder {
  /** Roots of complete subtrees, largest (leftmost) first, with their heights. */
  private readonly peaks: { height: number; hash: Uint8Array }[] = [];
  private count = 0;

  get leafCount(): number {
    return this.count;
  }

  /** Adds the next stored chunk's leaf input, SHA-256(chunk). */
  async addLeafInput(leafInput: Uint8Array): Promise<void> {
    let hash = await sha256(concatBytes(LEAF_PREFIX, leafInput));
    let height = 0;
    // Merge equal-height neighbours: the binary-counter shape of RFC 9162's left-full tree.
    while (this.peaks.length > 0 && this.peaks[this.peaks.length - 1]!.height === height) {
      const left = this.peaks.pop()!;
      hash = await sha256(concatBytes(NODE_PREFIX, left.hash, hash));
      height++;
    }
    this.peaks.push({ height, hash });
    this.count++;
  }

  /** RFC 9162 §2.1.1 MTH over the leaves so far; SHA-256("") for none. */
  async root(): Promise<Uint8Array> {
    if (this.peaks.length === 0) return sha256(new Uint8Array(0));
    let acc = this.peaks[this.peaks.length - 1]!.hash;
    for (let i = this.peaks.length - 2; i >= 0; i--) {
      acc = await sha256(concatBytes(NODE_PREFIX, this.peaks[i]!.hash, acc));
    }
    return acc;
  }
}

export async function cipherRootOfLeafInputs(leafInputs: Iterable<Uint8Array>): Promise<string> {
  const builder = new CipherRootBuilder();
  for (const leaf of leafInputs) await builder.addLeafInput(leaf);
  return toHex(await builder.root());
}

/**
 * Chunk-by-chunk verification: a downloader (or the node, on upload) first
 * checks that the announced list of chunk hashes builds `cipherRoot`, then checks
 * each chunk against its entry as it arrives, so nothing unverified is kept and
 * a transfer can resume at any chunk.
 */
export class ChunkVerifier {
  private constructor(private readonly hashes: readonly Uint8Array[]) {}

  static async create(cipherRoot: string, chunkHashesHex: readonly string[]): Promise<ChunkVerifier> {
    const hashes = chunkHashesHex.map((h, i) => {
      const bytes = fromHex(h, `chunkHashes[${i}]`);
      if (bytes.length !== 32) throw cryptoError('ARGUMENT_INVALID', { argument: `chunkHashes[${i}]`, expected: '32 bytes' });
      return bytes;
    });
    if (hashes.length < 2) throw cryptoError('ARGUMENT_INVALID', { argument: 'chunkHashes', expected: 'header and at least one data chunk' });
    const computed = await cipherRootOfLeafInputs(hashes);
    if (computed !== cipherRoot) throw cryptoError('CIPHER_ROOT_MISMATCH', { chunks: hashes.length });
    return new ChunkVerifier(hashes);
  }

  get chunkCount(): number {
    return this.hashes.length;
  }

  async verifyChunk(index: number, chunk: Uint8Array): Promise<void> {
    const expected = this.hashes[index];
    if (!Number.isSafeInteger(index) || expected === undefined) {
      throw cryptoError('ARGUMENT_INVALID', { argument: 'index', index: String(index), chunks: this.hashes.length });
    }
    if (!equalBytes(await chunkLeafInput(chunk), expected)) throw cryptoError('CHUNK_HASH_MISMATCH', { chunk: index });
  }
}
