/**
 * Where `verify` keeps what a replay implies: a scratch SQLite database in a
 * temporary directory, not memory. At the scale DESIGN §10 sets (10 M
 * entries) the state alone is ~8 GB of JSON on disk and the Merkle log 20 M
 * nodes: held as JavaScript objects they would not fit in this machine's
 * memory. Tables are compared with the data directory's in key order, row by
 * row, so memory stays flat in chain length. Nothing here is durable: the
 * scratch directory is removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { assertStateWrite, type Json, type StateView } from '../contract/index.ts';
import type { StateWrite } from '../ledger/index.ts';
import { canonicalJson } from '../crypto/index.ts';
import { SqliteMerkleStore, SqliteStateView } from './store/index.ts';
import type { DirectoryRow } from './derived-rows.ts';

const SCHEMA = `
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE audit (subject TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (subject, seq)) WITHOUT ROWID;
CREATE TABLE directory (patient TEXT NOT NULL, chart_index INTEGER NOT NULL, record_id TEXT NOT NULL, listed INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (patient, chart_index)) WITHOUT ROWID;
`;

/** The replayed state: read by the contract through a cache, written once per block. */
export class ScratchState implements StateView {
  private readonly view: SqliteStateView;
  private readonly upsert: StatementSync;
  private readonly remove: StatementSync;
  private readonly count: StatementSync;
  private readonly scan: StatementSync;
  private readonly range: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.view = new SqliteStateView(db, { cacheGeneration: 65_536 });
    this.upsert = db.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.remove = db.prepare('DELETE FROM state WHERE key = ?');
    this.count = db.prepare('SELECT COUNT(*) AS n FROM state');
    // SQLite's BINARY collation compares UTF-8 bytes: the order DESIGN §13 sorts state keys in.
    this.scan = db.prepare('SELECT key, value FROM state ORDER BY key');
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

  /** Every entry as [key, JSON text], in key order, streamed. */
  rows(prefix?: string): Iterable<{ key: string; value: string }> {
    const rows = prefix === undefined ? this.scan.iterate() : this.range.iterate(prefix, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));
    return rows as Iterable<{ key: string; value: string }>;
  }

  /** Every entry as [key, value], in key order, streamed. */
  *entries(prefix?: string): Generator<[string, Json]> {
    for (const r of this.rows(prefix)) yield [r.key, JSON.parse(r.value) as Json];
  }
}

export class ReplayScratch {
  readonly db: DatabaseSync;
  readonly state: ScratchState;
  /** The Merkle nodes the replayed log implies. */
  readonly nodes: SqliteMerkleStore;
  private readonly insertAudit: StatementSync;
  private readonly insertDirectory: StatementSync;
  private readonly dir: string;

  constructor(parent = tmpdir()) {
    this.dir = mkdtempSync(join(parent, 'dhl-verify-'));
    this.db = new DatabaseSync(join(this.dir, 'replay.sqlite'));
    // Scratch: nothing to keep if the process dies.
    this.db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;');
    this.db.exec(SCHEMA);
    this.state = new ScratchState(this.db);
    this.nodes = new SqliteMerkleStore(this.db);
    this.insertAudit = this.db.prepare('INSERT OR IGNORE INTO audit (subject, seq) VALUES (?, ?)');
    this.insertDirectory = this.db.prepare('INSERT INTO directory (patient, chart_index, record_id, listed, entry) VALUES (?, ?, ?, ?, ?)');
  }

  addAudit(subject: string, seq: number): void {
    this.insertAudit.run(subject, seq);
  }

  addDirectoryRow(r: DirectoryRow): void {
    this.insertDirectory.run(r.patient, r.chart_index, r.record_id, r.listed, r.entry);
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
