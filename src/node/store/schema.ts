/**
 * The node's SQLite database (DESIGN §8): `node:sqlite`, WAL, synchronous=FULL,
 * so a committed block survives power loss. One durable transaction per block.
 * The schema's only text: the ledger store and verify's scratch replay (a
 * second store) both create their tables from here.
 */
import { DatabaseSync } from 'node:sqlite';

/** 2: blocks carry the ordering position of the last batch they complete (`order_position`). */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  time INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  entry_count INTEGER NOT NULL,
  header TEXT NOT NULL,
  -- The orderer's position of the last batch this block completes: where the node resumes (node-local, not signed).
  order_position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  seq INTEGER PRIMARY KEY,
  height INTEGER NOT NULL,
  tx_hash TEXT NOT NULL UNIQUE,
  outcome TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  header TEXT NOT NULL,
  sig TEXT NOT NULL
);
-- A block's entries are the seq range [first_seq, first_seq + entry_count): no index by height is kept.
DROP INDEX IF EXISTS entries_by_height;
CREATE TABLE IF NOT EXISTS bodies (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_writes (height INTEGER NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY (height, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attestations (height INTEGER NOT NULL, node_id TEXT NOT NULL, attestation TEXT NOT NULL, PRIMARY KEY (height, node_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit (subject TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (subject, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS directory (
  patient TEXT NOT NULL,
  chart_index INTEGER NOT NULL,
  record_id TEXT NOT NULL UNIQUE,
  listed INTEGER NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (patient, chart_index)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
  cipher_root TEXT PRIMARY KEY,
  stored_size INTEGER NOT NULL,
  chunk_size INTEGER NOT NULL,
  chunk_hashes BLOB NOT NULL
) WITHOUT ROWID;
`;

export const SCHEMA_SQL = SCHEMA;

export function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec(SCHEMA);
  migrate(db);
  return db;
}

/** Brings a data directory of an older schema up to SCHEMA_VERSION, in one transaction. */
function migrate(db: DatabaseSync): void {
  const version = (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value;
  if (version !== '1') return;
  inTransaction(db, () => {
    // Schema 1 had no ordering positions: solo's were in memory only, so every block resumes after position 0.
    db.exec('ALTER TABLE blocks ADD COLUMN order_position INTEGER NOT NULL DEFAULT 0');
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(String(SCHEMA_VERSION));
  });
}

/** Runs `fn` in one transaction: all of it commits, or none of it. */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
