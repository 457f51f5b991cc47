/**
 * The state view's cache (src/node/store/sqlite-stores.ts): the row text the
 * contract's execution parses afresh, and the writes of blocks whose COMMIT
 * has not returned yet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, SqliteStateView } from '../../../src/node/store/index.ts';
import { removeTempDir, tempDir } from '../../helpers/temp.ts';

function view(t: import('node:test').TestContext, options: { cacheGeneration?: number }) {
  const dir = tempDir('state-view');
  const db = openDatabase(join(dir, 'ledger.sqlite'));
  t.after(() => {
    db.close();
    removeTempDir(dir);
  });
  db.prepare('INSERT INTO state (key, value) VALUES (?, ?)').run('user/raj', '{"sigKeyId":"a","tags":["x"]}');
  return { db, state: new SqliteStateView(db, options) };
}

test('a deletion in a block not yet durable hides the row the table still has, before and after its COMMIT, also when the key sat in the older cache generation', (t) => {
  const { db, state } = view(t, { cacheGeneration: 2 });
  db.prepare('INSERT INTO state (key, value) VALUES (?, ?)').run('grant/r1/meera', '{"expiresAt":9}');
  assert.deepEqual(state.get('grant/r1/meera'), { expiresAt: 9 });
  state.get('user/raj');
  state.get('user/omar'); // grant/r1/meera is in the older generation now
  state.written('grant/r1/meera', null, 5); // RevokeAccess in block 5, its COMMIT still to come
  assert.equal(state.get('grant/r1/meera'), undefined, 'block 6 must not see the revoked grant');
  for (const key of ['user/a', 'user/b', 'user/c', 'user/d', 'user/e']) state.get(key); // the cache forgets the deletion; the pending write must not
  assert.equal(state.get('grant/r1/meera'), undefined, 'still hidden while its block commits');
  db.prepare('DELETE FROM state WHERE key = ?').run('grant/r1/meera');
  state.flushed(5);
  assert.equal(state.get('grant/r1/meera'), undefined, 'durable');
});
