import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { isDhlError } from '../../src/crypto/index.ts';
import { checkSetupGenesis, joinSetup, registerSetupAdmin } from '../../src/client/account.ts';
import { ADMINS, completeSetup, fixturePairs, loginAs, startTestNode, LogSink } from './helpers.ts';

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isDhlError(err, code), `expected ${code}`);
}

test('status answers before set-up and says the node awaits it; the startup output carries a one-time link with the token in its fragment', async (t) => {
  const n = await startTestNode(t);
  const status = await n.api().call('status');
  assert.equal(status.setup, 'awaiting-admins');
  assert.equal(status.chainId, undefined);
  assert.ok(n.token && n.token.length === 43, 'a 256-bit token is printed');
  assert.match(n.out.join('\n'), new RegExp(`${n.url}/setup#token=${n.token}`));
  assert.doesNotMatch(n.out.join('\n'), /\?token=/, 'the token never goes in a query string');
  // Everything but status, docs and set-up waits for the set-up.
  await rejects(n.api().call('prelogin', { username: 'raj' }), 'NODE_AWAITING_SETUP');
});

test('first run through the API: two admins join with the token, check the genesis, and their RegisterUser transactions are block 1 together', async (t) => {
  const n = await startTestNode(t);
  const api = n.api();
  const [ines, grace] = await Promise.all(ADMINS.map(async (a) => ({ ...a, keys: await fixturePairs(a.fixture) })));
  const first = await joinSetup(api, { token: n.token!, username: ines!.username, keys: ines!.keys });
  assert.equal(first.phase, 'awaiting-admins');
  assert.equal(first.genesis, undefined, 'no genesis before every admin has joined');
  const second = await joinSetup(api, { token: n.token!, username: grace!.username, keys: grace!.keys });
  assert.equal(second.phase, 'awaiting-registrations');
  const { chainId, genesis } = await checkSetupGenesis(second, grace!);
  assert.equal(genesis.orgs[0]!.org, 'clinic');
  assert.deepEqual(genesis.orgs[0]!.admins.map((a) => a.username), ['ines', 'grace']);
  // The first admin learns the genesis by joining again.
  const again = await joinSetup(api, { token: n.token!, username: ines!.username, keys: ines!.keys });
  assert.equal((await checkSetupGenesis(again, ines!)).chainId, chainId);

  const kdf = (await api.call('status')).kdf;
  const held = await registerSetupAdmin(api, { token: n.token!, chain: chainId, username: 'ines', passphrase: ines!.passphrase, keys: ines!.keys, kdf, now: n.clock.now(), allowWeakKdf: true });
  assert.equal(held.answer.status, 202, 'the first RegisterUser is held');
  assert.equal((await api.call('status')).head?.height, 0, 'nothing is ledgered while an admin is missing');
  const done = await registerSetupAdmin(api, { token: n.token!, chain: chainId, username: 'grace', passphrase: grace!.passphrase, keys: grace!.keys, kdf, now: n.clock.now(), allowWeakKdf: true });
  assert.equal(done.answer.status, 200);
  const result = (done.answer.body as { result: { height: number; outcome: string } }).result;
  assert.equal(result.height, 1);
  assert.equal(result.outcome, 'OK');

  const status = await api.call('status');
  assert.equal(status.setup, 'complete');
  assert.equal(status.chainId, chainId);
  assert.equal(status.head?.height, 1);
  const db = new DatabaseSync(join(n.dataDir, 'ledger.sqlite'), { readOnly: true });
  try {
    const rows = db.prepare('SELECT height, type, actor, outcome FROM entries ORDER BY seq').all();
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { height: 1, type: 'RegisterUser', actor: 'ines', outcome: 'OK' },
      { height: 1, type: 'RegisterUser', actor: 'grace', outcome: 'OK' },
    ]);
  } finally {
    db.close();
  }
  // Both admins can log in; the token is spent.
  await loginAs(n, chainId, 'ines', ines!.passphrase);
  await loginAs(n, chainId, 'grace', grace!.passphrase);
  await rejects(joinSetup(api, { token: n.token!, username: 'eve', keys: ines!.keys }), 'SETUP_COMPLETE');
});

test('a wrong setup token is refused and changes nothing; a third admin cannot join a set-up for two', async (t) => {
  const n = await startTestNode(t);
  const api = n.api();
  const keys = await fixturePairs('admin');
  await rejects(joinSetup(api, { token: 'A'.repeat(43), username: 'ines', keys }), 'SETUP_TOKEN_INVALID');
  const state = await joinSetup(api, { token: n.token!, username: 'ines', keys });
  assert.deepEqual(state.joined, ['ines']);
  await rejects(joinSetup(api, { token: n.token!, username: 'ines', keys: await fixturePairs('meera') }), 'SETUP_ADMIN_KEYS_DIFFER');
  await joinSetup(api, { token: n.token!, username: 'grace', keys: await fixturePairs('meera') });
  await rejects(joinSetup(api, { token: n.token!, username: 'eve', keys: await fixturePairs('raj') }), 'SETUP_ADMINS_COMPLETE');
});

test('a restart in the middle of set-up prints a new token (the old one stops working) and resumes with the written genesis', async (t) => {
  const logs = new LogSink();
  const first = await startTestNode(t, { logs });
  const keys = await fixturePairs('admin');
  await joinSetup(first.api(), { token: first.token!, username: 'ines', keys });
  await joinSetup(first.api(), { token: first.token!, username: 'grace', keys: await fixturePairs('meera') });
  await first.node.close();
  const second = await startTestNode(t, { dataDir: first.dataDir, logs });
  assert.notEqual(second.token, first.token);
  assert.equal((await second.api().call('status')).setup, 'awaiting-registrations');
  await rejects(joinSetup(second.api(), { token: first.token!, username: 'ines', keys }), 'SETUP_TOKEN_INVALID');
  const state = await joinSetup(second.api(), { token: second.token!, username: 'ines', keys });
  assert.deepEqual(state.joined, ['ines', 'grace']);
});

test('with one admin the startup output says plainly what a lone admin loses', async (t) => {
  const n = await startTestNode(t, { admins: 1 });
  assert.match(n.out.join('\n'), /lone admin who rotates keys loses the admin role/);
  const { chainId } = await (async () => {
    const keys = await fixturePairs('admin');
    const state = await joinSetup(n.api(), { token: n.token!, username: 'ines', keys });
    return checkSetupGenesis(state, { username: 'ines', keys });
  })();
  assert.match(chainId, /^[0-9a-f]{64}$/);
});

test('completeSetup (the helper the other API tests use) leaves a node open for registration', async (t) => {
  const n = await startTestNode(t);
  const { chainId, admins } = await completeSetup(n);
  assert.equal(admins.length, 2);
  assert.equal((await n.api().call('status')).chainId, chainId);
});
