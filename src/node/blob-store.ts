/**
 * The node's ciphertext blob store (DESIGN §8): each stored envelope lives on
 * the file system under its `cipherRoot` (DESIGN §13, formats §4.1):
 *
 *     <dataDir>/blobs/<first 2 hex of root>/<cipherRoot>
 *     <dataDir>/blobs/tmp/<cipherRoot>.<random>        (puts in progress)
 *     <dataDir>/blobs/uploads/<uploadId>[.chunks]     (resumable uploads: blob-staging.ts)
 *
 * An upload is cut into stored chunks as it arrives (header, then data chunks
 * of chunkSize + 16 bytes, the last shorter), and every chunk is checked
 * against the announced hashes before it is written. Only a complete, verified
 * file is moved into place: write to a temp file, fsync it, rename it, fsync
 * the shard directory (and its parent when the shard was just created). A
 * crash at any point therefore leaves either no blob or the whole verified
 * blob under its final name; leftovers in `tmp/` are never visible through
 * this API and `sweepTmp()` removes them.
 *
 * Memory: one stored chunk (up to chunkSize + 16 bytes) plus whatever the
 * source hands over in one piece, whatever the blob's size.
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import type { ReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ByteReader, ChunkVerifier, CipherRootBuilder, GCM_TAG_BYTES, cryptoError, isDhlError, readEnvelopeHeader, toHex,
} from '../crypto/index.ts';
import type { EnvelopeHeader } from '../crypto/index.ts';
import { nodeError } from './errors.ts';
import { ensureDir, errnoCode, fsyncDir, writeAll } from './durable-fs.ts';
import { KeyedLock } from './keyed-lock.ts';

export const BLOBS_DIR = 'blobs';
export const BLOBS_TMP_DIR = 'tmp';
/** Resumable uploads in progress (blob-staging.ts): inside blobs/, so a finished one is renamed into place on the same file system. */
export const BLOBS_UPLOADS_DIR = 'uploads';

const ROOT_PATTERN = /^[0-9a-f]{64}$/;
const SHARD_PATTERN = /^[0-9a-f]{2}$/;
/** The smallest possible stored header: u32be(n) with n > 16 (formats §4). */
const MIN_HEADER_BYTES = 4 + 17;
/** The largest stored header: u32be(n) with n ≤ 4096 (formats §4). */
const MAX_HEADER_READ_BYTES = 4 + 4096;
/** Read size when re-reading a stored blob for verification. */
const VERIFY_READ_BYTES = 1 << 16;
/** Bytes per piece of a blob read for a download. */
const READ_PIECE_BYTES = 1 << 20;

export interface ExpectedBlob {
  cipherRoot: string;
  /** Hex SHA-256 of each stored chunk, header first (the envelope summary's `chunkHashes`). */
  chunkHashes: readonly string[];
}

export interface PutOptions {
  /** Refuse (BLOB_INVALID, reason `too-large`) a blob of more stored bytes than this. */
  maxBytes?: number;
}

export interface BlobSummary {
  cipherRoot: string;
  /** Bytes of the stored envelope (header and sealed chunks). */
  storedSize: number;
  /** Stored chunks, header included. */
  chunkCount: number;
  /** Hex SHA-256 of each stored chunk, header first, lowercase: what the `blobs` row keeps. */
  chunkHashes: string[];
  /** The envelope header, checked by the crypto layer; lets the caller compare it with the manifest. */
  header: EnvelopeHeader;
}

export interface PutResult extends BlobSummary {
  /** False when the blob was already stored (the source was still verified in full). */
  created: boolean;
}

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob opened for reading: stream it with `for await`, or `close()` it unread. */
export interface BlobReadStream extends AsyncIterable<Uint8Array> {
  /** Size of the whole blob (for `Content-Range`). */
  readonly blobSize: number;
  /** First and last byte offsets delivered (inclusive). */
  readonly start: number;
  readonly end: number;
  /** Releases the file when the stream is not read to its end. */
  close(): void;
}

