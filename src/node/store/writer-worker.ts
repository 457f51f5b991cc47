/**
 * The node's writing SQLite connection, on its own thread (see writer.ts):
 * each message is one write transaction, answered after its COMMIT returns,
 * so fsync and WAL checkpoints never stall the node's event loop.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { openDatabase } from './schema.ts';
import type { WriteRequest, WriteResponse } from './writer.ts';

const { path, traceFd } = workerData as { path: string; traceFd?: number };
const db = openDatabase(path);
const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * "B" before each transaction's BEGIN, "C" after its COMMIT returns (the crash
 * test reads them). The fd may be a pipe its process made non-blocking (a
 * child's stdout is): a full pipe answers EAGAIN, which is waited out here a
 * millisecond at a time, never a transaction that fails for a trace line.
 */
function trace(line: string): void {
  if (traceFd === undefined) return;
  const bytes = Buffer.from(`${line}\n`);
  for (let written = 0; written < bytes.length; ) {
    try {
      written += writeSync(traceFd, bytes, written);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
const statements = new Map<string, StatementSync>();
const prepared = (sql: string) => {
  let stmt = statements.get(sql);
  if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
  return stmt;
};

parentPort!.on('message', (request: WriteRequest | 'close') => {
  if (request === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  let response: WriteResponse;
  try {
    trace('B');
    const t0 = performance.now();
    db.exec('BEGIN IMMEDIATE');
    for (const { sql, rows } of request.groups) {
      const stmt = prepared(sql);
      for (const row of rows) stmt.run(...(row as SQLInputValue[]));
    }
    const t1 = performance.now();
    db.exec('COMMIT');
    trace('C');
    response = { id: request.id, statementsMs: t1 - t0, commitMs: performance.now() - t1 };
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    const errcode = (err as { errcode?: unknown }).errcode;
    response = { id: request.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), ...(typeof errcode === 'number' ? { errcode } : {}) };
  }
  parentPort!.postMessage(response);
});
