import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDhlError } from '../../src/client/index.ts';
import { dhlHome, Keystore, KEYSTORE_FILE, SESSION_FILE, type Identity } from '../../src/cli/keystore.ts';
import { tempDir } from '../helpers/temp.ts';

const identity: Identity = {
  v: 1, username: 'raj', status: 'registered', node: 'http://127.0.0.1:8480', chain: 'ab'.repeat(32), sigKeyId: 'cd'.repeat(32), encKeyId: 'ef'.repeat(32),
  vault: { v: 1, alg: 'A256GCM', username: 'raj', slots: [], iv: 'AA', sealed: 'AA' } as unknown as Identity['vault'], updatedAt: 1,
};

test('the keystore directory is 0700 and every file in it 0600, also one that existed with wider bits', () => {
  const home = join(tempDir('keystore'), 'home');
  const ks = new Keystore(home);
  ks.saveIdentity(identity);
  ks.saveSession({ v: 1, username: 'raj', node: identity.node!, token: 'tok', expiresAt: 2 });
  assert.equal(statSync(home).mode & 0o777, 0o700);
  for (const f of [KEYSTORE_FILE, SESSION_FILE]) assert.equal(statSync(join(home, f)).mode & 0o777, 0o600, f);
  chmodSync(home, 0o755);
  chmodSync(join(home, SESSION_FILE), 0o644);
  ks.saveSession({ v: 1, username: 'raj', node: identity.node!, token: 'tok2', expiresAt: 3 });
  assert.equal(statSync(home).mode & 0o777, 0o700, 'a directory made wider by hand is ours: tightened');
  assert.equal(statSync(join(home, SESSION_FILE)).mode & 0o777, 0o600);
  assert.equal(ks.session()?.token, 'tok2');
  assert.deepEqual(readdirSync(home).sort(), [KEYSTORE_FILE, SESSION_FILE], 'no temporary file is left behind');
});

test('the keystore reads back what it wrote; clearing the session leaves the account', () => {
  const ks = new Keystore(join(tempDir('keystore'), 'home'));
  assert.equal(ks.identity(), undefined);
  assert.equal(ks.session(), undefined);
  ks.saveIdentity(identity);
  assert.deepEqual(ks.identity(), identity);
  ks.saveSession({ v: 1, username: 'raj', node: identity.node!, token: 'tok', expiresAt: 2 });
  ks.clearSession();
  assert.equal(ks.session(), undefined);
  assert.equal(ks.identity()?.username, 'raj');
});

test('a damaged or foreign keystore file is KEYSTORE_INVALID naming the file, never a TypeError', () => {
  const home = tempDir('keystore');
  mkdirSync(home, { recursive: true });
  const ks = new Keystore(home);
  for (const text of ['{', '[]', '{"v":2}', JSON.stringify({ ...identity, status: 'other' }), JSON.stringify({ ...identity, vault: 'x' })]) {
    writeFileSync(join(home, KEYSTORE_FILE), text);
    assert.throws(() => ks.identity(), (e: unknown) => isDhlError(e, 'KEYSTORE_INVALID') && e.message.includes(join(home, KEYSTORE_FILE)), text);
  }
  writeFileSync(join(home, SESSION_FILE), '{"v":1,"token":5}');
  assert.throws(() => ks.session(), (e: unknown) => isDhlError(e, 'KEYSTORE_INVALID'));
});

test('DHL_HOME chooses the keystore; without it, ~/.dhl', () => {
  assert.equal(dhlHome({ DHL_HOME: '/x/y' }), '/x/y');
  assert.match(dhlHome({}), /\/\.dhl$/);
  assert.match(dhlHome({ DHL_HOME: '' }), /\/\.dhl$/);
});
