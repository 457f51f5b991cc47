/**
 * Writes to the node's database from a worker thread. node:sqlite is
 * synchronous: a block's COMMIT with synchronous=FULL (fsync, and now and then
 * a WAL checkpoint) blocked the event loop for 4.6 ms at p50 and 31 ms at p90,
 * and every admission and read waited behind it. The node now builds a block
 * on its own thread, hands its rows here as one `WriteBatch`, and goes on to
 * the next while this thread commits; a batch's promise settles after its
 * COMMIT, in the order the batches were sent.
 */
import { Worker } from 'node:worker_threads';
import type { SQLInputValue } from 'node:sqlite';
import { nodeError } from '../errors.ts';
import { isCorruption, storageError } from './schema.ts';

export interface WriteRequest {
  id: number;
  /** Statements in order; consecutive rows of one statement travel as one group. */
  groups: { sql: string; rows: SQLInputValue[][] }[];
}

export interface WriteResponse {
  id: number;
  error?: string;
  /** SQLite's result code, when the error came from SQLite. */
  errcode?: number;
  /** Time in the transaction's statements, and in its COMMIT (the fsync), on the writer thread. */
  statementsMs?: number;
  commitMs?: number;
}

/** What the writer thread spent, for the benchmarks' breakdown. */
export interface WriterStats {
  transactions: number;
  statementsMs: number;
  /** Each COMMIT's duration, the most recent STATS_COMMITS of them. */
  commitMs: number[];
}

const STATS_COMMITS = 10_000;

/** The rows of one write transaction, in the order they are to be run. */
export class WriteBatch {
  readonly groups: WriteRequest['groups'] = [];
  run(sql: string, ...row: SQLInputValue[]): void {
    const last = this.groups[this.groups.length - 1];
    if (last?.sql === sql) last.rows.push(row);
    else this.groups.push({ sql, rows: [row] });
  }
}

export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextId = 0;
  private closed: Promise<void> | undefined;
  private broken: unknown;
  readonly stats: WriterStats = { transactions: 0, statementsMs: 0, commitMs: [] };

  /** `traceFd`: a file descriptor the thread writes "B"/"C" lines to around each transaction (tests). */
  constructor(path: string, options: { traceFd?: number } = {}) {
    this.worker = new Worker(new URL('./writer-worker.ts', import.meta.url), { workerData: { path, traceFd: options.traceFd } });
    this.worker.on('message', (response: WriteResponse) => {
      const waiter = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (response.error === undefined) {
        this.stats.transactions++;
        this.stats.statementsMs += response.statementsMs ?? 0;
        if (this.stats.commitMs.push(response.commitMs ?? 0) > STATS_COMMITS) this.stats.commitMs.shift();
      }
      if (response.error === undefined) waiter?.resolve();
      else if (isCorruption(response)) waiter?.reject(storageError({ errcode: response.errcode, errstr: response.error.slice(0, 200) }, path));
      else waiter?.reject(nodeError('NODE_STORAGE_FAILED', { reason: response.error.slice(0, 300) }));
    });
    const fail = (err: unknown) => {
      this.broken = err;
      for (const waiter of this.pending.values()) waiter.reject(nodeError('NODE_STORAGE_FAILED', { reason: 'writer thread ended' }, err));
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0 || !this.closed) fail(new Error(`writer thread exited with ${code}`));
    });
  }

  /** Runs the batch as one transaction; resolves after its COMMIT. */
  write(batch: WriteBatch): Promise<void> {
    if (this.broken || this.closed) return Promise.reject(nodeError('NODE_STORAGE_FAILED', { reason: 'writer closed' }, this.broken));
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, groups: batch.groups } satisfies WriteRequest);
    });
    this.inFlight.add(done);
    const settled = () => void this.inFlight.delete(done);
    done.then(settled, settled);
    return done;
  }

  /** Lets every batch sent finish, then closes the connection and the thread. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.allSettled(this.inFlight);
      if (this.broken) return;
      const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
      this.worker.postMessage('close');
      await exited;
    })();
    return this.closed;
  }
}
