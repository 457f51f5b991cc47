/** mayRead, directory, auditSubjects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { auditSubjects, directory, mayRead, readState, TX_TYPES } from '../../src/contract/index.ts';
import { DAY, Person, code, expectOk, hex32, standardWorld } from './builders.ts';

test('mayRead says why: owner, author under a contribute grant, or the read grant itself; and each refusal has its code', () => {
  const { w, adam, raj, meera, nils } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  assert.deepEqual(mayRead(w.state, 'raj', recordId, 1, w.time), { ok: true, via: 'owner' });
  const contribute = expectOk(w.grant(raj, nils, [], { scopes: ['contribute'] }));
  const lab = expectOk(w.addRecord(nils, 'raj', 'lab')).recordId;
  const asAuthor = mayRead(w.state, 'nils', lab, 1, w.time);
  assert.ok(asAuthor.ok && asAuthor.via === 'author');
  assert.equal(asAuthor.grant.grantId, contribute.tx.hash, 'under which contribute grant');
  const granted = expectOk(w.grant(raj, meera, [recordId], { expiresAt: w.time + DAY }));
  const decision = mayRead(w.state, 'meera', recordId, 1, w.time);
  assert.ok(decision.ok && decision.via === 'grant');
  assert.equal(decision.grant.grantId, granted.tx.hash, 'under which grant');
  assert.deepEqual(mayRead(w.state, 'meera', recordId, 1, w.time + DAY), { ok: false, code: 'GRANT_EXPIRED' });
  assert.deepEqual(mayRead(w.state, 'meera', recordId, 2, w.time), { ok: false, code: 'VERSION_NOT_FOUND' });
  assert.deepEqual(mayRead(w.state, 'meera', recordId, 0, w.time), { ok: false, code: 'VERSION_NOT_FOUND' });
  assert.deepEqual(mayRead(w.state, 'sara', recordId, 1, w.time), { ok: false, code: 'READ_NOT_PERMITTED' });
  assert.deepEqual(mayRead(w.state, 'ghost', recordId, 1, w.time), { ok: false, code: 'USER_UNKNOWN' });
  assert.deepEqual(mayRead(w.state, 'raj', hex32('none'), 1, w.time), { ok: false, code: 'RECORD_NOT_FOUND' });
  expectOk(w.revokeRole(adam, meera, 'doctor'));
  assert.deepEqual(mayRead(w.state, 'meera', recordId, 1, w.time), { ok: false, code: 'GRANT_VOID' });
});

test('directory: a doctor sees only the listed records of the exact patient asked for; the patient sees all their own', () => {
  const { w, raj, meera } = standardWorld();
  const listed = expectOk(w.addRecord(raj, 'raj', 'fevers', undefined, { title: 'fevers', mediaType: 'text/plain', size: 42 })).recordId;
  const hidden = expectOk(w.addRecord(raj, 'raj', 'private')).recordId;
  expectOk(w.setListing(raj, listed, true));
  const forDoctor = directory(w.state, 'meera', 'raj');
  assert.ok(forDoctor.ok);
  assert.deepEqual(forDoctor.entries, [{ recordId: listed, owner: 'raj', title: 'fevers', mediaType: 'text/plain', size: 42, createdAt: w.time, version: 1, listed: true }]);
  const own = directory(w.state, 'raj', 'raj');
  assert.ok(own.ok);
  assert.deepEqual(own.entries.map((e) => e.recordId), [listed, hidden]);
  assert.deepEqual(directory(w.state, 'sara', 'raj'), { ok: false, code: 'DOCTOR_REQUIRED' }, 'patients do not browse others');
  assert.deepEqual(directory(w.state, 'meera', 'nobody'), { ok: false, code: 'USER_UNKNOWN' });
  expectOk(w.rotate(meera));
  assert.deepEqual(directory(w.state, 'meera', 'raj'), { ok: false, code: 'ROLE_KEY_NOT_VOUCHED' });
});

test('directory entries follow the latest version of a record', () => {
  const { w, raj } = standardWorld();
  const id = expectOk(w.addRecord(raj, 'raj', 'r')).recordId;
  expectOk(w.setListing(raj, id));
  expectOk(w.addVersion(raj, id));
  const entries = directory(w.state, 'meera', 'raj');
  assert.ok(entries.ok);
  assert.equal(entries.entries[0]?.version, 2);
  assert.equal(entries.entries[0]?.title, readState.version(w.state, id, 2)?.manifest.title);
});

test('auditSubjects names the actor, every user and record the body names, and the owners of those records, for accepted and refused entries alike', () => {
  const { w, raj, meera } = standardWorld();
  const { recordId, tx: add } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const s = w.state;
  assert.deepEqual(auditSubjects(add, { ok: true }, s), { users: ['raj'], records: [recordId] });
  const grant = w.tx(raj, 'GrantAccess', w.grantBody(meera, [recordId]));
  assert.deepEqual(auditSubjects(grant, { ok: true }, s), { users: ['meera', 'raj'], records: [recordId] });
  const read = w.tx(meera, 'RecordRead', { recordId, version: 1 });
  assert.deepEqual(auditSubjects(read, { ok: false, code: 'READ_NOT_PERMITTED' }, s), { users: ['meera', 'raj'], records: [recordId] });
  const deny = w.tx(raj, 'DenyRequest', { requestId: 'ab'.repeat(32), patient: 'raj', doctor: 'meera' });
  assert.deepEqual(auditSubjects(deny, { ok: true }, s).users, ['meera', 'raj']);
  const request = w.tx(meera, 'RequestAccess', { patient: 'raj', records: 'all', purpose: 'p', durationMs: 1 });
  assert.deepEqual(auditSubjects(request, { ok: true }, s), { users: ['meera', 'raj'], records: [] });
  const revoke = w.tx(raj, 'RevokeAccess', { grantee: 'meera' });
  assert.deepEqual(auditSubjects(revoke, { ok: true }, s), { users: ['meera', 'raj'], records: [] });
  const assign = w.tx(raj, 'AssignRole', { username: 'sara', role: 'doctor', org: 'org-a', encKeyId: 'a'.repeat(64), sigKeyId: 'b'.repeat(64) });
  assert.deepEqual(auditSubjects(assign, { ok: false, code: 'ADMIN_REQUIRED' }, s).users, ['raj', 'sara']);
  const listing = w.tx(meera, 'SetListing', { recordId, listed: true });
  assert.deepEqual(auditSubjects(listing, { ok: false, code: 'NOT_RECORD_OWNER' }, s).users, ['meera', 'raj'], "someone else's attempt on raj's record");
});

test("a refused read is in the patient's audit: every RecordRead is indexed under the record's owner, through the state", () => {
  const { w, raj, sara } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'fevers'));
  const refused = w.read(sara, recordId);
  assert.equal(code(refused), 'READ_NOT_PERMITTED');
  assert.deepEqual(auditSubjects(refused.tx, refused.outcome, w.state), { users: ['raj', 'sara'], records: [recordId] });
  // A record the state does not know names no owner.
  assert.deepEqual(auditSubjects(w.tx(sara, 'RecordRead', { recordId: hex32('nothing'), version: 1 }), { ok: false, code: 'RECORD_NOT_FOUND' }, w.state).users, ['sara']);
});

test("an impersonation attempt is in the victim's audit: RegisterUser names the username it claims, accepted or not", () => {
  const { w, raj } = standardWorld();
  const attempt = w.send(raj, 'RegisterUser', { ...new Person('sara').keys(), username: 'sara' });
  assert.equal(code(attempt), 'USERNAME_NOT_ACTOR');
  assert.deepEqual(auditSubjects(attempt.tx, attempt.outcome, w.state).users, ['raj', 'sara']);
  const tina = new Person('tina');
  const own = expectOk(w.register(tina));
  assert.deepEqual(auditSubjects(own.tx, own.outcome, w.state).users, ['tina']);
});

test('auditSubjects of an unparsable body or an unknown type concerns the actor only, and never throws', () => {
  const { w, raj } = standardWorld();
  assert.deepEqual(auditSubjects(w.tx(raj, 'GrantAccess', { grantee: 42 }), { ok: false, code: 'BODY_INVALID' }, w.state), { users: ['raj'], records: [] });
  assert.deepEqual(auditSubjects(w.tx(raj, 'Bogus', {}), { ok: false, code: 'TYPE_UNKNOWN' }, w.state), { users: ['raj'], records: [] });
  fc.assert(
    fc.property(fc.constantFrom(...Object.values(TX_TYPES), 'x'), fc.anything(), fc.anything(), (type, body, actor) => {
      const tx = w.tx(raj, type, body, { actor: actor as string });
      const subjects = auditSubjects(tx, { ok: false, code: 'BODY_INVALID' }, w.state);
      assert.ok(Array.isArray(subjects.users) && Array.isArray(subjects.records));
    }),
  );
});
