/** RegisterUser, RotateKeys, AssignRole, RevokeRole and genesis admins. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genesisWrites, KEY, mayRead, MemoryStateView, readState } from '../../src/contract/index.ts';
import { DAY, ORG_A, ORG_B, Person, World, code, expectOk, genesisFor, hex64, standardWorld } from './builders.ts';

test('patients self-register: signed by the sig key they register, the user and both keys are written, no role', () => {
  const { w } = standardWorld();
  const tina = new Person('tina');
  const result = expectOk(w.register(tina));
  assert.deepEqual(result.writes.map(([k]) => k).sort(), [
    KEY.key(tina.encKeyId), KEY.key(tina.sigKeyId), `nonce/tina/${result.tx.header.nonce}`, KEY.skeleton('tina'), KEY.user('tina'),
  ].sort());
  assert.deepEqual(readState.user(w.state, 'tina'), { username: 'tina', sigKeyId: tina.sigKeyId, encKeyId: tina.encKeyId, registeredAt: w.time, keysSince: w.time });
  assert.equal(readState.key(w.state, tina.encKeyId)?.use, 'enc');
  assert.equal(readState.role(w.state, 'tina', 'doctor'), undefined);
});

test('usernames are 3..32 of [a-z0-9._-], starting and ending with a letter or digit, never two separators in a row', () => {
  const { w } = standardWorld();
  for (const name of ['Raj', 'rа j', 'rаj', 'ab', 'x'.repeat(33), 'raj/x', 'raj.', 'a..b', '.abc', 'abc-', '__proto__', '_ab', 'a-.b', 'ab_']) {
    const p = new Person(name);
    assert.equal(code(w.register(p)), 'HEADER_INVALID', name);
  }
  for (const name of ['ok.name_1-2', 'a.b', '007', 'x'.repeat(32)]) assert.equal(code(w.register(new Person(name))), 'OK', name);
});

test('two names that differ only in separators cannot both exist: the second is USERNAME_LOOKALIKE', () => {
  const { w } = standardWorld();
  expectOk(w.register(new Person('omar')));
  for (const name of ['o.mar', 'om-ar', 'o_m_a_r', 'r.aj', 'ra-j']) assert.equal(code(w.register(new Person(name))), 'USERNAME_LOOKALIKE', name);
  // The skeleton is kept in state, naming its holder.
  assert.equal(w.get(KEY.skeleton('omar')), 'omar');
  assert.equal(w.get(KEY.skeleton('raj')), 'raj');
  // A genesis admin's skeleton is theirs from genesis on: a lookalike cannot register before them.
  const gina = new Person('gi.na');
  const g = new World(genesisFor([{ org: ORG_A, people: [gina] }]));
  assert.equal(code(g.register(new Person('gina'))), 'USERNAME_LOOKALIKE');
  expectOk(g.register(gina));
});

test('a genesis naming two admins whose names differ only in separators is refused', () => {
  assert.throws(() => genesisWrites(genesisFor([{ org: ORG_A, people: [new Person('adam')] }, { org: ORG_B, people: [new Person('ad.am')] }])), TypeError);
});

test('genesis admins become admins of their organisation by registering with the keys the genesis names', () => {
  const gina = new Person('gina');
  const w = new World(genesisFor([{ org: ORG_A, people: [gina] }]));
  expectOk(w.register(gina));
  const doc = new Person('doc');
  expectOk(w.register(doc));
  assert.equal(code(w.assignRole(gina, doc, 'doctor', ORG_A)), 'OK');
});

test("genesis reserves its admins' key ids: nobody else can register them before the admin does", () => {
  const gina = new Person('gina');
  const w = new World(genesisFor([{ org: ORG_A, people: [gina] }]));
  const eve = new Person('eve');
  // gina's enc SPKI is public in the genesis; eve tries to claim it as her own.
  assert.equal(code(w.send(eve, 'RegisterUser', { username: 'eve', ...eve.keys(), encKeyId: gina.encKeyId, encSpki: gina.encSpki })), 'KEY_ALREADY_REGISTERED');
  expectOk(w.register(gina));
});

test("a node's key is never a user's: RegisterUser and RotateKeys naming a genesis node's key id are KEY_ALREADY_REGISTERED", () => {
  const { w, raj } = standardWorld();
  const nodeKeyId = hex64(`${ORG_A}/node`);
  assert.deepEqual(w.get(KEY.nodeKey(nodeKeyId)), { keyId: nodeKeyId, org: ORG_A, nodeId: `${ORG_A}-node` });
  const eve = new Person('eve');
  assert.equal(code(w.send(eve, 'RegisterUser', { username: 'eve', ...eve.keys(), sigKeyId: nodeKeyId }, { keyId: nodeKeyId })), 'KEY_ALREADY_REGISTERED');
  assert.equal(code(w.send(eve, 'RegisterUser', { username: 'eve', ...eve.keys(), encKeyId: nodeKeyId })), 'KEY_ALREADY_REGISTERED');
  const signing = raj.sigKeyId;
  assert.equal(code(w.send(raj, 'RotateKeys', { ...raj.keysAt(1), sigKeyId: hex64(`${ORG_B}/node`) }, { keyId: signing })), 'KEY_ALREADY_REGISTERED');
  // A genesis naming one key for an admin and a node is refused.
  const g = genesisFor([{ org: ORG_A, people: [new Person('gina')] }]);
  const clash = { ...g, orgs: [{ ...g.orgs[0]!, nodes: [{ nodeId: 'n1', sigKeyId: g.orgs[0]!.admins[0]!.sigKeyId }] }] };
  assert.throws(() => genesisWrites(clash), TypeError);
});

test('genesisWrites is deterministic and sorted, and refuses a malformed genesis with a TypeError', () => {
  const g = genesisFor([{ org: ORG_A, people: [new Person('gina'), new Person('gus')] }, { org: ORG_B, people: [new Person('bo1')] }]);
  const writes = genesisWrites(g);
  assert.deepEqual(genesisWrites(structuredClone(g)), writes);
  assert.deepEqual(writes.map(([k]) => k), writes.map(([k]) => k).sort());
  const view = new MemoryStateView(writes);
  assert.deepEqual(readState.org(view, ORG_A), { org: ORG_A, nodes: [{ nodeId: `${ORG_A}-node`, sigKeyId: g.orgs[0]!.nodes[0]!.sigKeyId }] });
  assert.deepEqual(
    { ...readState.role(view, 'gus', 'admin'), since: 0 },
    { username: 'gus', role: 'admin', org: ORG_A, sigKeyId: g.orgs[0]!.admins[1]!.sigKeyId, encKeyId: g.orgs[0]!.admins[1]!.encKeyId, term: 1, active: true, assignedBy: '', since: 0 },
  );
  assert.equal(readState.user(view, 'gus'), undefined, 'admins still register in block 1');
  const bad = [
    { ...g, time: -1 },
    { ...g, orgs: [] },
    { ...g, orgs: [{ ...g.orgs[0]!, org: 'Bad Org' }] },
    { ...g, orgs: [g.orgs[0]!, g.orgs[0]!] },
    { ...g, orgs: [{ ...g.orgs[0]!, admins: [] }] },
    { ...g, orgs: [{ ...g.orgs[0]!, admins: [{ ...g.orgs[0]!.admins[0]!, sigKeyId: 'xyz' }] }] },
  ];
  for (const b of bad) assert.throws(() => genesisWrites(b), TypeError);
});

test('roles are assigned only by an active admin of the same organisation', () => {
  const { w, adam, bert, raj, sara, tina } = { ...standardWorld(), tina: new Person('tina') };
  expectOk(w.register(tina));
  assert.equal(code(w.assignRole(bert, sara, 'doctor', ORG_A)), 'ADMIN_REQUIRED', 'admin of another org');
  assert.equal(code(w.assignRole(raj, sara, 'doctor', ORG_A)), 'ADMIN_REQUIRED', 'a patient');
  assert.equal(code(w.assignRole(bert, sara, 'doctor', ORG_B)), 'OK');
  assert.equal(code(w.assignRole(adam, tina, 'admin', ORG_A)), 'OK', 'admins may make admins of their own org');
  assert.equal(code(w.assignRole(tina, raj, 'doctor', ORG_A)), 'OK', 'a new admin acts at once');
  expectOk(w.revokeRole(adam, tina, 'admin', ORG_A));
  assert.equal(code(w.assignRole(tina, raj, 'doctor', ORG_A)), 'ADMIN_REQUIRED', 'a revoked admin no longer acts');
});

test('an admin cannot assign a role to themselves (four eyes), and AssignRole must name the current key ids', () => {
  const { w, adam, sara } = standardWorld();
  assert.equal(code(w.assignRole(adam, adam, 'doctor')), 'ROLE_SELF_ASSIGN');
  const stale = sara.keys();
  expectOk(w.rotate(sara));
  assert.equal(code(w.send(adam, 'AssignRole', { username: 'sara', role: 'doctor', org: ORG_A, encKeyId: stale.encKeyId, sigKeyId: stale.sigKeyId })), 'ROLE_KEYS_NOT_CURRENT');
  assert.equal(code(w.assignRole(adam, sara, 'doctor')), 'OK');
});

test('a role is held in one organisation at a time; the other organisation cannot take it over or revoke it', () => {
  const { w, adam, bert, meera } = standardWorld();
  assert.equal(code(w.assignRole(bert, meera, 'doctor', ORG_B)), 'ROLE_HELD_IN_OTHER_ORG');
  assert.equal(code(w.revokeRole(bert, meera, 'doctor', ORG_A)), 'ADMIN_REQUIRED');
  assert.equal(code(w.revokeRole(bert, meera, 'doctor', ORG_B)), 'ROLE_NOT_HELD');
  expectOk(w.revokeRole(adam, meera, 'doctor', ORG_A));
  assert.equal(code(w.assignRole(bert, meera, 'doctor', ORG_B)), 'OK', 'after revocation another org may assign it');
});

test('RotateKeys makes the new keys current and keeps the old ones in history for old wraps', () => {
  const { w, raj } = standardWorld();
  const old = raj.keys();
  const result = expectOk(w.rotate(raj));
  assert.equal(result.tx.header.keyId, old.sigKeyId, 'signed by the key being rotated out');
  const user = readState.user(w.state, 'raj')!;
  assert.equal(user.sigKeyId, raj.sigKeyId);
  assert.equal(user.encKeyId, raj.encKeyId);
  assert.equal(readState.key(w.state, old.encKeyId)?.username, 'raj', 'old enc key still resolvable');
  assert.equal(readState.key(w.state, old.sigKeyId)?.username, 'raj', 'old sig key still resolvable');
  assert.equal(code(w.send(raj, 'RotateKeys', old)), 'KEY_ALREADY_REGISTERED', 'a rotated-out key never comes back');
});

test("a doctor's rotated key needs a new AssignRole naming it before doctor actions work; re-assignment keeps standing grants", () => {
  const { w, alba, raj, meera } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  expectOk(w.grant(raj, meera, [recordId]));
  expectOk(w.rotate(meera));
  assert.equal(code(w.read(meera, recordId)), 'ROLE_KEY_NOT_VOUCHED');
  assert.equal(code(w.request(meera, 'raj', 'all')), 'ROLE_KEY_NOT_VOUCHED');
  assert.equal(code(w.grant(raj, meera, [recordId])), 'ROLE_KEY_NOT_VOUCHED', 'patients cannot grant to an unvouched key');
  expectOk(w.assignRole(alba, meera, 'doctor', ORG_A));
  assert.equal(readState.role(w.state, 'meera', 'doctor')?.term, 1, 're-vouching a rotated key keeps the term');
  assert.equal(code(w.read(meera, recordId)), 'OK', 'the grant stands again');
});

test('an admin who rotated keys needs another admin of the organisation to re-assign the admin role', () => {
  const { w, adam, alba, sara } = standardWorld();
  expectOk(w.rotate(adam));
  assert.equal(code(w.assignRole(adam, sara, 'doctor')), 'ROLE_KEY_NOT_VOUCHED');
  assert.equal(code(w.assignRole(adam, adam, 'admin')), 'ROLE_KEY_NOT_VOUCHED');
  expectOk(w.assignRole(alba, adam, 'admin'));
  assert.equal(code(w.assignRole(adam, sara, 'doctor')), 'OK');
});

test('RevokeRole voids grants issued to the doctor for good, even after the role is assigned again', () => {
  const { w, adam, raj, meera } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  expectOk(w.grant(raj, meera, [recordId], { expiresAt: w.time + 30 * DAY, scopes: ['read', 'contribute'] }));
  expectOk(w.revokeRole(adam, meera, 'doctor'));
  assert.equal(code(w.read(meera, recordId)), 'GRANT_VOID');
  expectOk(w.assignRole(adam, meera, 'doctor'));
  assert.equal(readState.role(w.state, 'meera', 'doctor')?.term, 2, 'a new term');
  assert.equal(code(w.read(meera, recordId)), 'GRANT_VOID', 'still void after re-assignment');
  assert.equal(code(w.addRecord(meera, 'raj', 'lab')), 'CONTRIBUTE_GRANT_REQUIRED', 'the contribute grant is void too');
  assert.equal(mayRead(w.state, 'meera', recordId, 1, w.time).ok, false);
  expectOk(w.grant(raj, meera, [recordId]));
  assert.equal(code(w.read(meera, recordId)), 'OK', 'a new grant in the new term works');
});

test("RevokeRole lapses the doctor's pending requests: they cannot be granted, and no longer block a new request", () => {
  const { w, adam, raj, meera } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const old = expectOk(w.request(meera, 'raj', [recordId]));
  expectOk(w.revokeRole(adam, meera, 'doctor'));
  expectOk(w.assignRole(adam, meera, 'doctor'));
  assert.equal(code(w.grant(raj, meera, [recordId], { requestId: old.tx.hash })), 'REQUEST_NOT_PENDING');
  assert.equal(code(w.request(meera, 'raj', [recordId])), 'OK');
});