/** The seam the node talks to; `BlobStore` is the file-system adapter. */
export interface BlobStorage {
  put(expected: ExpectedBlob, source: AsyncIterable<Uint8Array>, options?: PutOptions): Promise<PutResult>;
  has(cipherRoot: string): Promise<boolean>;
  size(cipherRoot: string): Promise<number>;
  read(cipherRoot: string, range?: ByteRange): Promise<BlobReadStream>;
  delete(cipherRoot: string): Promise<boolean>;
  verify(cipherRoot: string, chunkHashes?: readonly string[]): Promise<BlobSummary>;
  header(cipherRoot: string): Promise<{ header: EnvelopeHeader; bytes: Uint8Array; fileSize: number }>;
  list(): Promise<string[]>;
  inventory(): Promise<{ blobs: string[]; stray: string[] }>;
}

/** Why an upload or a stored file does not match; mapped to BLOB_INVALID or DATA_DIR_TAMPERED. */
export const BLOB_FAULTS = Object.freeze({
  header: 'the header chunk is not a valid envelope header',
  hash: 'a chunk does not match its announced hash',
  missing: 'the stream ended before the announced last chunk',
  extra: 'the stream continues after the announced last chunk',
  tooLarge: 'the blob exceeds maxBytes',
  chunkHashes: 'the announced chunk hashes are malformed or do not build cipherRoot',
  root: 'the stored chunks do not build the file name (cipherRoot)',
} as const);
export type BlobFaultReason = keyof typeof BLOB_FAULTS;

/** Internal: thrown by the chunk splitter, translated at the public boundary. */
class BlobFault extends Error {
  constructor(
    readonly reason: BlobFaultReason,
    readonly chunk?: number,
  ) {
    super(BLOB_FAULTS[reason]);
  }

  details(): Record<string, string | number> {
    return this.chunk === undefined ? { reason: this.reason } : { reason: this.reason, chunk: this.chunk };
  }
}

function checkRoot(cipherRoot: unknown): string {
  if (typeof cipherRoot !== 'string' || !ROOT_PATTERN.test(cipherRoot)) {
    // Checked before any path is built: no traversal, no odd names.
    throw cryptoError('ARGUMENT_INVALID', { argument: 'cipherRoot', expected: '64 lowercase hex' });
  }
  return cipherRoot;
}

function checkChunkHashes(chunkHashes: unknown): string[] {
  if (!Array.isArray(chunkHashes) || chunkHashes.length < 2) throw new BlobFault('chunkHashes');
  return chunkHashes.map((h: unknown) => {
    if (typeof h !== 'string' || !ROOT_PATTERN.test(h)) throw new BlobFault('chunkHashes');
    return h;
  });
}

async function* streamOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A reader of a blob source or file: Uint8Array pieces, optionally refused past `maxBytes`. */
function blobReader(source: AsyncIterable<Uint8Array>, maxBytes: number | undefined): ByteReader {
  return new ByteReader(source, {
    notBytes: () => new TypeError('source must yield Uint8Array pieces'),
    limit: maxBytes === undefined ? undefined : { maxBytes, tooLarge: () => new BlobFault('tooLarge') },
  });
}

interface SplitPlan {
  /** Announced stored chunk count, header included; undefined when recomputing from a file. */
  chunkCount: number | undefined;
  maxBytes: number | undefined;
  /** Throws BlobFault('hash', i) when chunk i is not the announced one. */
  check(index: number, bytes: Uint8Array): Promise<void>;
  /** Receives each checked chunk, in order. */
  accept(index: number, bytes: Uint8Array): Promise<void>;
}

/**
 * Cuts a stored envelope into its stored chunks (formats §4) and runs each
 * through `plan`: chunk 0 is u32be(n) ‖ n bytes, then chunks of chunkSize + 16
 * bytes, the last shorter. Chunk 0 is hash-checked before its chunkSize is
 * trusted to cut the rest.
 */
