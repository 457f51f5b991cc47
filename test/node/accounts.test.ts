import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AccountStore, ACCOUNTS_FILE, DEFAULT_KDF_COSTS } from '../../src/node/index.ts';
import { assertOwnerOnlyWal } from '../helpers/sqlite-file.ts';

function store(t: import('node:test').TestContext): { accounts: AccountStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dhl-accounts-'));
  const accounts = AccountStore.open(dir);
  t.after(() => {
    accounts.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { accounts, dir };
}

const KDF = { ...DEFAULT_KDF_COSTS, salt: 'c2FsdHNhbHRzYWx0c2FsdA' };
const PASS = 'aa'.repeat(32);
const RECOVERY = 'bb'.repeat(32);

function addRaj(accounts: AccountStore, vault: unknown = { v: 1, username: 'raj' }): number {
  return accounts.addPending({ txHash: '11'.repeat(32), username: 'raj', vault, kdf: KDF, authKeys: { passphrase: PASS, recovery: RECOVERY } }, 1000);
}

test('the accounts file is its own SQLite file, mode 0600, in WAL mode', (t) => {
  const { dir } = store(t);
  assertOwnerOnlyWal(join(dir, ACCOUNTS_FILE));
});

test('auth keys are kept as HMAC verifiers and session tokens as hashes: neither is in the file', (t) => {
  const { accounts, dir } = store(t);
  accounts.activate(addRaj(accounts));
  const { token } = accounts.createSession('raj', 'bearer', 1000, 60_000);
  const setupToken = accounts.newSetupToken(1000);
  accounts.close();
  const bytes = ['', '-wal'].map((s) => { try { return readFileSync(join(dir, ACCOUNTS_FILE) + s).toString('latin1'); } catch { return ''; } }).join('');
  for (const secret of [PASS, RECOVERY, token, setupToken]) assert.ok(!bytes.includes(secret), 'a secret is stored in the clear');
});

test('a pending registration is no account until activated, and activating never overwrites an existing account', (t) => {
  const { accounts } = store(t);
  const first = addRaj(accounts, { v: 1, username: 'raj', mark: 'first' });
  assert.equal(accounts.hasAccount('raj'), false);
  assert.equal(accounts.checkAuthKey('raj', 'passphrase', PASS, 1), 'unknown');
  assert.equal(accounts.activate(first), true);
  const second = accounts.addPending({ txHash: '22'.repeat(32), username: 'raj', vault: { mark: 'second' }, kdf: KDF, authKeys: { passphrase: 'cc'.repeat(32), recovery: RECOVERY } }, 2000);
  assert.equal(accounts.activate(second), false);
  assert.deepEqual(accounts.vault('raj'), { v: 1, username: 'raj', mark: 'first' });
  assert.equal(accounts.checkAuthKey('raj', 'passphrase', PASS, 3), 'ok');
});

test('a wrong auth key is counted; a login reports and resets the count', (t) => {
  const { accounts } = store(t);
  accounts.activate(addRaj(accounts));
  assert.equal(accounts.checkAuthKey('raj', 'passphrase', RECOVERY, 10), 'wrong', 'the recovery key is no passphrase');
  assert.equal(accounts.checkAuthKey('raj', 'recovery', RECOVERY, 20), 'ok');
  assert.deepEqual(accounts.loginSucceeded('raj', 30), { count: 1, lastAt: 10 });
  assert.deepEqual(accounts.loginSucceeded('raj', 40), { count: 0 });
});

test('passphrase change stores vault and verifier together and revokes every session of the user in the same transaction', (t) => {
  const { accounts } = store(t);
  accounts.activate(addRaj(accounts));
  const a = accounts.createSession('raj', 'bearer', 0, 60_000);
  const b = accounts.createSession('raj', 'cookie', 0, 60_000);
  assert.deepEqual(accounts.changePassphrase('raj', { v: 1, username: 'raj', mark: 'new' }, KDF, 'dd'.repeat(32)), { sessionsRevoked: 2 });
  assert.equal(accounts.findSession(a.token, 1), undefined);
  assert.equal(accounts.findSession(b.token, 1), undefined);
  assert.equal(accounts.checkAuthKey('raj', 'passphrase', PASS, 1), 'wrong');
  assert.equal(accounts.checkAuthKey('raj', 'passphrase', 'dd'.repeat(32), 1), 'ok');
  assert.equal(accounts.checkAuthKey('raj', 'recovery', RECOVERY, 1), 'ok', 'the recovery slot is unchanged');
  assert.deepEqual(accounts.vault('raj'), { v: 1, username: 'raj', mark: 'new' });
  assert.throws(() => accounts.changePassphrase('nobody', {}, KDF, PASS), RangeError);
});

test('sessions expire at their time and are deleted then; CSRF tokens belong to one session', (t) => {
  const { accounts } = store(t);
  const { token, session } = accounts.createSession('raj', 'cookie', 1000, 500);
  assert.equal((accounts.findSession(token, 1499) as { username: string }).username, 'raj');
  assert.equal(accounts.findSession(token, 1500), 'expired');
  assert.equal(accounts.findSession(token, 1500), undefined, 'deleted when found expired');
  const other = accounts.createSession('raj', 'cookie', 1000, 500).session;
  assert.ok(accounts.isCsrfTokenValid(session.id, accounts.csrfToken(session.id)));
  assert.ok(!accounts.isCsrfTokenValid(other.id, accounts.csrfToken(session.id)));
});

test('sessions are served from memory once seen: a row removed behind the store by another connection still answers (the store must be the only writer)', (t) => {
  const { accounts, dir } = store(t);
  const made = accounts.createSession('raj', 'bearer', 0, 60_000);
  const stored = accounts.createSession('omar', 'bearer', 0, 60_000);
  const other = new DatabaseSync(join(dir, ACCOUNTS_FILE));
  try {
    other.exec('DELETE FROM sessions');
  } finally {
    other.close();
  }
  assert.equal((accounts.findSession(made.token, 1) as { username: string }).username, 'raj', 'made here: in memory');
  assert.equal((accounts.findSession(stored.token, 1) as { username: string }).username, 'omar');
  assert.ok(Object.isFrozen(accounts.findSession(made.token, 1)), 'shared, so frozen');
});

test('a cached session is refused at once after logout, after its expiry, and after its user changes passphrase; other users keep theirs', (t) => {
  const { accounts } = store(t);
  accounts.activate(addRaj(accounts));
  const loggedOut = accounts.createSession('raj', 'bearer', 0, 60_000);
  const a = accounts.createSession('raj', 'bearer', 0, 60_000);
  const b = accounts.createSession('raj', 'cookie', 0, 60_000);
  const omar = accounts.createSession('omar', 'bearer', 0, 60_000);
  const short = accounts.createSession('omar', 'bearer', 0, 100);
  for (const s of [loggedOut, a, b, omar, short]) assert.notEqual(typeof accounts.findSession(s.token, 1), 'string', 'each read once: now in memory');

  accounts.deleteSession(loggedOut.session.id);
  assert.equal(accounts.findSession(loggedOut.token, 2), undefined, 'logout');
  assert.equal(accounts.findSession(short.token, 100), 'expired', 'expiry is judged on every request, cached or not');
  assert.equal(accounts.findSession(short.token, 100), undefined);

  accounts.changePassphrase('raj', { v: 1, username: 'raj' }, KDF, 'dd'.repeat(32));
  assert.equal(accounts.findSession(a.token, 3), undefined, 'revoked by the passphrase change');
  assert.equal(accounts.findSession(b.token, 3), undefined);
  assert.equal((accounts.findSession(omar.token, 3) as { username: string }).username, 'omar');
});

test('a new session prunes the expired ones, from the table and from memory', (t) => {
  const { accounts, dir } = store(t);
  const old = accounts.createSession('raj', 'bearer', 0, 100);
  assert.equal(typeof accounts.findSession(old.token, 1), 'object');
  accounts.createSession('omar', 'bearer', 500, 100);
  assert.equal(accounts.findSession(old.token, 500), undefined, 'gone, not merely expired');
  const db = new DatabaseSync(join(dir, ACCOUNTS_FILE), { readOnly: true });
  try {
    assert.deepEqual(db.prepare('SELECT username FROM sessions').all().map((r) => r.username), ['omar']);
  } finally {
    db.close();
  }
});

test('decoy KDF parameters: the node costs, a salt stable per name, unlike other names and other nodes', (t) => {
  const one = store(t).accounts;
  const two = store(t).accounts;
  const a = one.preloginKdf('rajj', DEFAULT_KDF_COSTS);
  assert.deepEqual({ ...a, salt: '' }, { ...DEFAULT_KDF_COSTS, salt: '' });
  assert.equal(Buffer.from(a.salt, 'base64url').length, 16);
  assert.deepEqual(one.preloginKdf('rajj', DEFAULT_KDF_COSTS), a);
  assert.notEqual(one.preloginKdf('rajk', DEFAULT_KDF_COSTS).salt, a.salt);
  assert.notEqual(two.preloginKdf('rajj', DEFAULT_KDF_COSTS).salt, a.salt);
});

test('the setup token is one-time: a new one replaces the old, and clearing it leaves none valid', (t) => {
  const { accounts } = store(t);
  const first = accounts.newSetupToken(1);
  assert.ok(accounts.isSetupTokenValid(first));
  const second = accounts.newSetupToken(2);
  assert.ok(!accounts.isSetupTokenValid(first));
  assert.ok(accounts.isSetupTokenValid(second));
  accounts.clearSetupToken();
  assert.ok(!accounts.isSetupTokenValid(second));
});
