/**
 * The bookkeeping of uploads (DESIGN §8), node-private, in accounts.sqlite
 * beside the sessions: who uploaded which blob (blob rows in ledger.sqlite
 * have no owner, and `verify` checks that table), how many bytes each user
 * holds or has reserved (the quota), when an incomplete or orphan upload
 * expires, and which admitted transactions pin a blob until their block.
 * Every statement on these tables is here; `node/uploads.ts` decides.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { inTransaction } from './schema.ts';

export const UPLOAD_SCHEMA = `
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  uploader TEXT NOT NULL,
  -- receiving: chunks arriving; complete: the blob is stored, no record names it yet; referenced: a record version names it
  state TEXT NOT NULL CHECK (state IN ('receiving', 'complete', 'referenced')),
  declared_size INTEGER NOT NULL,
  stored_size INTEGER,
  cipher_root TEXT UNIQUE,
  record_id TEXT,
  version INTEGER,
  chunk_size INTEGER,
  header_bytes INTEGER,
  created_at INTEGER NOT NULL,
  -- null once referenced: a record's blob stays until the record is erased
  expires_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_by_uploader ON uploads (uploader, state);
CREATE INDEX IF NOT EXISTS uploads_by_expiry ON uploads (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS upload_pins (
  cipher_root TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  pinned_at INTEGER NOT NULL,
  PRIMARY KEY (cipher_root, tx_hash)
) WITHOUT ROWID;
`;

export type UploadState = 'receiving' | 'complete' | 'referenced';

export interface UploadRow {
  uploadId: string;
  uploader: string;
  state: UploadState;
  /** The most stored bytes the uploader announced: reserved against the quota while receiving. */
  declaredSize: number;
  storedSize?: number;
  cipherRoot?: string;
  /** From the header chunk, once it arrived: the record version the blob is for, and the layout of its chunks. */
  header?: { recordId: string; version: number; chunkSize: number; headerBytes: number };
  createdAt: number;
  expiresAt?: number;
}

interface Raw {
  upload_id: string;
  uploader: string;
  state: UploadState;
  declared_size: number;
  stored_size: number | null;
  cipher_root: string | null;
  record_id: string | null;
  version: number | null;
  chunk_size: number | null;
  header_bytes: number | null;
  created_at: number;
  expires_at: number | null;
}

const COLUMNS = 'upload_id, uploader, state, declared_size, stored_size, cipher_root, record_id, version, chunk_size, header_bytes, created_at, expires_at';

function rowOf(r: Raw): UploadRow {
  return {
    uploadId: r.upload_id, uploader: r.uploader, state: r.state, declaredSize: r.declared_size, createdAt: r.created_at,
    ...(r.stored_size === null ? {} : { storedSize: r.stored_size }),
    ...(r.cipher_root === null ? {} : { cipherRoot: r.cipher_root }),
    ...(r.record_id === null ? {} : { header: { recordId: r.record_id, version: r.version!, chunkSize: r.chunk_size!, headerBytes: r.header_bytes! } }),
    ...(r.expires_at === null ? {} : { expiresAt: r.expires_at }),
  };
}

