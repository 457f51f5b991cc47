/**
 * Where `verify` keeps what a replay implies: a second instance of the ledger
 * store's tables (created from schema.ts's text, as a data directory's are)
 * in a temporary directory, not memory. At the scale DESIGN §10 sets (10 M
 * entries) the state alone is ~8 GB of JSON on disk and the Merkle log 20 M
 * nodes: held as JavaScript objects they would not fit in this machine's
 * memory. Its derived tables are compared with the data directory's in key
 * order, row by row, so memory stays flat in chain length. Nothing here is
 * durable: the scratch directory is removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { assertStateWrite, type Json, type StateView } from '../../contract/index.ts';
import type { StateWrite } from '../../ledger/index.ts';
import { canonicalJson } from '../../crypto/index.ts';
import type { AuditRow, DirectoryRow } from '../derived-rows.ts';
import { SCHEMA_SQL, SCRATCH_SCHEMA_SQL } from './schema.ts';
import { WRITE } from './sqlite-ledger-store.ts';
import { SqliteMerkleStore, SqliteStateView } from './sqlite-stores.ts';
import { SqliteDerivedTables, type StateRow } from './derived-tables.ts';

/** The replayed state: read by the contract through a cache, written once per block. */
export class ScratchState implements StateView {
  private readonly view: SqliteStateView;
  private readonly upsert: StatementSync;
  private readonly remove: StatementSync;
  private readonly count: StatementSync;
  private readonly range: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.view = new SqliteStateView(db, { cacheGeneration: 65_536 });
    this.upsert = db.prepare(WRITE.upsertState);
    this.remove = db.prepare(WRITE.deleteState);
    this.count = db.prepare('SELECT COUNT(*) AS n FROM state');
    // SQLite's BINARY collation compares UTF-8 bytes: the order DESIGN §13 sorts state keys in.
    this.range = db.prepare('SELECT key, value FROM state WHERE key >= ? AND key < ? ORDER BY key');
  }

  get(key: string): Json | undefined {
    return this.view.get(key);
  }

  /** Applies one block's writes (validated as MemoryStateView validates them) in one transaction. */
  apply(writes: Iterable<StateWrite | readonly [string, Json | null]>): void {
    const rows = [...writes].map(([key, value]) => {
      assertStateWrite(key, value);
      // Canonical, as the node stores it: verify compares the two tables' bytes.
      return [key, value === null ? null : canonicalJson(value)] as const;
    });
    this.db.exec('BEGIN');
    for (const [key, text] of rows) {
      if (text === null) this.remove.run(key);
      else this.upsert.run(key, text);
    }
    this.db.exec('COMMIT');
    for (const [key, text] of rows) this.view.committed(key, text);
  }

  get size(): number {
    return (this.count.get() as { n: number }).n;
  }

  /** Every entry whose key starts with `prefix` (non-empty), as [key, value], in key order, streamed. */
  *entries(prefix: string): Generator<[string, Json]> {
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    for (const r of this.range.iterate(prefix, end) as Iterable<StateRow>) yield [r.key, JSON.parse(r.value) as Json];
  }
}

export class ScratchStore extends SqliteDerivedTables {
  readonly state: ScratchState;
  /** The Merkle nodes the replayed log implies. */
  readonly nodes: SqliteMerkleStore;
  /** The scratch database file (removed on close). */
  readonly file: string;
  private readonly insert: Record<'audit' | 'directory' | 'blobRef', StatementSync>;
  private readonly dir: string;

  constructor(parent = tmpdir()) {
    const dir = mkdtempSync(join(parent, 'dhl-verify-'));
    const file = join(dir, 'replay.sqlite');
    super(new DatabaseSync(file));
    this.dir = dir;
    this.file = file;
    // Scratch: nothing to keep if the process dies.
    this.db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;');
    this.db.exec(SCHEMA_SQL);
    this.db.exec(SCRATCH_SCHEMA_SQL);
    this.state = new ScratchState(this.db);
    this.nodes = new SqliteMerkleStore(this.db);
    this.insert = {
      audit: this.db.prepare(WRITE.audit),
      directory: this.db.prepare(WRITE.directoryPut),
      blobRef: this.db.prepare('INSERT OR IGNORE INTO blob_refs (cipher_root) VALUES (?)'),
    };
  }

  addAudit(rows: Iterable<AuditRow>): void {
    for (const [subject, seq] of rows) this.insert.audit.run(subject, seq);
  }

  addDirectoryRows(rows: Iterable<DirectoryRow>): void {
    for (const r of rows) this.insert.directory.run(r.patient, r.chart_index, r.record_id, r.listed, r.entry);
  }

  /** Notes that the replayed state names the blob `cipherRoot`. */
  addBlobRef(cipherRoot: string): void {
    this.insert.blobRef.run(cipherRoot);
  }

  /** The blobs noted by `addBlobRef`, each once, in order. */
  *blobRefs(): Generator<string> {
    for (const r of this.db.prepare('SELECT cipher_root FROM blob_refs ORDER BY cipher_root').iterate() as Iterable<{ cipher_root: string }>) yield r.cipher_root;
  }

  /** Runs `fn` in one scratch transaction (per block: far fewer syncs of the page cache). */
  batch<T>(fn: () => T): T {
    this.db.exec('BEGIN');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
