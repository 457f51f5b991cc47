/**
 * The rows a block adds to the node's derived indexes, computed from the
 * block alone (pure: the ledger store writes them, verify recomputes them):
 *
 * - the audit index: one (subject, seq) row per user and record an entry
 *   concerns (contract `auditSubjects`), so "who did what to my data" is a
 *   range read, newest first;
 * - the directory index: one row per record, clustered by (patient, chart
 *   index), holding the contract's `directoryEntry` line for it. Answering
 *   "which records does this patient have" from the state costs three point
 *   reads per record, scattered over the state table by record id (measured
 *   at 1 M records: p99 27 ms for a chart of ~100); from this table a page is
 *   one range read.
 */
import { canonicalJson } from '../crypto/index.ts';
import { auditSubjects, directoryEntry, OK, type DirectoryEntry, type Json, type StateView } from '../contract/index.ts';
import type { ParsedTx } from '../ledger/index.ts';

/** `chart/<patient>/<index>` → recordId: the write that puts a record in a chart. */
const CHART_ENTRY = /^chart\/([a-z0-9._-]+)\/(\d+)$/;
const RECORD = /^record\/([0-9a-f]+)$/;

/** An audit index row: `u:<username>` or `r:<recordId>`, and the entry's seq. */
export type AuditRow = readonly [subject: string, seq: number];

export interface DirectoryRow {
  patient: string;
  chart_index: number;
  record_id: string;
  /** 1 when the patient listed the record for doctors, else 0. */
  listed: number;
  /** The canonical JSON of the record's DirectoryEntry. */
  entry: string;
}

/** What a block does to the directory index. */
export type DirectoryChange =
  | { readonly op: 'put'; readonly row: DirectoryRow }
  | { readonly op: 'update'; readonly recordId: string; readonly listed: number; readonly entry: string }
  | { readonly op: 'remove'; readonly recordId: string };

export interface DirectoryPage {
  entries: DirectoryEntry[];
  /** Pass as `after` for the next page; absent on the last one. */
  next?: number;
}

/**
 * A directory page as the index stores it: each entry's canonical JSON text
 * (contract `directoryEntry`, written by the node itself), for answers that
 * send the lines as they are instead of parsing and serialising them again.
 */
export interface DirectoryLines {
  lines: string[];
  next?: number;
}

export const DIRECTORY_PAGE_MAX = 500;

/**
 * The audit rows of a block's entries, which start at log position `firstSeq`;
 * `after` is the state after the block (contract auditSubjects: a record's
 * owner is read from it, so a refused read is in the patient's trail).
 */
export function auditRowsOf(entries: readonly { tx: ParsedTx; outcome: string }[], firstSeq: number, after: StateView): AuditRow[] {
  const rows: AuditRow[] = [];
  entries.forEach(({ tx, outcome }, i) => {
    const subjects = auditSubjects(tx, outcome === OK ? { ok: true } : { ok: false, code: outcome as never }, after);
    for (const u of subjects.users) rows.push([`u:${u}`, firstSeq + i]);
    for (const r of subjects.records) rows.push([`r:${r}`, firstSeq + i]);
  });
  return rows;
}

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

/**
 * What brings the rows of every record a block touched up to date. `view` is
 * the state after the block.
 */
export function directoryChangesOf(view: StateView, writes: Iterable<readonly [string, unknown]>): DirectoryChange[] {
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
  const changes: DirectoryChange[] = [];
  for (const recordId of touched) {
    const at = placed.get(recordId);
    const entry = directoryEntry(view, recordId);
    if (!entry) changes.push({ op: 'remove', recordId });
    else if (at) changes.push({ op: 'put', row: rowOf(at.patient, at.index, entry) });
    else changes.push({ op: 'update', recordId, ...stored(entry) });
  }
  return changes;
}