export class UploadRows {
  private readonly stmt: Record<string, StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    this.stmt = {
      insert: db.prepare('INSERT INTO uploads (upload_id, uploader, state, declared_size, created_at, expires_at) VALUES (?, ?, \'receiving\', ?, ?, ?)'),
      byId: db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE upload_id = ?`),
      byRoot: db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE cipher_root = ?`),
      setHeader: db.prepare('UPDATE uploads SET record_id = ?, version = ?, chunk_size = ?, header_bytes = ? WHERE upload_id = ? AND record_id IS NULL'),
      touch: db.prepare("UPDATE uploads SET expires_at = ? WHERE upload_id = ? AND state = 'receiving'"),
      complete: db.prepare("UPDATE uploads SET state = 'complete', stored_size = ?, cipher_root = ?, expires_at = ? WHERE upload_id = ? AND state = 'receiving'"),
      reference: db.prepare("UPDATE uploads SET state = 'referenced', expires_at = NULL WHERE upload_id = ?"),
      remove: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
      usage: db.prepare(
        "SELECT COALESCE(SUM(CASE state WHEN 'receiving' THEN declared_size ELSE stored_size END), 0) AS bytes, COALESCE(SUM(state = 'receiving'), 0) AS receiving FROM uploads WHERE uploader = ?",
      ),
      due: db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`),
      pinned: db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE state = 'complete' AND cipher_root IN (SELECT DISTINCT cipher_root FROM upload_pins) LIMIT ?`),
      allIds: db.prepare('SELECT upload_id FROM uploads'),
      pin: db.prepare('INSERT OR IGNORE INTO upload_pins (cipher_root, tx_hash, pinned_at) VALUES (?, ?, ?)'),
      pins: db.prepare('SELECT tx_hash, pinned_at FROM upload_pins WHERE cipher_root = ?'),
      unpin: db.prepare('DELETE FROM upload_pins WHERE cipher_root = ? AND tx_hash = ?'),
      unpinAll: db.prepare('DELETE FROM upload_pins WHERE cipher_root = ?'),
    };
  }

  insert(uploadId: string, uploader: string, declaredSize: number, now: number, expiresAt: number): void {
    this.stmt.insert!.run(uploadId, uploader, declaredSize, now, expiresAt);
  }

  get(uploadId: string): UploadRow | undefined {
    const r = this.stmt.byId!.get(uploadId) as Raw | undefined;
    return r && rowOf(r);
  }

  byRoot(cipherRoot: string): UploadRow | undefined {
    const r = this.stmt.byRoot!.get(cipherRoot) as Raw | undefined;
    return r && rowOf(r);
  }

  /** Records the header chunk's facts, once: false when the upload already has them. */
  setHeader(uploadId: string, h: NonNullable<UploadRow['header']>): boolean {
    return this.stmt.setHeader!.run(h.recordId, h.version, h.chunkSize, h.headerBytes, uploadId).changes === 1;
  }

  /** Pushes a receiving upload's expiry out (a chunk arrived). */
  touch(uploadId: string, expiresAt: number): void {
    this.stmt.touch!.run(expiresAt, uploadId);
  }

  complete(uploadId: string, storedSize: number, cipherRoot: string, expiresAt: number): boolean {
    return this.stmt.complete!.run(storedSize, cipherRoot, expiresAt, uploadId).changes === 1;
  }

  /** A record version names the blob: it no longer expires, and its pins are done. */
  reference(upload: UploadRow): void {
    inTransaction(this.db, () => {
      this.stmt.reference!.run(upload.uploadId);
      if (upload.cipherRoot) this.stmt.unpinAll!.run(upload.cipherRoot);
    });
  }

  remove(upload: UploadRow): void {
    inTransaction(this.db, () => {
      this.stmt.remove!.run(upload.uploadId);
      if (upload.cipherRoot) this.stmt.unpinAll!.run(upload.cipherRoot);
    });
  }

  /** Bytes a user holds or has reserved (receiving: declared; otherwise stored), and their uploads still receiving. */
  usage(uploader: string): { bytes: number; receiving: number } {
    const r = this.stmt.usage!.get(uploader) as { bytes: number; receiving: number };
    return { bytes: Number(r.bytes), receiving: Number(r.receiving) };
  }

  /** Uploads whose expiry has come, oldest first. */
  due(now: number, limit: number): UploadRow[] {
    return (this.stmt.due!.all(now, limit) as unknown as Raw[]).map(rowOf);
  }

  /** Complete uploads some transaction pins (resolved by the sweep even before they expire). */
  pinned(limit: number): UploadRow[] {
    return (this.stmt.pinned!.all(limit) as unknown as Raw[]).map(rowOf);
  }

  ids(): Set<string> {
    return new Set((this.stmt.allIds!.all() as { upload_id: string }[]).map((r) => r.upload_id));
  }

  pin(cipherRoot: string, txHash: string, now: number): void {
    this.stmt.pin!.run(cipherRoot, txHash, now);
  }

  pins(cipherRoot: string): { txHash: string; pinnedAt: number }[] {
    return (this.stmt.pins!.all(cipherRoot) as { tx_hash: string; pinned_at: number }[]).map((p) => ({ txHash: p.tx_hash, pinnedAt: p.pinned_at }));
  }

  unpin(cipherRoot: string, txHash: string): void {
    this.stmt.unpin!.run(cipherRoot, txHash);
  }
}
