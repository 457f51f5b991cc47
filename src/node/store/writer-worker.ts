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
/** "B" before each transaction's BEGIN, "C" after its COMMIT returns (the crash test reads them). */
const trace = (line: string) => traceFd !== undefined && writeSync(traceFd, `${line}\n`);
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
