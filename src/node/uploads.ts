/**
 * Resumable uploads (DESIGN §4, §8, §13): a client sends the stored chunks of
 * an envelope one by one, each with its SHA-256, and the node
 *
 * - verifies each chunk as it arrives (its digest; chunk 0 is an envelope
 *   header of this chain; every other chunk has the size its place implies)
 *   and writes it at its offset in the staging area, so a chunk whose bytes
 *   do not match is refused and nothing of it is stored;
 * - on completion checks that the chunks held build the announced
 *   `cipherRoot` (the whole), fsyncs the file once, renames it into the blob
 *   store and records its `blobs` row: from then on an AddRecord may name it;
 * - tells a client that comes back which chunks it holds (with their hashes),
 *   so an interrupted upload — the client's or the node's — continues from
 *   there (the client re-encrypts with the same DEK and compares, formats §4.1).
 *
 * The bookkeeping (upload-rows.ts, node-private) records the uploader, so each
 * user's stored and reserved bytes are bounded by a quota. Uploads no chunk
 * reached for `incompleteTtlMs` expire; complete ones that no record version
 * names expire `orphanTtlMs` after completion. An AddRecord or
 * AddRecordVersion pins its blob from the moment admission accepts it until
 * its block says (accepted: the blob is referenced and kept; rejected, or
 * never ordered within `pinGraceMs`: the pin lapses). Pinning and expiry are
 * each one synchronous step, so no admitted transaction can name a blob that
 * is being deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cipherRootOfLeafInputs, fromHex, GCM_TAG_BYTES, parseEnvelopeHeader } from '../crypto/index.ts';
import { BlobStaging, type StagedChunk } from './blob-staging.ts';
import type { BlobStore } from './blob-store.ts';
import { nodeError } from './errors.ts';
import { KeyedLock } from './keyed-lock.ts';
import type { BlobRow } from './store/index.ts';
import type { UploadRow, UploadRows } from './store/upload-rows.ts';

export interface UploadLimits {
  /** Bytes one user may hold and reserve: complete and referenced blobs, plus the declared size of each upload still receiving. */
  quotaBytes: number;
  /** Uploads one user may have receiving at once. */
  maxReceiving: number;
  /** An upload that no chunk reached for this long expires. */
  incompleteTtlMs: number;
  /** A complete upload that no record version names expires this long after completion. */
  orphanTtlMs: number;
  /** How long an admitted transaction pins its blob while not in the log (past its notAfter it never will be). */
  pinGraceMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({
  quotaBytes: 16 * 2 ** 30,
  maxReceiving: 32,
  incompleteTtlMs: 24 * 3_600_000,
  orphanTtlMs: 24 * 3_600_000,
  pinGraceMs: 3_600_000,
});

/** The smallest stored blob: a minimal header (4 + 17 bytes) and one sealed chunk (≥ 17 bytes). */
const MIN_BLOB_BYTES = 38;
/** The largest stored header (formats §4: n ≤ 4096). */
const MAX_HEADER_BYTES = 4 + 4096;
/** Uploads resolved per sweep step. */
const SWEEP_BATCH = 256;

/** What the uploads need of the ledger. */
export interface UploadLedger {
  readonly chainId: string;
  readonly chunkSizeMax: number;
  putBlob(row: BlobRow): Promise<void>;
  deleteBlob(cipherRoot: string): Promise<void>;
  /** The cipherRoot the state names for a record version, if that version exists. */
  versionRoot(recordId: string, version: number): string | undefined;
  /** A durable transaction's outcome code, if it is in the log. */
  outcomeOf(txHash: string): string | undefined;
}

export interface UploadView {
  uploadId: string;
  state: UploadRow['state'];
  declaredSize: number;
  storedSize?: number;
  cipherRoot?: string;
  /** While receiving: every stored chunk the node holds, by index, with its SHA-256 (hex). */
  chunks: { index: number; sha256: string }[];
  createdAt: number;
  expiresAt?: number;
}

export interface CompletedUpload {
  cipherRoot: string;
  storedSize: number;
  chunkCount: number;
}

export interface UsageView {
  usedBytes: number;
  quotaBytes: number;
  receiving: number;
  maxReceiving: number;
}

export interface SweepResult {
  expiredIncomplete: number;
  expiredOrphans: number;
  referenced: number;
  lapsedPins: number;
}

