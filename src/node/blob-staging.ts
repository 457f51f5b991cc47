/**
 * The staging area of resumable uploads (DESIGN §8, §13): one sparse file per
 * upload in progress, each stored chunk written at its own offset as it
 * arrives, beside a journal of the chunks written:
 *
 *     <dataDir>/blobs/uploads/<uploadId>           the stored chunks, at their offsets
 *     <dataDir>/blobs/uploads/<uploadId>.chunks    48-byte records: u32be index ‖ u64be offset ‖ u32be length ‖ SHA-256
 *
 * Nothing here is fsynced per chunk (that would cost a disk flush per MiB).
 * After a crash the journal and the data may both be cut short or torn, so
 * `recover` trusts a journal record only when the bytes at its offset still
 * hash to its SHA-256: the chunks it reports are exactly those the node
 * verified and still holds. A finished upload is fsynced once and renamed
 * into the blob store (`BlobStore.place`), on the same file system.
 */
import { createHash } from 'node:crypto';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOBS_DIR, BLOBS_UPLOADS_DIR } from './blob-store.ts';
import { ensureDir, isMissing, writeAll } from './durable-fs.ts';

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const JOURNAL_SUFFIX = '.chunks';
const RECORD_BYTES = 48;
/** Uploads whose two files stay open between chunks (an open and a close per chunk cost more than the write of a MiB). */
const OPEN_UPLOADS = 64;

interface OpenFiles {
  data: FileHandle;
  journal: FileHandle;
}

/** One stored chunk of an upload, where it lies in the blob and what it hashes to. */
export interface StagedChunk {
  index: number;
  offset: number;
  length: number;
  /** Lowercase hex SHA-256 of the chunk: its cipherRoot leaf input. */
  sha256: string;
}

function checkUploadId(uploadId: string): string {
  // Checked before any path is built: no traversal, no odd names.
  if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) throw new TypeError('uploadId must be 32 lowercase hex digits');
  return uploadId;
}

function encodeRecord(c: StagedChunk): Uint8Array {
  const record = new Uint8Array(RECORD_BYTES);
  const view = new DataView(record.buffer);
  view.setUint32(0, c.index);
  view.setBigUint64(4, BigInt(c.offset));
  view.setUint32(12, c.length);
  record.set(Buffer.from(c.sha256, 'hex'), 16);
  return record;
}

function decodeRecord(bytes: Uint8Array): StagedChunk {
  const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_BYTES);
  return {
    index: view.getUint32(0),
    offset: Number(view.getBigUint64(4)),
    length: view.getUint32(12),
    sha256: Buffer.from(bytes.subarray(16, RECORD_BYTES)).toString('hex'),
  };
}

export class BlobStaging {
  readonly dir: string;
  /** Open files of recently written uploads, least recently used first. */
  private readonly open = new Map<string, Promise<OpenFiles>>();

  constructor(readonly dataDir: string) {
    this.dir = join(dataDir, BLOBS_DIR, BLOBS_UPLOADS_DIR);
  }

  /** The data file of an upload (the blob store renames it into place when the upload completes). */
  pathOf(uploadId: string): string {
    return join(this.dir, checkUploadId(uploadId));
  }

  private journalOf(uploadId: string): string {
    return `${this.pathOf(uploadId)}${JOURNAL_SUFFIX}`;
  }

  /** Makes the empty data file and journal of a new upload. */
  async create(uploadId: string): Promise<void> {
    await ensureDir(this.dir);
    for (const path of [this.pathOf(uploadId), this.journalOf(uploadId)]) await (await open(path, 'wx', 0o600)).close();
  }

  async exists(uploadId: string): Promise<boolean> {
    try {
      await (await open(this.pathOf(uploadId), 'r')).close();
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /** Writes a verified chunk at its offset, then journals it. Writes of one upload come one at a time (the caller's lock). */
  async write(uploadId: string, chunk: StagedChunk, bytes: Uint8Array): Promise<void> {
    if (bytes.length !== chunk.length) throw new RangeError('chunk length differs from its bytes');
    const files = await this.filesOf(uploadId);
    await writeAll(files.data, bytes, chunk.offset);
    await writeAll(files.journal, encodeRecord(chunk));
  }

  private filesOf(uploadId: string): Promise<OpenFiles> {
    let files = this.open.get(uploadId);
    if (files) {
      // Most recently used last.
      this.open.delete(uploadId);
    } else {
      files = (async () => {
        const data = await open(this.pathOf(uploadId), 'r+');
        try {
          return { data, journal: await open(this.journalOf(uploadId), 'a') };
        } catch (err) {
          await data.close();
          throw err;
        }
      })();
      files.catch(() => this.open.delete(uploadId));
    }
    this.open.set(uploadId, files);
    if (this.open.size > OPEN_UPLOADS) void this.release(this.open.keys().next().value!);
    return files;
  }

  /** Closes an upload's open files (done, dropped, or idle). */
  async release(uploadId: string): Promise<void> {
    const files = this.open.get(uploadId);
    if (!files) return;
    this.open.delete(uploadId);
    const f = await files.catch(() => undefined);
    if (f) await Promise.all([f.data.close(), f.journal.close()]);
  }

  /** Closes every open file (the node is closing). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.release(id)));
  }

  /**
   * The chunks an upload still holds, by index, each re-read and re-hashed
   * (after a restart nothing else is trusted); undefined when its data file
   * is gone. A torn journal tail and records whose bytes no longer match are
   * dropped.
   */
  async recover(uploadId: string): Promise<Map<number, StagedChunk> | undefined> {
    let data: FileHandle;
    try {
      data = await open(this.pathOf(uploadId), 'r');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const held = new Map<number, StagedChunk>();
    try {
      let journal: Uint8Array;
      try {
        journal = await readWhole(this.journalOf(uploadId));
      } catch (err) {
        if (isMissing(err)) return held;
        throw err;
      }
      for (let at = 0; at + RECORD_BYTES <= journal.length; at += RECORD_BYTES) {
        const chunk = decodeRecord(journal.subarray(at, at + RECORD_BYTES));
        const bytes = new Uint8Array(chunk.length);
        const { bytesRead } = await data.read(bytes, 0, chunk.length, chunk.offset);
        if (bytesRead === chunk.length && createHash('sha256').update(bytes).digest('hex') === chunk.sha256) held.set(chunk.index, chunk);
      }
      return held;
    } finally {
      await data.close();
    }
  }

  /** Cuts the data file to the blob's size and fsyncs it: ready for `BlobStore.place`. */
  async seal(uploadId: string, size: number): Promise<string> {
    await this.release(uploadId);
    const path = this.pathOf(uploadId);
    const data = await open(path, 'r+');
    try {
      await data.truncate(size);
      await data.sync();
    } finally {
      await data.close();
    }
    return path;
  }

  /** Removes an upload's files (either may already be gone). */
  async remove(uploadId: string): Promise<void> {
    await this.release(uploadId);
    await rm(this.pathOf(uploadId), { force: true });
    await rm(this.journalOf(uploadId), { force: true });
  }

  /** The upload ids with a file here (for sweeping files whose row is gone). */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const ids = new Set<string>();
    for (const name of names) {
      const id = name.endsWith(JOURNAL_SUFFIX) ? name.slice(0, -JOURNAL_SUFFIX.length) : name;
      if (UPLOAD_ID.test(id)) ids.add(id);
    }
    return [...ids].sort();
  }
}

async function readWhole(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}