async function splitStoredChunks(reader: ByteReader, plan: SplitPlan): Promise<{ header: EnvelopeHeader; storedSize: number; chunkCount: number }> {
  let header: EnvelopeHeader;
  let headerBytes: Uint8Array;
  try {
    ({ header, bytes: headerBytes } = await readEnvelopeHeader(reader));
  } catch (err) {
    if (isDhlError(err, 'ENVELOPE_TRUNCATED')) throw new BlobFault('missing', 0);
    if (isDhlError(err)) throw new BlobFault('header', 0);
    throw err;
  }
  await plan.check(0, headerBytes);
  await plan.accept(0, headerBytes);
  const sealedSize = header.chunkSize + GCM_TAG_BYTES;
  if (plan.chunkCount !== undefined && plan.maxBytes !== undefined) {
    // The smallest blob these many chunks can make: refuse before reading on.
    const smallest = headerBytes.length + (plan.chunkCount - 2) * sealedSize + 1;
    if (smallest > plan.maxBytes) throw new BlobFault('tooLarge');
  }
  let storedSize = headerBytes.length;
  let index = 1;
  for (;;) {
    const bytes = await reader.read(sealedSize);
    if (bytes.length === 0) break;
    if (plan.chunkCount !== undefined && index >= plan.chunkCount) throw new BlobFault('extra', index);
    await plan.check(index, bytes);
    await plan.accept(index, bytes);
    storedSize += bytes.length;
    index++;
    // A short chunk is the last one: the reader returns fewer bytes only at the end.
    if (bytes.length < sealedSize) break;
  }
  if (index === 1) throw new BlobFault('missing', 1);
  if (plan.chunkCount !== undefined && index < plan.chunkCount) throw new BlobFault('missing', index);
  return { header, storedSize, chunkCount: index };
}

/**
 * A content-addressed store of envelopes under `<dataDir>/blobs`. One
 * instance per data directory: puts and deletes of the same root are
 * serialised in process, so `created` is exact and a delete never races a put.
 */
export class BlobStore implements BlobStorage {
  readonly blobsDir: string;
  readonly tmpDir: string;
  private readonly locks = new KeyedLock();
  private readonly inFlight = new Set<string>();
  private ready: Promise<void> | undefined;

  constructor(readonly dataDir: string) {
    if (typeof dataDir !== 'string' || dataDir.length === 0) throw new TypeError('dataDir must be a non-empty path');
    this.blobsDir = join(dataDir, BLOBS_DIR);
    this.tmpDir = join(this.blobsDir, BLOBS_TMP_DIR);
  }

  /** The final path of a blob (the root is validated first). */
  pathOf(cipherRoot: string): string {
    const root = checkRoot(cipherRoot);
    return join(this.blobsDir, root.slice(0, 2), root);
  }