/** The chunks of one receiving upload the node holds (loaded from the staging area after a restart). */
interface Held {
  chunks: Map<number, StagedChunk>;
  /** The index of the short (hence last) chunk, once one arrived. */
  last?: number;
  /** When the row's expiry was last pushed out (written at most twice per TTL, not per chunk). */
  touchedAt: number;
}

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export class Uploads {
  private readonly staging: BlobStaging;
  private readonly held = new Map<string, Held>();
  private readonly locks = new KeyedLock();
  /** Roots whose deletion has begun: admission treats them as absent and no pin may take them. */
  private readonly expiring = new Set<string>();
  readonly limits: UploadLimits;

  constructor(private readonly o: { rows: UploadRows; blobs: BlobStore; ledger: UploadLedger; now: () => number; limits?: Partial<UploadLimits> }) {
    this.staging = new BlobStaging(o.blobs.dataDir);
    this.limits = { ...DEFAULT_UPLOAD_LIMITS, ...o.limits };
  }

  // ---- the uploader's operations ----------------------------------------------------------------------------

  /** A new upload of at most `declaredSize` stored bytes, reserved against the uploader's quota. */
  async create(uploader: string, declaredSize: number): Promise<UploadView> {
    if (!Number.isSafeInteger(declaredSize) || declaredSize < MIN_BLOB_BYTES) {
      throw nodeError('UPLOAD_CHUNK_INVALID', { reason: 'declaredSize', minimum: MIN_BLOB_BYTES });
    }
    const now = this.o.now();
    const usage = this.o.rows.usage(uploader);
    if (usage.receiving >= this.limits.maxReceiving) {
      throw nodeError('UPLOAD_QUOTA_EXCEEDED', { reason: 'uploads in progress', receiving: usage.receiving, maxReceiving: this.limits.maxReceiving });
    }
    if (usage.bytes + declaredSize > this.limits.quotaBytes) {
      throw nodeError('UPLOAD_QUOTA_EXCEEDED', { reason: 'bytes', usedBytes: usage.bytes, declaredSize, quotaBytes: this.limits.quotaBytes });
    }
    const uploadId = randomBytes(16).toString('hex');
    // The row first, in the same synchronous step as the quota check: two creates cannot both pass on the same room.
    this.o.rows.insert(uploadId, uploader, declaredSize, now, now + this.limits.incompleteTtlMs);
    try {
      await this.staging.create(uploadId);
    } catch (err) {
      this.o.rows.remove({ uploadId } as UploadRow);
      throw err;
    }
    this.held.set(uploadId, { chunks: new Map(), touchedAt: now });
    return this.view(this.o.rows.get(uploadId)!, this.held.get(uploadId));
  }

  /** The upload as its uploader sees it: while receiving, the chunks held. */
  async status(uploader: string, uploadId: string): Promise<UploadView> {
    return this.locks.run(uploadId, async () => {
      const row = this.own(uploader, uploadId);
      return this.view(row, row.state === 'receiving' ? await this.load(row) : undefined);
    });
  }

  /**
   * One stored chunk, with the SHA-256 its sender computed (RFC 9530
   * Content-Digest). Refused, with nothing stored, unless it matches and can
   * be chunk `index` of this upload. Sending a chunk the node already holds
   * with the same bytes changes nothing.
   */
  async putChunk(uploader: string, uploadId: string, index: number, bytes: Uint8Array, sha256Hex: string): Promise<{ index: number; held: number }> {
    // Hashed before waiting for the upload's turn: chunks of one upload hash in parallel.
    const sha256 = hex(bytes);
    if (sha256 !== sha256Hex) throw nodeError('UPLOAD_CHUNK_DIGEST_MISMATCH', { index });
    return this.locks.run(uploadId, async () => {
      const row = this.own(uploader, uploadId);
      if (row.state !== 'receiving') throw nodeError('UPLOAD_NOT_RECEIVING', { index });
      const held = await this.load(row);
      const existing = held.chunks.get(index);
      if (existing) {
        if (existing.sha256 !== sha256) throw nodeError('UPLOAD_CHUNK_CONFLICT', { index });
        return { index, held: held.chunks.size };
      }
      const chunk = index === 0 ? this.headerChunk(row, bytes, sha256) : this.dataChunk(row, held, index, bytes, sha256);
      if (chunk.offset + chunk.length > row.declaredSize) throw nodeError('UPLOAD_TOO_LARGE', { index, declaredSize: row.declaredSize });
      await this.staging.write(uploadId, chunk, bytes);
      held.chunks.set(index, chunk);
      const sealed = row.header && row.header.chunkSize + GCM_TAG_BYTES;
      if (index > 0 && chunk.length < sealed!) held.last = index;
      const now = this.o.now();
      if (now - held.touchedAt > this.limits.incompleteTtlMs / 2) {
        this.o.rows.touch(uploadId, now + this.limits.incompleteTtlMs);
        held.touchedAt = now;
      }
      return { index, held: held.chunks.size };
    });
  }

  /**
   * Ends an upload of `chunkCount` stored chunks: they must all be held and
   * build `cipherRoot`; then the blob is made durable in the blob store and
   * recorded. Completing again with the same root answers the same.
   */
  async complete(uploader: string, uploadId: string, cipherRoot: string, chunkCount: number): Promise<CompletedUpload> {
    return this.locks.run(uploadId, async () => {
      const row = this.own(uploader, uploadId);
      if (row.state !== 'receiving') {
        if (row.cipherRoot === cipherRoot) return { cipherRoot, storedSize: row.storedSize!, chunkCount };
        throw nodeError('UPLOAD_NOT_RECEIVING', {});
      }
      if (!this.held.has(uploadId) && row.header && !(await this.staging.exists(uploadId))) {
        const placed = await this.placedEarlier(row, cipherRoot);
        if (placed) return placed;
      }
      const held = await this.load(row);
      if (!Number.isSafeInteger(chunkCount) || chunkCount < 2) throw nodeError('UPLOAD_INCOMPLETE', { chunkCount: String(chunkCount) });
      for (let i = 0; i < chunkCount; i++) if (!held.chunks.has(i)) throw nodeError('UPLOAD_INCOMPLETE', { missing: i, chunkCount });
      if (held.chunks.size !== chunkCount || (held.last !== undefined && held.last !== chunkCount - 1)) {
        throw nodeError('UPLOAD_INCOMPLETE', { reason: 'chunks beyond the count', chunkCount });
      }
      const chunks = [...held.chunks.values()].sort((a, b) => a.index - b.index);
      const computed = await cipherRootOfLeafInputs(chunks.map((c) => fromHex(c.sha256)));
      if (computed !== cipherRoot) throw nodeError('UPLOAD_ROOT_MISMATCH', { chunkCount });
      const storedSize = chunks.reduce((n, c) => n + c.length, 0);
      const other = this.o.rows.byRoot(cipherRoot);
      if (other) {
        // The same blob stored already (an earlier upload of the same bytes): it stands; this copy goes.
        await this.staging.remove(uploadId);
        this.forget(row);
        return { cipherRoot, storedSize: other.storedSize!, chunkCount };
      }
      const path = await this.staging.seal(uploadId, storedSize);
      await this.o.blobs.place(cipherRoot, path);
      return this.record(row, { cipherRoot, storedSize, chunkCount }, chunks.map((c) => c.sha256));
    });
  }

  /** Drops an upload still receiving, or a complete one that no record and no admitted transaction names. */
  async cancel(uploader: string, uploadId: string): Promise<void> {
    await this.locks.run(uploadId, async () => {
      const row = this.own(uploader, uploadId);
      if (row.state === 'receiving') {
        await this.staging.remove(uploadId);
        this.forget(row);
        return;
      }
      if (row.state === 'referenced' || this.isReferenced(row) || this.livePins(row, this.o.now())) throw nodeError('UPLOAD_IN_USE', {});
      await this.deleteBlob(row);
    });
  }

  usage(uploader: string): UsageView {
    const u = this.o.rows.usage(uploader);
    return { usedBytes: u.bytes, quotaBytes: this.limits.quotaBytes, receiving: u.receiving, maxReceiving: this.limits.maxReceiving };
  }

  // ---- admission's side -------------------------------------------------------------------------------------

  /** Whether the blob is being deleted (admission then treats it as absent). */
  isExpiring(cipherRoot: string): boolean {
    return this.expiring.has(cipherRoot);
  }

  /**
   * Pins a blob for an admitted AddRecord/AddRecordVersion until its block
   * says: false (the caller refuses the transaction) when its deletion has
   * begun. Synchronous, like the sweep's decision to delete.
   */
  pin(cipherRoot: string, txHash: string): boolean {
    if (this.expiring.has(cipherRoot)) return false;
    // A blob stored without an upload (node.putBlob) never expires: nothing to pin.
    if (this.o.rows.byRoot(cipherRoot)?.state === 'complete') this.o.rows.pin(cipherRoot, txHash, this.o.now());
    return true;
  }

  // ---- expiry ---------------------------------------------------------------------------------------------------

  /**
   * One sweep: resolves pins (a blob a record version names is referenced
   * for good), removes expired incomplete uploads and expired orphans, and
   * staging files no upload row names (left by a crash).
   */
  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { expiredIncomplete: 0, expiredOrphans: 0, referenced: 0, lapsedPins: 0 };
    const now = this.o.now();
    const seen = new Set<string>();
    for (const row of [...this.o.rows.pinned(SWEEP_BATCH), ...this.o.rows.due(now, SWEEP_BATCH)]) {
      if (seen.has(row.uploadId)) continue;
      seen.add(row.uploadId);
      await this.locks.run(row.uploadId, () => this.resolve(row.uploadId, now, result));
    }
    const rows = this.o.rows.ids();
    for (const id of await this.staging.list()) if (!rows.has(id) && !this.locks.busy(id)) await this.staging.remove(id);
    return result;
  }

  private async resolve(uploadId: string, now: number, result: SweepResult): Promise<void> {
    const row = this.o.rows.get(uploadId);
    if (!row) return;
    if (row.state === 'receiving') {
      if (row.expiresAt === undefined || row.expiresAt > now) return;
      await this.staging.remove(uploadId);
      this.forget(row);
      result.expiredIncomplete++;
      return;
    }
    if (row.state !== 'complete') return;
    if (this.isReferenced(row)) {
      this.o.rows.reference(row);
      result.referenced++;
      return;
    }
    const live = this.livePins(row, now, result);
    if (live || row.expiresAt === undefined || row.expiresAt > now) return;
    // Decided and marked in this synchronous step: from here no pin can take the blob.
    this.expiring.add(row.cipherRoot!);
    try {
      await this.deleteBlob(row);
      result.expiredOrphans++;
    } finally {
      this.expiring.delete(row.cipherRoot!);
    }
  }

  /** Whether a pin still stands; lapsed ones (their transaction logged, or past the grace) are dropped. */
  private livePins(row: UploadRow, now: number, result?: SweepResult): boolean {
    let live = false;
    for (const pin of this.o.rows.pins(row.cipherRoot!)) {
      if (this.o.ledger.outcomeOf(pin.txHash) !== undefined || pin.pinnedAt + this.limits.pinGraceMs <= now) {
        this.o.rows.unpin(row.cipherRoot!, pin.txHash);
        if (result) result.lapsedPins++;
      } else {
        live = true;
      }
    }
    return live;
  }

  private isReferenced(row: UploadRow): boolean {
    return row.header !== undefined && row.cipherRoot !== undefined && this.o.ledger.versionRoot(row.header.recordId, row.header.version) === row.cipherRoot;
  }

  /** The blob's ledger row first, then its file, then the upload row: a crash between leaves an orphan file (listed by verify), never a row without its file. */
  private async deleteBlob(row: UploadRow): Promise<void> {
    await this.o.ledger.deleteBlob(row.cipherRoot!);
    await this.o.blobs.delete(row.cipherRoot!);
    this.forget(row);
  }

  /** Closes the staging files kept open between chunks (the node is closing). */
  close(): Promise<void> {
    return this.staging.releaseAll();
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  /** The uploader's own upload; another user's looks exactly like a missing one. */
  private own(uploader: string, uploadId: string): UploadRow {
    const row = this.o.rows.get(uploadId);
    if (!row || row.uploader !== uploader) throw nodeError('UPLOAD_NOT_FOUND', {});
    return row;
  }

  private forget(row: UploadRow): void {
    this.o.rows.remove(row);
    this.held.delete(row.uploadId);
  }

  private headerChunk(row: UploadRow, bytes: Uint8Array, sha256: string): StagedChunk {
    if (bytes.length > MAX_HEADER_BYTES) throw nodeError('UPLOAD_CHUNK_INVALID', { index: 0, reason: 'header length' });
    let header;
    try {
      header = parseEnvelopeHeader(bytes);
    } catch {
      throw nodeError('UPLOAD_CHUNK_INVALID', { index: 0, reason: 'not an envelope header' });
    }
    if (header.chain !== this.o.ledger.chainId) throw nodeError('UPLOAD_CHUNK_INVALID', { index: 0, reason: 'another chain' });
    if (header.chunkSize > this.o.ledger.chunkSizeMax) throw nodeError('UPLOAD_CHUNK_INVALID', { index: 0, reason: 'chunkSize', chunkSizeMax: this.o.ledger.chunkSizeMax });
    const facts = { recordId: header.recordId, version: header.version, chunkSize: header.chunkSize, headerBytes: bytes.length };
    const known = row.header;
    if (known) {
      // The row kept the header's facts, but a crash lost its bytes: only the same header may come again.
      if (known.recordId !== facts.recordId || known.version !== facts.version || known.chunkSize !== facts.chunkSize || known.headerBytes !== facts.headerBytes) {
        throw nodeError('UPLOAD_CHUNK_CONFLICT', { index: 0 });
      }
    } else {
      this.o.rows.setHeader(row.uploadId, facts);
      (row as { header?: UploadRow['header'] }).header = facts;
    }
    return { index: 0, offset: 0, length: bytes.length, sha256 };
  }

  private dataChunk(row: UploadRow, held: Held, index: number, bytes: Uint8Array, sha256: string): StagedChunk {
    if (!Number.isSafeInteger(index) || index < 1) throw nodeError('UPLOAD_CHUNK_INVALID', { index: String(index), reason: 'index' });
    const header = row.header;
    if (!header || !held.chunks.has(0)) throw nodeError('UPLOAD_CHUNK_OUT_OF_ORDER', { index, reason: 'the header chunk comes first' });
    const sealed = header.chunkSize + GCM_TAG_BYTES;
    // Every data chunk seals at least one byte; all but the last are exactly chunkSize + 16 bytes (formats §4).
    if (bytes.length <= GCM_TAG_BYTES || bytes.length > sealed) throw nodeError('UPLOAD_CHUNK_INVALID', { index, reason: 'size', sealedChunkBytes: sealed });
    const highest = Math.max(...held.chunks.keys());
    if (held.last !== undefined && index > held.last) throw nodeError('UPLOAD_CHUNK_OUT_OF_ORDER', { index, reason: 'after the last chunk', last: held.last });
    if (bytes.length < sealed && highest > index) throw nodeError('UPLOAD_CHUNK_OUT_OF_ORDER', { index, reason: 'a short chunk before others', highest });
    return { index, offset: header.headerBytes + (index - 1) * sealed, length: bytes.length, sha256 };
  }

  /** The chunks held for a receiving upload: from memory, or re-read from the staging area (after a restart). */
  private async load(row: UploadRow): Promise<Held> {
    const cached = this.held.get(row.uploadId);
    if (cached) return cached;
    let chunks = await this.staging.recover(row.uploadId);
    if (!chunks) {
      // The staging file is gone (removed by hand, a lost disk): nothing is held; start the file again.
      await this.staging.remove(row.uploadId);
      await this.staging.create(row.uploadId);
      chunks = new Map();
    }
    const held: Held = { chunks, touchedAt: this.o.now() };
    if (row.header) {
      const sealed = row.header.chunkSize + GCM_TAG_BYTES;
      for (const c of chunks.values()) if (c.index > 0 && c.length < sealed) held.last = c.index;
    } else {
      chunks.clear();
    }
    this.held.set(row.uploadId, held);
    return held;
  }

  /**
   * A completion interrupted after the rename (the staged file is in the
   * blob store, its rows not yet written): the stored file is re-verified
   * against its own chunks and recorded.
   */
  private async placedEarlier(row: UploadRow, cipherRoot: string): Promise<CompletedUpload | undefined> {
    if (!(await this.o.blobs.has(cipherRoot))) return undefined;
    const summary = await this.o.blobs.verify(cipherRoot);
    if (summary.header.recordId !== row.header!.recordId || summary.header.version !== row.header!.version) return undefined;
    return this.record(row, { cipherRoot, storedSize: summary.storedSize, chunkCount: summary.chunkCount }, summary.chunkHashes);
  }

  private async record(row: UploadRow, done: CompletedUpload, chunkHashes: string[]): Promise<CompletedUpload> {
    await this.o.ledger.putBlob({ cipherRoot: done.cipherRoot, storedSize: done.storedSize, chunkSize: row.header!.chunkSize, chunkHashes });
    this.o.rows.complete(row.uploadId, done.storedSize, done.cipherRoot, this.o.now() + this.limits.orphanTtlMs);
    await this.staging.remove(row.uploadId);
    this.held.delete(row.uploadId);
    return done;
  }

  private view(row: UploadRow, held: Held | undefined): UploadView {
    const chunks = held ? [...held.chunks.values()].sort((a, b) => a.index - b.index).map((c) => ({ index: c.index, sha256: c.sha256 })) : [];
    return {
      uploadId: row.uploadId, state: row.state, declaredSize: row.declaredSize, createdAt: row.createdAt, chunks,
      ...(row.storedSize !== undefined ? { storedSize: row.storedSize } : {}),
      ...(row.cipherRoot !== undefined ? { cipherRoot: row.cipherRoot } : {}),
      ...(row.expiresAt !== undefined ? { expiresAt: row.expiresAt } : {}),
    };
  }
}
