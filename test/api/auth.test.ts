import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { isDhlError } from '../../src/crypto/index.ts';
import { ApiClient } from '../../src/client/api-client.ts';
import { changePassphrase, login, newAccount, register } from '../../src/client/account.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { REFUSALS_FILE } from '../../src/node/store/refusal-log.ts';
import { completeSetup, fixturePairs, loginAs, startTestNode, TEST_KDF, type TestNode } from './helpers.ts';

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isDhlError(err, code), `expected ${code}`);
}

const RAJ_PASS = 'raj-marker-passphrase-7f3a';

async function readyNode(t: import('node:test').TestContext, app: Parameters<typeof startTestNode>[1] = {}) {
  const n = await startTestNode(t, app);
  const { chainId } = await completeSetup(n);
  return { n, chainId };
}

async function registerRaj(n: TestNode) {
  return register(n.api(), { username: 'raj', passphrase: RAJ_PASS, keys: await fixturePairs('raj'), now: n.clock.now(), allowWeakKdf: true });
}

test('register: the account exists once its RegisterUser is accepted in a durable block; the node stores the vault and a verifier, never the auth key', async (t) => {
  const { n, chainId } = await readyNode(t);
  const reg = await registerRaj(n);
  assert.equal(reg.account, 'created');
  assert.equal(reg.result.outcome, 'OK');
  assert.equal(reg.result.height, 2);
  assert.match(reg.recoveryKey, /^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){12}$/);
  const account = await newAccount({ chain: chainId, username: 'raj', passphrase: RAJ_PASS, kdf: TEST_KDF, now: n.clock.now(), keys: await fixturePairs('raj'), allowWeakKdf: true });
  const db = new DatabaseSync(join(n.dataDir, 'accounts.sqlite'), { readOnly: true });
  try {
    const row = db.prepare('SELECT * FROM accounts WHERE username = ?').get('raj') as Record<string, unknown>;
    assert.ok(row, 'an account row');
    assert.equal(JSON.parse(row.vault as string).username, 'raj');
    const dump = readFileSync(join(n.dataDir, 'accounts.sqlite')).toString('latin1') + JSON.stringify(row);
    for (const key of Object.values(account.request.authKeys)) assert.ok(!dump.includes(key), 'no auth key in the accounts file');
    assert.equal((db.prepare('SELECT count(*) AS n FROM pending_registrations').get() as { n: number }).n, 0, 'nothing left pending');
  } finally {
    db.close();
  }
});

test('a registration for a taken name is refused and never touches the existing account', async (t) => {
  const { n, chainId } = await readyNode(t);
  await registerRaj(n);
  const db = () => new DatabaseSync(join(n.dataDir, 'accounts.sqlite'), { readOnly: true });
  const before = (() => { const d = db(); try { return JSON.stringify(d.prepare('SELECT * FROM accounts').all()); } finally { d.close(); } })();
  // Someone else's keys and vault under the name raj.
  await rejects(register(n.api(), { username: 'raj', passphrase: 'mallory', now: n.clock.now(), allowWeakKdf: true, keys: await fixturePairs('admin') }), 'USERNAME_TAKEN');
  const after = (() => { const d = db(); try { return JSON.stringify(d.prepare('SELECT * FROM accounts').all()); } finally { d.close(); } })();
  assert.equal(after, before);
  // Raj still logs in with his own passphrase.
  await loginAs(n, chainId, 'raj', RAJ_PASS);
});

test('login by passphrase and by recovery key opens the vault and a bearer session', async (t) => {
  const { n, chainId } = await readyNode(t);
  const reg = await registerRaj(n);
  const byPass = await loginAs(n, chainId, 'raj', RAJ_PASS);
  assert.equal(byPass.loggedIn.session.username, 'raj');
  assert.equal(byPass.loggedIn.keys.sig.keyId, (await fixtureKey('raj', 'sig')).keyId, "the vault holds raj's registered sig key");
  assert.equal((await byPass.api.call('session')).username, 'raj');
  const api = n.api();
  const byRecovery = await login(api, { username: 'raj', secret: { recoveryKey: reg.recoveryKey }, session: 'bearer', chain: chainId, now: n.clock.now() });
  assert.equal(byRecovery.proof.slot, 'recovery');
  assert.equal((await api.call('session')).kind, 'bearer');
});

