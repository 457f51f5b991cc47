/** Checks of a node-private SQLite file as the node leaves it: readable by its owner only, in WAL mode. */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

export function assertOwnerOnlyWal(path: string): void {
  assert.equal(statSync(path).mode & 0o777, 0o600, `${path} is mode 0600`);
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  } finally {
    db.close();
  }
}