  /**
   * Stores the envelope streamed by `source` (cut anywhere) if it is exactly
   * the blob announced by `expected`: the hashes must build cipherRoot, each
   * stored chunk must match its hash, no chunk may be missing or extra, and
   * the total must not exceed `maxBytes`. Otherwise BLOB_INVALID with
   * `{reason, chunk}` and nothing is kept. The source is stopped
   * (`return()`) on failure.
   *
   * Idempotent: when the blob is already stored, the source is still read and
   * verified in full (nothing is written), so a put answers the same for the
   * same bytes whether or not the blob existed, and `created` is false.
   */
  async put(expected: ExpectedBlob, source: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const maxBytes = options.maxBytes;
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
      throw new RangeError('maxBytes must be a non-negative safe integer');
    }
    if (source === null || typeof source !== 'object' || typeof source[Symbol.asyncIterator] !== 'function') {
      throw new TypeError('source must be an AsyncIterable of Uint8Array');
    }
    const reader = blobReader(source, maxBytes);
    try {
      const root = checkRoot(expected?.cipherRoot);
      const chunkHashes = checkChunkHashes(expected.chunkHashes);
      // Each chunk is at least one byte beyond a minimal header.
      if (maxBytes !== undefined && MIN_HEADER_BYTES + chunkHashes.length - 1 > maxBytes) throw new BlobFault('tooLarge');
      let verifier: ChunkVerifier;
      try {
        verifier = await ChunkVerifier.create(root, chunkHashes);
      } catch (err) {
        if (isDhlError(err)) throw new BlobFault('chunkHashes');
        throw err;
      }
      return await this.locks.run(root, () => this.putVerified(root, chunkHashes, verifier, reader, maxBytes));
    } catch (err) {
      await reader.cancel();
      if (err instanceof BlobFault) {
        const details = err.reason === 'tooLarge' ? { ...err.details(), maxBytes: maxBytes ?? -1 } : err.details();
        throw nodeError('BLOB_INVALID', details);
      }
      throw err;
    }
  }

  private async putVerified(
    root: string,
    chunkHashes: string[],
    verifier: ChunkVerifier,
    reader: ByteReader,
    maxBytes: number | undefined,
  ): Promise<PutResult> {
    const check = async (index: number, bytes: Uint8Array) => {
      try {
        await verifier.verifyChunk(index, bytes);
      } catch (err) {
        if (isDhlError(err)) throw new BlobFault('hash', index);
        throw err;
      }
    };
    const plan = { chunkCount: chunkHashes.length, maxBytes, check };
    const finalPath = this.pathOf(root);
    await this.ensureLayout();

    if (await this.has(root)) {
      const split = await splitStoredChunks(reader, { ...plan, accept: async () => undefined });
      return { cipherRoot: root, chunkHashes, ...split, created: false };
    }

    const tmpPath = join(this.tmpDir, `${root}.${nodeRandomBytes(8).toString('hex')}`);
    this.inFlight.add(tmpPath);
    let handle: FileHandle | undefined;
    let placed = false;
    try {
      handle = await open(tmpPath, 'wx', 0o600);
      const file = handle;
      const split = await splitStoredChunks(reader, { ...plan, accept: (_i, bytes) => writeAll(file, bytes) });
      await handle.sync();
      await handle.close();
      handle = undefined;
      const shardDir = dirname(finalPath);
      await ensureDir(shardDir);
      // Another process holding this data directory may have placed the same
      // root meanwhile: rename then replaces it atomically with identical bytes.
      await rename(tmpPath, finalPath);
      placed = true;
      await fsyncDir(shardDir);
      return { cipherRoot: root, chunkHashes, ...split, created: true };
    } finally {
      this.inFlight.delete(tmpPath);
      if (handle) await handle.close().catch(() => undefined);
      // A placed blob is complete and verified; only the temp file is discarded.
      if (!placed) await rm(tmpPath, { force: true });
    }
  }

  async has(cipherRoot: string): Promise<boolean> {
    const path = this.pathOf(cipherRoot);
    try {
      return (await stat(path)).isFile();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
      throw err;
    }
  }

  /**
   * The stored header chunk of a blob, checked as an envelope header, and
   * the file's size: what admission compares with a manifest without
   * reading the blob. BLOB_NOT_FOUND when absent; the crypto layer's
   * envelope errors when the first bytes are not a header.
   */
  async header(cipherRoot: string): Promise<{ header: EnvelopeHeader; bytes: Uint8Array; fileSize: number }> {
    const path = this.pathOf(cipherRoot);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'EISDIR') throw nodeError('BLOB_NOT_FOUND', { cipherRoot });
      throw err;
    }
    try {
      // One read of at most the largest header: the rest of the blob is not touched.
      const first = new Uint8Array(MAX_HEADER_READ_BYTES);
      const { bytesRead } = await handle.read(first, 0, first.length, 0);
      const { header, bytes } = await readEnvelopeHeader(blobReader(streamOf(first.subarray(0, bytesRead)), undefined));
      return { header, bytes, fileSize: (await handle.stat()).size };
    } finally {
      await handle.close();
    }
  }

  /** Stored size in bytes; BLOB_NOT_FOUND when absent. */
  async size(cipherRoot: string): Promise<number> {
    const path = this.pathOf(cipherRoot);
    try {
      const s = await stat(path);
      if (!s.isFile()) throw nodeError('BLOB_NOT_FOUND', { cipherRoot });
      return s.size;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw nodeError('BLOB_NOT_FOUND', { cipherRoot });
      throw err;
    }
  }

  /**
   * Opens a blob for streaming, whole or an inclusive byte range. The file is
   * opened and the range checked against its size before the promise
   * resolves, so BLOB_NOT_FOUND and RANGE_INVALID come before any byte (an
   * HTTP layer can still choose its status) and a concurrent delete cannot
   * cut a stream short.
   */
  async read(cipherRoot: string, range?: ByteRange): Promise<BlobReadStream> {
    const path = this.pathOf(cipherRoot);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'EISDIR') {
        throw nodeError('BLOB_NOT_FOUND', { cipherRoot });
      }
      throw err;
    }
    try {
      const { size } = await handle.stat();
      let start = 0;
      let end = size - 1;
      if (range !== undefined) {
        const r = range as Partial<Record<'start' | 'end', unknown>> | null;
        const s = r?.start;
        const e = r?.end;
        if (
          typeof s !== 'number' || typeof e !== 'number' || !Number.isSafeInteger(s) || !Number.isSafeInteger(e) ||
          s < 0 || s > e || e >= size
        ) {
          throw nodeError('RANGE_INVALID', { start: String(s), end: String(e), size });
        }
        start = s;
        end = e;
      }
      // Pieces of 1 MiB: the read facade re-checks "may read" before each, and each costs a contract check and a stream turn.
      const stream = handle.createReadStream({ start, end, autoClose: true, highWaterMark: READ_PIECE_BYTES });
      return new FileBlobStream(stream, size, start, end);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /**
   * Moves a complete file, already verified against `cipherRoot` and fsynced
   * by its writer (the upload staging area), into place as that blob: rename,
   * then fsync of the shard directory. `path` must lie under `blobs/` (one
   * file system, so the rename is atomic). Serialised with puts and deletes
   * of the same root.
   */
  async place(cipherRoot: string, path: string): Promise<void> {
    const finalPath = this.pathOf(cipherRoot);
    await this.locks.run(cipherRoot, async () => {
      await this.ensureLayout();
      const shardDir = dirname(finalPath);
      await ensureDir(shardDir);
      await rename(path, finalPath);
      await fsyncDir(shardDir);
    });
  }

  /** Removes a blob (orphan expiry); false when it was not there. */
  async delete(cipherRoot: string): Promise<boolean> {
    const path = this.pathOf(cipherRoot);
    return this.locks.run(cipherRoot, async () => {
      try {
        await unlink(path);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
        throw err;
      }
      await fsyncDir(dirname(path));
      return true;
    });
  }

  /**
   * Re-reads a stored blob and checks it (`dhl verify`). With `chunkHashes`
   * (from the ledger's `blobs` row): the list must build cipherRoot and every
   * chunk must match, in number too; without: the file's own chunks must
   * build its name. Any mismatch is DATA_DIR_TAMPERED with `{cipherRoot,
   * reason, chunk}`, `chunk` naming the first bad stored chunk (0 = header)
   * where there is one. BLOB_NOT_FOUND when absent. Returns the blob's
   * summary, so a file with no ledger record can be described.
   */
  async verify(cipherRoot: string, chunkHashes?: readonly string[]): Promise<BlobSummary> {
    const root = checkRoot(cipherRoot);
    const tampered = (fault: BlobFault) => nodeError('DATA_DIR_TAMPERED', { cipherRoot: root, ...fault.details() });
    let verifier: ChunkVerifier | undefined;
    let announced: string[] | undefined;
    if (chunkHashes !== undefined) {
      try {
        announced = checkChunkHashes(chunkHashes);
        verifier = await ChunkVerifier.create(root, announced);
      } catch (err) {
        if (err instanceof BlobFault || isDhlError(err)) throw tampered(new BlobFault('chunkHashes'));
        throw err;
      }
    }
    const path = this.pathOf(root);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'EISDIR') {
        throw nodeError('BLOB_NOT_FOUND', { cipherRoot: root });
      }
      throw err;
    }
    const reader = blobReader(handle.createReadStream({ highWaterMark: VERIFY_READ_BYTES, autoClose: false }), undefined);
    const builder = new CipherRootBuilder();
    const hashes: string[] = [];
    try {
      const split = await splitStoredChunks(reader, {
        chunkCount: announced?.length,
        maxBytes: undefined,
        check: async (index, bytes) => {
          if (!verifier) return;
          try {
            await verifier.verifyChunk(index, bytes);
          } catch (err) {
            if (isDhlError(err)) throw new BlobFault('hash', index);
            throw err;
          }
        },
        accept: async (_index, bytes) => {
          if (announced) return;
          // A local re-read: node:crypto's synchronous hash is enough here.
          const leaf = createHash('sha256').update(bytes).digest();
          builder.addLeafInput(leaf);
          hashes.push(toHex(leaf));
        },
      });
      if (!announced && toHex(await builder.root()) !== root) throw new BlobFault('root');
      return { cipherRoot: root, chunkHashes: announced ?? hashes, ...split };
    } catch (err) {
      if (err instanceof BlobFault) throw tampered(err);
      throw err;
    } finally {
      await reader.cancel();
      await handle.close();
    }
  }

  /** Cipher roots of the stored blobs, sorted; temp files and stray names are not blobs. */
  async list(): Promise<string[]> {
    return (await this.inventory()).blobs;
  }

  /**
   * Everything under `blobs/`: the stored blobs (a file named by its root,
   * in the shard of its first two digits), sorted, and every other entry
   * (`stray`: paths relative to `blobs/`, sorted), which no operation of the
   * store made. `tmp/` and `uploads/` hold uploads in progress and are neither.
   */
  async inventory(): Promise<{ blobs: string[]; stray: string[] }> {
    const blobs: string[] = [];
    const stray: string[] = [];
    let shards;
    try {
      shards = await readdir(this.blobsDir, { withFileTypes: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { blobs, stray };
      throw err;
    }
    for (const shard of shards) {
      if ((shard.name === BLOBS_TMP_DIR || shard.name === BLOBS_UPLOADS_DIR) && shard.isDirectory()) continue;
      if (!shard.isDirectory() || !SHARD_PATTERN.test(shard.name)) {
        stray.push(shard.name);
        continue;
      }
      for (const entry of await readdir(join(this.blobsDir, shard.name), { withFileTypes: true })) {
        if (entry.isFile() && ROOT_PATTERN.test(entry.name) && entry.name.startsWith(shard.name)) blobs.push(entry.name);
        else stray.push(`${shard.name}/${entry.name}`);
      }
    }
    return { blobs: blobs.sort(), stray: stray.sort() };
  }

  /**
   * Removes temp files left by a crash (or a killed process); uploads in
   * progress in this instance are kept. Call at node start. Returns how many
   * files were removed.
   */
  async sweepTmp(): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.tmpDir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const name of entries) {
      const path = join(this.tmpDir, name);
      if (this.inFlight.has(path)) continue;
      await rm(path, { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  private ensureLayout(): Promise<void> {
    this.ready ??= (async () => {
      await ensureDir(this.dataDir);
      await ensureDir(this.blobsDir);
      await ensureDir(this.tmpDir);
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }
}

class FileBlobStream implements BlobReadStream {
  constructor(
    private readonly stream: ReadStream,
    readonly blobSize: number,
    readonly start: number,
    readonly end: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.stream[Symbol.asyncIterator]();
  }

  close(): void {
    this.stream.destroy();
  }
}