test('a wrong passphrase is LOGIN_FAILED, as an unknown user is; failed attempts are counted and shown to the owner at the next login', async (t) => {
  const { n, chainId } = await readyNode(t);
  await registerRaj(n);
  await rejects(loginAs(n, chainId, 'raj', 'not raj passphrase'), 'LOGIN_FAILED');
  await rejects(loginAs(n, chainId, 'raj', 'still not it'), 'LOGIN_FAILED');
  await rejects(loginAs(n, chainId, 'nobody', 'whatever'), 'LOGIN_FAILED');
  const ok = await loginAs(n, chainId, 'raj', RAJ_PASS);
  assert.equal(ok.loggedIn.session.failedLogins.count, 2);
  assert.equal(typeof ok.loggedIn.session.failedLogins.lastAt, 'number');
  const next = await loginAs(n, chainId, 'raj', RAJ_PASS);
  assert.equal(next.loggedIn.session.failedLogins.count, 0, 'shown once, then reset');
});

test('a refusal log another process holds locked costs the admin a row, never the answer: a wrong passphrase is still LOGIN_FAILED, counted on the account, and a rate-limit trip still 429', async (t) => {
  const { n, chainId } = await readyNode(t, { app: { rateLimit: { max: 6, windowMs: 60_000 } } });
  await registerRaj(n);
  const holder = new DatabaseSync(join(n.dataDir, REFUSALS_FILE));
  holder.exec('BEGIN IMMEDIATE');
  try {
    await rejects(loginAs(n, chainId, 'raj', 'not raj passphrase'), 'LOGIN_FAILED');
    const ok = await loginAs(n, chainId, 'raj', RAJ_PASS);
    assert.equal(ok.loggedIn.session.failedLogins.count, 1, 'the account counted it: the decision never depended on the log');
    const prelogin = () => fetch(`${n.url}/v1/login/prelogin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"nobody"}' }).then(async (r) => (await r.text(), r.status));
    const statuses: number[] = [];
    while (statuses.at(-1) !== 429 && statuses.length < 10) statuses.push(await prelogin());
    assert.equal(statuses.at(-1), 429, statuses.join(' '));
  } finally {
    holder.exec('ROLLBACK');
  }
  assert.equal((holder.prepare('SELECT COUNT(*) AS n FROM refusals').get() as { n: number }).n, 0, 'the lock held: no row was written meanwhile');
  holder.close();
});

test('a decoy prelogin for an unknown user is indistinguishable in shape from a real one, and stable', async (t) => {
  const { n } = await readyNode(t);
  await registerRaj(n);
  const api = n.api();
  const real = await api.call('prelogin', { username: 'raj' });
  const decoy = await api.call('prelogin', { username: 'rajj' });
  const shape = (v: unknown): unknown =>
    v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v === 'string' ? `string(${v.length})` : typeof v;
  assert.deepEqual(shape(decoy), shape(real));
  assert.deepEqual(Object.keys(decoy.kdf), Object.keys(real.kdf), 'same key order');
  const { salt: _r, ...realCosts } = real.kdf;
  const { salt: _d, ...decoyCosts } = decoy.kdf;
  assert.deepEqual(decoyCosts, realCosts, "the decoy has the node's costs");
  assert.notEqual(decoy.kdf.salt, real.kdf.salt);
  assert.deepEqual(await api.call('prelogin', { username: 'rajj' }), decoy, 'asking again gives the same decoy');
  // The raw answers differ only in the salt's characters.
  const raw = async (username: string) => (await fetch(`${n.url}/v1/login/prelogin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username }) })).text();
  const [a, b] = [await raw('raj'), await raw('rajj')];
  assert.equal(a.length, b.length);
  assert.equal(a.replace(/"salt":"[^"]*"/, ''), b.replace(/"salt":"[^"]*"/, ''));
});

