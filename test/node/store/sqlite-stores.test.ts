/**
 * The state view's caches (src/node/store/sqlite-stores.ts): the row text the
 * contract's execution parses afresh, and the shared view the read facade
 * reads, each value parsed once and frozen until its key is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, SqliteStateView } from '../../../src/node/store/index.ts';
import { removeTempDir, tempDir } from '../../helpers/temp.ts';

function view(t: import('node:test').TestContext, options: { cacheGeneration?: number; sharedGeneration?: number }) {
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
  assert.equal(state.shared.get('grant/r1/meera'), undefined);
  for (const key of ['user/a', 'user/b', 'user/c', 'user/d', 'user/e']) state.get(key); // the cache forgets the deletion; the pending write must not
  assert.equal(state.get('grant/r1/meera'), undefined, 'still hidden while its block commits');
  db.prepare('DELETE FROM state WHERE key = ?').run('grant/r1/meera');
  state.flushed(5);
  assert.equal(state.get('grant/r1/meera'), undefined, 'durable');
});

test('the shared view hands out one frozen value per key; get keeps handing out private copies', (t) => {
  const { state } = view(t, { cacheGeneration: 16, sharedGeneration: 16 });
  const shared = state.shared.get('user/raj') as { sigKeyId: string; tags: string[] };
  assert.deepEqual(shared, { sigKeyId: 'a', tags: ['x'] });
  assert.equal(state.shared.get('user/raj'), shared, 'parsed once');
  assert.ok(Object.isFrozen(shared) && Object.isFrozen(shared.tags), 'frozen all the way down');
  assert.throws(() => shared.tags.push('y'), TypeError);
  const own = state.get('user/raj') as { tags: string[] };
  own.tags.push('mine');
  assert.notEqual(own, shared);
  assert.deepEqual(state.get('user/raj'), { sigKeyId: 'a', tags: ['x'] }, "a caller's copy is its own");
  assert.equal(state.shared.get('user/none'), undefined);
});

test('a write reported by the owner is seen by the shared view at once: in a block not yet durable, after its COMMIT, a deletion, a committed write', (t) => {
  const { db, state } = view(t, { cacheGeneration: 16, sharedGeneration: 16 });
  assert.equal((state.shared.get('user/raj') as { sigKeyId: string }).sigKeyId, 'a');
  state.written('user/raj', '{"sigKeyId":"b","tags":[]}', 7);
  assert.equal((state.shared.get('user/raj') as { sigKeyId: string }).sigKeyId, 'b', 'the block being written');
  db.prepare('UPDATE state SET value = ? WHERE key = ?').run('{"sigKeyId":"b","tags":[]}', 'user/raj');
  state.flushed(7);
  assert.equal((state.shared.get('user/raj') as { sigKeyId: string }).sigKeyId, 'b', 'durable');
  state.written('user/raj', null, 8);
  assert.equal(state.shared.get('user/raj'), undefined, 'deleted');
  assert.equal(state.shared.get('user/omar'), undefined);
  state.committed('user/omar', '{"sigKeyId":"c","tags":[]}');
  assert.equal((state.shared.get('user/omar') as { sigKeyId: string }).sigKeyId, 'c', 'a key known absent, then written');
});

test('without a cache (a view that is not its table\'s only writer) the shared view keeps nothing: a change behind it is seen', (t) => {
  const { db, state } = view(t, {});
  assert.equal((state.shared.get('user/raj') as { sigKeyId: string }).sigKeyId, 'a');
  db.prepare('UPDATE state SET value = ? WHERE key = ?').run('{"sigKeyId":"z","tags":[]}', 'user/raj');
  assert.equal((state.shared.get('user/raj') as { sigKeyId: string }).sigKeyId, 'z');
  assert.ok(Object.isFrozen(state.shared.get('user/raj')), 'still frozen: the same contract for every caller');
});
