/**
 * The derived tables (DESIGN §8): the state, the Merkle nodes, the audit and
 * directory indexes — everything the log implies and a replay recomputes. As
 * typed row streams in key order they are what `verify` compares between a
 * data directory and its scratch replay (a second instance of the same
 * tables, scratch-store.ts), and what a rebuild copies from the one into the
 * other.
 */
import { DatabaseSync } from 'node:sqlite';
import type { AuditRow, DirectoryRow } from '../derived-rows.ts';
import { inTransaction } from './schema.ts';
import { WRITE } from './sqlite-ledger-store.ts';
import { MERKLE_NODE_INSERT } from './sqlite-stores.ts';

/** A `state` row: the key and its value's canonical JSON text (stored canonical, so equal values are equal bytes). */
export interface StateRow {
  readonly key: string;
  readonly value: string;
}

/** A `merkle_nodes` row: the node at (level, idx) of the log's tree. */
export interface MerkleNodeRow {
  readonly level: number;
  readonly idx: number;
  readonly hash: Uint8Array;
}

/** The derived tables of one database, each streamed in its key order. */
export interface DerivedTables {
  /** By key, in UTF-8 byte order (SQLite's BINARY collation: the order DESIGN §13 sorts state keys in). */
  stateRows(): Iterable<StateRow>;
  /** By (level, idx). */
  merkleNodeRows(): Iterable<MerkleNodeRow>;
  /** By (subject, seq). */
  auditRows(): Iterable<AuditRow>;
  /** By (patient, chart_index). */
  directoryRows(): Iterable<DirectoryRow>;
}

const SCAN = Object.freeze({
  state: 'SELECT key, value FROM state ORDER BY key',
  merkleNodes: 'SELECT level, idx, hash FROM merkle_nodes ORDER BY level, idx',
  audit: 'SELECT subject, seq FROM audit ORDER BY subject, seq',
  directory: 'SELECT patient, chart_index, record_id, listed, entry FROM directory ORDER BY patient, chart_index',
});

/**
 * The derived tables of a SQLite connection. Each call prepares its own
 * statement: two streams of one table may be open at once.
 */
export class SqliteDerivedTables implements DerivedTables {
  constructor(protected readonly db: DatabaseSync) {}

  stateRows(): Iterable<StateRow> {
    return this.db.prepare(SCAN.state).iterate() as Iterable<StateRow>;
  }

  merkleNodeRows(): Iterable<MerkleNodeRow> {
    return this.db.prepare(SCAN.merkleNodes).iterate() as Iterable<MerkleNodeRow>;
  }

  *auditRows(): Generator<AuditRow> {
    for (const r of this.db.prepare(SCAN.audit).iterate() as Iterable<{ subject: string; seq: number }>) yield [r.subject, r.seq];
  }

  directoryRows(): Iterable<DirectoryRow> {
    return this.db.prepare(SCAN.directory).iterate() as Iterable<DirectoryRow>;
  }
}

/**
 * Replaces the derived tables of the ledger database at `file` with the rows
 * of `from` (a scratch replay), in one transaction: all of them or none. The
 * caller has checked the log `from` was replayed from (`admin rebuild-state`).
 */
export function replaceDerivedTables(file: string, from: DerivedTables): void {
  const db = new DatabaseSync(file);
  try {
    inTransaction(db, () => {
      db.exec('DELETE FROM state; DELETE FROM audit; DELETE FROM merkle_nodes; DELETE FROM directory;');
      const state = db.prepare(WRITE.upsertState);
      for (const r of from.stateRows()) state.run(r.key, r.value);
      const audit = db.prepare(WRITE.audit);
      for (const [subject, seq] of from.auditRows()) audit.run(subject, seq);
      const node = db.prepare(MERKLE_NODE_INSERT);
      for (const r of from.merkleNodeRows()) node.run(r.level, r.idx, r.hash);
      const directory = db.prepare(WRITE.directoryPut);
      for (const r of from.directoryRows()) directory.run(r.patient, r.chart_index, r.record_id, r.listed, r.entry);
    });
  } finally {
    db.close();
  }
}