test('passphrase change: the re-sealed vault and new verifier take effect together, every old session is revoked (also one just served from memory), the old passphrase no longer logs in', async (t) => {
  const { n, chainId } = await readyNode(t);
  await registerRaj(n);
  const one = await loginAs(n, chainId, 'raj', RAJ_PASS);
  const two = await loginAs(n, chainId, 'raj', RAJ_PASS);
  assert.equal((await two.api.call('session')).username, 'raj', 'in use, so in the session cache');
  const kdf = (await n.api().call('status')).kdf;
  await rejects(changePassphrase(one.api, { vault: one.loggedIn.vault, proof: { slot: 'passphrase', authKey: 'ab'.repeat(32) }, newPassphrase: 'new', kdf, allowWeakKdf: true }), 'AUTH_KEY_INVALID');
  const changed = await changePassphrase(one.api, { vault: one.loggedIn.vault, proof: one.loggedIn.proof, newPassphrase: 'raj new passphrase', kdf, allowWeakKdf: true });
  assert.equal(changed.sessionsRevoked, 2);
  await rejects(one.api.call('session'), 'SESSION_EXPIRED');
  await rejects(two.api.call('session'), 'SESSION_EXPIRED');
  await rejects(loginAs(n, chainId, 'raj', RAJ_PASS), 'LOGIN_FAILED');
  const again = await loginAs(n, chainId, 'raj', 'raj new passphrase');
  assert.equal(again.loggedIn.vault.current.sig.keyId, one.loggedIn.vault.current.sig.keyId, 'same keys inside');
});

test('logout ends the session; a logged-out token is refused by the next request, though it was served from memory just before; the user\'s other session stays', async (t) => {
  const { n, chainId } = await readyNode(t);
  await registerRaj(n);
  const { api } = await loginAs(n, chainId, 'raj', RAJ_PASS);
  const other = await loginAs(n, chainId, 'raj', RAJ_PASS);
  for (const a of [api, other.api]) assert.equal((await a.call('session')).username, 'raj');
  assert.deepEqual(await api.call('logout'), { loggedOut: true });
  await rejects(api.call('session'), 'SESSION_EXPIRED');
  assert.equal((await other.api.call('session')).username, 'raj');
});

test('a session expires at its time on the API clock (no sleeping): SESSION_EXPIRED after, not before', async (t) => {
  const { n, chainId } = await readyNode(t, { app: { sessionTtlMs: 60_000 } });
  await registerRaj(n);
  const { api } = await loginAs(n, chainId, 'raj', RAJ_PASS);
  n.clock.advance(59_999);
  assert.equal((await api.call('session')).username, 'raj');
  n.clock.advance(1);
  await rejects(api.call('session'), 'SESSION_EXPIRED');
});

