/**
 * The node's SQLite database (DESIGN §8): `node:sqlite`, WAL, synchronous=FULL,
 * so a committed block survives power loss. One durable transaction per block.
 * The schema's only text: the ledger store and verify's scratch replay (a
 * second store) both create their tables from here.
 */
import { DatabaseSync } from 'node:sqlite';
import { isDhlError } from '../../crypto/index.ts';
import { nodeError } from '../errors.ts';

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
-- The refused entries, for the admin's view of refused actions (read-facade refusals): a partial index, small while refusals are few.
CREATE INDEX IF NOT EXISTS entries_refused ON entries (seq) WHERE outcome <> 'OK';
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

/**
 * Tables only verify's scratch replay has, beside the store's own: the blobs
 * the replayed state's record versions name, to list the uploads none names.
 */
export const SCRATCH_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS blob_refs (cipher_root TEXT PRIMARY KEY) WITHOUT ROWID;
`;

export function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  // Check each b-tree cell's size as its page is read: a damaged page is
  // refused (SQLITE_CORRUPT) at the first read rather than used, and written
  // around, by the next block.
  db.exec('PRAGMA cell_size_check = ON');
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

/** SQLite's primary result codes for a damaged file: SQLITE_CORRUPT (and its extended codes), SQLITE_NOTADB. */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/** Whether `err` is SQLite saying the file is damaged ("database disk image is malformed", "file is not a database"). */
export function isCorruption(err: unknown): boolean {
  const errcode = typeof err === 'object' && err !== null ? (err as { errcode?: unknown }).errcode : undefined;
  return typeof errcode === 'number' && ((errcode & 0xff) === SQLITE_CORRUPT || (errcode & 0xff) === SQLITE_NOTADB);
}

/**
 * The typed error for a damaged database file, naming it; any other error
 * unchanged. Every entry point that runs statements passes its errors
 * through this, so "database disk image is malformed" never surfaces raw.
 */
export function storageError(err: unknown, file: string): unknown {
  if (isDhlError(err) || !isCorruption(err)) return err;
  return nodeError('NODE_DATABASE_CORRUPT', { file, reason: String((err as { errstr?: unknown }).errstr ?? 'corrupt') }, err);
}

/** Runs `fn`, turning a corruption error from any statement in it into NODE_DATABASE_CORRUPT naming `file`. */
export async function guardStorage<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw storageError(err, file);
  }
}

/**
 * SQLite's own check of the file's structure (b-trees, free list, every
 * index against its table). `tables` limits it to those tables and their
 * indexes (the bounded check at open); without, it reads the whole file.
 * The first problem SQLite reports is named (page and index names, never
 * row contents): NODE_DATABASE_CORRUPT.
 */
export function checkIntegrity(db: DatabaseSync, file: string, tables?: readonly string[]): void {
  const problems: string[] = [];
  try {
    for (const table of tables ?? [undefined]) {
      const sql = table === undefined ? 'PRAGMA integrity_check(1)' : `PRAGMA integrity_check("${table.replace(/"/g, '""')}")`;
      for (const row of db.prepare(sql).all() as { integrity_check: string }[]) if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
      if (problems.length > 0) break;
    }
  } catch (err) {
    throw storageError(err, file);
  }
  if (problems.length > 0) throw nodeError('NODE_DATABASE_CORRUPT', { file, reason: problems[0]!.slice(0, 200) });
}

/**
 * Below this size the open check is SQLite's full integrity check: measured
 * at ~2.2 s per GiB here (1 M entries, 3.4 GiB: 7.7 s, page cache warm), so
 * 64 MiB costs ~0.15 s. Above it a full check on every start would be a full
 * read of the file (10 M entries: ~75 s warm); `verify` runs that one.
 */
export const OPEN_FULL_CHECK_MAX_BYTES = 64 * 2 ** 20;
/** Rows read from the end of each table and index by the bounded check: where the next blocks write. */
const OPEN_TAIL_ROWS = 64;

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The check a node runs when it opens its database. A small file gets
 * SQLite's full integrity check. A large one gets a bounded probe, its cost
 * independent of the file's size: the tail (last OPEN_TAIL_ROWS rows by key)
 * of every table and every index is read, with cell_size_check on, and each
 * tail row of a table is found again through each of its indexes, so damage
 * where the node is about to write is found before it writes. Damage
 * elsewhere is found by the first statement that reads it (a typed
 * NODE_DATABASE_CORRUPT) and by `verify`'s full check.
 */
export function checkAtOpen(db: DatabaseSync, file: string, options: { fullCheckMaxBytes?: number } = {}): 'full' | 'tail' {
  let size: number;
  try {
    size = (db.prepare('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()').get() as { n: number }).n;
  } catch (err) {
    throw storageError(err, file);
  }
  if (size <= (options.fullCheckMaxBytes ?? OPEN_FULL_CHECK_MAX_BYTES)) {
    checkIntegrity(db, file);
    return 'full';
  }
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    for (const table of tables) probeTail(db, file, table);
  } catch (err) {
    throw storageError(err, file);
  }
  return 'tail';
}

function probeTail(db: DatabaseSync, file: string, table: string): void {
  const columns = db.prepare(`SELECT name, pk FROM pragma_table_info(?) ORDER BY pk`).all(table) as { name: string; pk: number }[];
  const pk = columns.filter((c) => c.pk > 0).map((c) => quoted(c.name));
  const order = (pk.length > 0 ? pk : ['rowid']).map((c) => `${c} DESC`).join(', ');
  // A partial index (entries_refused) holds only the rows its condition picks, so a tail row need not be in it: its pages are read by the full check.
  const indexes = (db.prepare('SELECT name FROM pragma_index_list(?) WHERE origin != ? AND partial = 0').all(table, 'pk') as { name: string }[]).map((r) => r.name);
  const tail = db.prepare(`SELECT * FROM ${quoted(table)} ORDER BY ${order} LIMIT ${OPEN_TAIL_ROWS}`).all() as Record<string, unknown>[];
  for (const index of indexes) {
    const cols = (db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(index) as { name: string | null }[]).map((r) => r.name);
    // An index on an expression has no plain column to look a row up by: its pages are still read below.
    if (cols.some((c) => c === null)) continue;
    const using = `${quoted(table)} INDEXED BY ${quoted(index)}`;
    db.prepare(`SELECT ${cols.map((c) => quoted(c!)).join(', ')} FROM ${using} ORDER BY ${cols.map((c) => `${quoted(c!)} DESC`).join(', ')} LIMIT ${OPEN_TAIL_ROWS}`).all();
    const find = db.prepare(`SELECT 1 FROM ${using} WHERE ${cols.map((c) => `${quoted(c!)} IS ?`).join(' AND ')} LIMIT 1`);
    for (const row of tail) {
      if (find.get(...cols.map((c) => row[c!] as never)) === undefined) {
        throw nodeError('NODE_DATABASE_CORRUPT', { file, reason: `a row of ${table} is missing from index ${index}` });
      }
    }
  }
}
