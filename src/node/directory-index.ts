/**
 * The directory index: one row per record, clustered by (patient, chart
 * index), holding the contract's `directoryEntry` line for it. Answering
 * "which records does this patient have" from the state costs three point
 * reads per record, scattered over the state table by record id (measured at
 * 1 M records: p99 27 ms for a chart of ~100); from this table a page is one
 * range read. The table is derived: it is written in each block's SQLite
 * transaction from that block's writes, checked row for row by `verify`, and
 * rebuilt from the state by `rebuildDerivedTables`.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { WriteBatch } from './sqlite-writer.ts';
import { canonicalJson } from '../crypto/index.ts';
import { directoryEntry, type DirectoryEntry, type Json, type StateView } from '../contract/index.ts';

/** `chart/<patient>/<index>` → recordId: the write that puts a record in a chart. */
const CHART_ENTRY = /^chart\/([a-z0-9._-]+)\/(\d+)$/;
const RECORD = /^record\/([0-9a-f]+)$/;

export interface DirectoryRow {
  patient: string;
  chart_index: number;
  record_id: string;
  /** 1 when the patient listed the record for doctors, else 0. */
  listed: number;
  /** The canonical JSON of the record's DirectoryEntry. */
  entry: string;
}

export interface DirectoryPage {
  entries: DirectoryEntry[];
  /** Pass as `after` for the next page; absent on the last one. */
  next?: number;
}

export const DIRECTORY_PAGE_MAX = 500;

/** What the table keeps of an entry besides its place: the listed flag and the entry's canonical text. */
function stored(entry: DirectoryEntry): Pick<DirectoryRow, 'listed' | 'entry'> {
  return { listed: entry.listed ? 1 : 0, entry: canonicalJson(entry as unknown as Json) };
}

function rowOf(patient: string, chartIndex: number, entry: DirectoryEntry): DirectoryRow {
  return { patient, chart_index: chartIndex, record_id: entry.recordId, ...stored(entry) };
}

/** Every row the state implies (unordered): from each `chart/<patient>/<index>` entry of `chartEntries`. */
export function* directoryRowsOf(chartEntries: Iterable<readonly [string, Json]>, view: StateView): Generator<DirectoryRow> {
  for (const [key, value] of chartEntries) {
    const m = CHART_ENTRY.exec(key);
    if (!m || typeof value !== 'string') continue;
    const entry = directoryEntry(view, value);
    if (entry) yield rowOf(m[1]!, Number(m[2]), entry);
  }
}

const INSERT = 'INSERT OR REPLACE INTO directory (patient, chart_index, record_id, listed, entry) VALUES (?, ?, ?, ?, ?)';
const UPDATE = 'UPDATE directory SET listed = ?, entry = ? WHERE record_id = ?';
const REMOVE = 'DELETE FROM directory WHERE record_id = ?';

export class DirectoryIndex {
  private readonly pageAll: StatementSync;
  private readonly pageListed: StatementSync;

  constructor(db: DatabaseSync) {
    this.pageAll = db.prepare('SELECT chart_index, entry FROM directory WHERE patient = ? AND chart_index > ? ORDER BY chart_index LIMIT ?');
    this.pageListed = db.prepare('SELECT chart_index, entry FROM directory WHERE patient = ? AND chart_index > ? AND listed = 1 ORDER BY chart_index LIMIT ?');
  }

  /**
   * Adds to a block's write batch what brings the rows of every record the
   * block touched up to date. `view` is the state after the block.
   */
  applyWrites(view: StateView, writes: Iterable<readonly [string, unknown]>, batch: WriteBatch): void {
    const placed = new Map<string, { patient: string; index: number }>();
    const touched = new Set<string>();
    for (const [key, value] of writes) {
      const chart = CHART_ENTRY.exec(key);
      if (chart && typeof value === 'string') {
        placed.set(value, { patient: chart[1]!, index: Number(chart[2]) });
        touched.add(value);
      }
      const record = RECORD.exec(key);
      if (record) touched.add(record[1]!);
    }
    for (const recordId of touched) {
      const at = placed.get(recordId);
      const entry = directoryEntry(view, recordId);
      if (!entry) batch.run(REMOVE, recordId);
      else if (at) {
        const row = rowOf(at.patient, at.index, entry);
        batch.run(INSERT, row.patient, row.chart_index, row.record_id, row.listed, row.entry);
      } else {
        const { listed, entry: text } = stored(entry);
        batch.run(UPDATE, listed, text, recordId);
      }
    }
  }

  /**
   * One page of `patient`'s directory in chart order: every record for the
   * patient (`own`), listed ones only for a doctor. Authorisation is the
   * caller's (contract `directoryAccess`).
   */
  page(patient: string, own: boolean, options: { after?: number; limit?: number } = {}): DirectoryPage {
    const limit = Math.max(1, Math.min(DIRECTORY_PAGE_MAX, Math.floor(options.limit ?? 100)));
    const after = Math.floor(options.after ?? -1);
    const rows = (own ? this.pageAll : this.pageListed).all(patient, after, limit + 1) as { chart_index: number; entry: string }[];
    const more = rows.length > limit;
    if (more) rows.pop();
    const entries = rows.map((r) => JSON.parse(r.entry) as DirectoryEntry);
    return more ? { entries, next: rows[rows.length - 1]!.chart_index } : { entries };
  }
}