test('a login challenge is single-use, expires, and must be signed by the user\'s registered key', async (t) => {
  const { n, chainId } = await readyNode(t);
  await registerRaj(n);
  const api = n.api();
  const start = async () => {
    const { kdf } = await api.call('prelogin', { username: 'raj' });
    const { passphraseSecrets } = await import('../../src/crypto/index.ts');
    const s = await passphraseSecrets(RAJ_PASS, kdf, { allowWeakKdf: true });
    return api.call('loginStart', { username: 'raj', slot: 'passphrase', authKey: s.authKey, origin: api.origin });
  };
  const { signLoginChallenge } = await import('../../src/ledger/index.ts');
  const raj = await fixturePairs('raj');
  const other = await fixturePairs('admin');
  // Signed by another key.
  const c1 = (await start()).challenge;
  await rejects(api.call('loginFinish', { nonce: c1.nonce, sig: await signLoginChallenge(c1, other.sig.privateKey), session: 'bearer' }), 'LOGIN_CHALLENGE_FAILED');
  // ...and that used it up.
  await rejects(api.call('loginFinish', { nonce: c1.nonce, sig: await signLoginChallenge(c1, raj.sig.privateKey), session: 'bearer' }), 'LOGIN_CHALLENGE_FAILED');
  // Expired.
  const c2 = (await start()).challenge;
  n.clock.advance(2 * 60 * 1000 + 1);
  await rejects(api.call('loginFinish', { nonce: c2.nonce, sig: await signLoginChallenge(c2, raj.sig.privateKey), session: 'bearer' }), 'LOGIN_CHALLENGE_FAILED');
  // An origin this node does not serve is refused before any vault is handed out.
  const { kdf } = await api.call('prelogin', { username: 'raj' });
  const { passphraseSecrets } = await import('../../src/crypto/index.ts');
  const s = await passphraseSecrets(RAJ_PASS, kdf, { allowWeakKdf: true });
  await rejects(api.call('loginStart', { username: 'raj', slot: 'passphrase', authKey: s.authKey, origin: 'https://evil.example' }), 'ORIGIN_NOT_ACCEPTED');
  // Right key, fresh challenge: a session.
  const c3 = (await start()).challenge;
  const done = await api.call('loginFinish', { nonce: c3.nonce, sig: await signLoginChallenge(c3, raj.sig.privateKey), session: 'bearer' });
  assert.equal(done.username, 'raj');
});

test('cookie sessions: httpOnly, SameSite=Strict, scoped to /v1; a state-changing request needs the session\'s CSRF header and an Origin this node serves', async (t) => {
  const { n, chainId } = await readyNode(t);
  await registerRaj(n);
  // A browser-like client: the cookie is sent by hand here (Node's fetch keeps no cookie jar).
  let cookie = '';
  const browserFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    const set = response.headers.get('set-cookie');
    if (set) {
      assert.match(set, /HttpOnly/i);
      assert.match(set, /SameSite=Strict/i);
      assert.match(set, /Path=\/v1/);
      assert.doesNotMatch(set, /Secure/i, 'no Secure flag on plain-HTTP loopback');
      cookie = set.split(';')[0]!;
    }
    return response;
  };
  const api = new ApiClient({ baseUrl: n.url, fetch: browserFetch });
  const { session } = await login(api, { username: 'raj', secret: { passphrase: RAJ_PASS }, session: 'cookie', chain: chainId, now: n.clock.now(), allowWeakKdf: true });
  assert.equal(session.token, undefined, 'a cookie session has no token in the body');
  assert.ok(session.csrfToken);
  assert.equal((await api.call('session')).kind, 'cookie', 'GET needs no CSRF header');
  const post = (headers: Record<string, string>) =>
    fetch(`${n.url}/v1/logout`, { method: 'POST', headers: { cookie, ...headers } }).then(async (r) => ({ status: r.status, body: await r.json() as { code?: string } }));
  const noHeader = await post({});
  assert.equal(noHeader.status, 403);
  assert.equal(noHeader.body.code, 'CSRF_FAILED');
  assert.equal((await post({ 'x-dhl-csrf': 'A'.repeat(43) })).body.code, 'CSRF_FAILED');
  assert.equal((await post({ 'x-dhl-csrf': session.csrfToken!, origin: 'https://evil.example' })).body.code, 'ORIGIN_NOT_ACCEPTED');
  // The cookie's token does not work as a bearer token (it would skip the CSRF check).
  const token = cookie.split('=')[1]!;
  assert.equal((await fetch(`${n.url}/v1/session`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  const ok = await post({ 'x-dhl-csrf': session.csrfToken!, origin: n.url });
  assert.equal(ok.status, 200);
});
