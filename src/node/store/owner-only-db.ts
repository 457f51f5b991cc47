/**
 * A node-local SQLite file of a data directory (the accounts, the refusal
 * log): created readable by its owner only, in WAL mode, with the given
 * synchronous level, busy timeout and schema. A file that cannot be set up
 * is closed before the error goes on.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export function openOwnerOnlyDb(dataDir: string, file: string, o: { synchronous: 'FULL' | 'NORMAL'; schema: readonly string[]; busyTimeoutMs?: number }): DatabaseSync {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, file);
  const created = !existsSync(path);
  const db = new DatabaseSync(path);
  try {
    if (created) chmodSync(path, 0o600);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${o.synchronous}`);
    db.exec('PRAGMA busy_timeout = 5000');
    for (const sql of o.schema) db.exec(sql);
    // Set up, the file's own wait for another connection's lock (node:sqlite is synchronous: the whole event loop waits).
    if (o.busyTimeoutMs !== undefined) db.exec(`PRAGMA busy_timeout = ${o.busyTimeoutMs}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
