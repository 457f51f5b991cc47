/**
 * The node's refusal log (src/node/store/refusal-log.ts): rate-limit trips
 * and failed logins, each kind bounded to its newest rows, paged newest first.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AccountStore, DEFAULT_KDF_COSTS, REFUSALS_FILE, RefusalLog, type NodeRefusal } from '../../../src/node/index.ts';
import { assertOwnerOnlyWal } from '../../helpers/sqlite-file.ts';
import { removeTempDir, tempDir } from '../../helpers/temp.ts';

function open(t: TestContext, keep?: number): { log: RefusalLog; dir: string } {
  const dir = tempDir('refusals');
  const log = RefusalLog.open(dir, keep === undefined ? {} : { keep });
  t.after(() => {
    log.close();
    removeTempDir(dir);
  });
  return { log, dir };
}

const trip = (at: number) => ({ kind: 'rate-limit' as const, at, client: '127.0.0.1', route: 'POST /v1/login/prelogin' });

/** Every row of a kind, page by page (the cursor is the last id of a page). */
function allOf(log: RefusalLog, kind: 'rate-limit' | 'failed-login', limit: number): NodeRefusal[] {
  const out: NodeRefusal[] = [];
  for (let before: number | undefined; ; ) {
    const page = log.page(kind, { limit, ...(before === undefined ? {} : { beforeId: before }) });
    out.push(...page);
    if (page.length < limit) return out;
    before = page[page.length - 1]!.id;
  }
}

test('the refusal log is its own SQLite file, mode 0600, in WAL mode', (t) => {
  const { log, dir } = open(t);
  log.record(trip(1));
  assertOwnerOnlyWal(join(dir, REFUSALS_FILE));
});

test('a flood of one kind keeps at most keep + a tenth of its newest rows and never pushes out the other kind', (t) => {
  const { log } = open(t, 20);
  log.record({ kind: 'failed-login', at: 0, username: 'raj', slot: 'passphrase' });
  for (let i = 1; i <= 500; i++) {
    log.record(trip(i));
    assert.ok(log.size('rate-limit') <= 21, `after ${i} trips the log holds ${log.size('rate-limit')}`);
  }
  const trips = allOf(log, 'rate-limit', 7);
  assert.ok(trips.length >= 20 && trips.length <= 21, `${trips.length} trips kept`);
  assert.equal(trips.length, log.size('rate-limit'), 'the count kept in memory is the table');
  assert.deepEqual(trips.map((r) => r.at), Array.from({ length: trips.length }, (_, i) => 500 - i), 'the newest, newest first');
  assert.deepEqual(log.page('failed-login', { limit: 10 }).map((r) => r.kind === 'failed-login' && [r.username, r.slot, r.at]), [['raj', 'passphrase', 0]]);
});

test('pages walk every row once, newest first, and a reopened log counts what it holds', (t) => {
  const { log, dir } = open(t, 1000);
  for (let i = 0; i < 25; i++) log.record(i % 5 === 0 ? { ...trip(i), username: 'meera' } : trip(i));
  const one = log.page('rate-limit', { limit: 100 });
  assert.deepEqual(allOf(log, 'rate-limit', 4), one);
  assert.equal(one.filter((r) => r.kind === 'rate-limit' && r.username === 'meera').length, 5);
  log.close();
  const again = RefusalLog.open(dir, { keep: 1000 });
  try {
    assert.equal(again.size('rate-limit'), 25);
    assert.equal(again.size('failed-login'), 0);
  } finally {
    again.close();
  }
});

test('a wrong passphrase is logged as a failed login that the next successful login does not reset (the account count is)', (t) => {
  const dir = tempDir('refusals-accounts');
  const accounts = AccountStore.open(dir);
  t.after(() => {
    accounts.close();
    removeTempDir(dir);
  });
  const kdf = { ...DEFAULT_KDF_COSTS, salt: 'c2FsdHNhbHRzYWx0c2FsdA' };
  const id = accounts.addPending({ txHash: '11'.repeat(32), username: 'raj', vault: { v: 1 }, kdf, authKeys: { passphrase: 'aa'.repeat(32), recovery: 'bb'.repeat(32) } }, 1000);
  assert.ok(accounts.activate(id));
  assert.equal(accounts.checkAuthKey('raj', 'passphrase', 'cc'.repeat(32), 2000), 'wrong');
  assert.equal(accounts.checkAuthKey('raj', 'recovery', 'cc'.repeat(32), 2001), 'wrong');
  assert.equal(accounts.checkAuthKey('nobody', 'passphrase', 'cc'.repeat(32), 2002), 'unknown', 'an unknown name is no account: nothing to log it on');
  assert.equal(accounts.checkAuthKey('raj', 'passphrase', 'aa'.repeat(32), 3000), 'ok');
  accounts.loginSucceeded('raj', 3000);
  assert.deepEqual(accounts.failedLogins('raj'), { count: 0 });
  const logged = accounts.refusals.page('failed-login', { limit: 10 }).map((r) => r.kind === 'failed-login' && [r.username, r.slot, r.at]);
  assert.deepEqual(logged, [['raj', 'recovery', 2001], ['raj', 'passphrase', 2000]]);
});

test('a keep that is not a positive integer is a RangeError naming it', (t) => {
  const dir = tempDir('refusals-keep');
  t.after(() => removeTempDir(dir));
  for (const keep of [0, -1, 1.5, Number.NaN]) assert.throws(() => RefusalLog.open(dir, { keep }), /keep must be a positive integer/);
});
