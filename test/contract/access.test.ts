/** RequestAccess, DenyRequest, GrantAccess, RevokeAccess, RecordRead. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, mayRead, readState } from '../../src/contract/index.ts';
import { DAY, PARAMS, code, expectOk, standardWorld, wrap } from './builders.ts';

function twoRecords() {
  const cast = standardWorld();
  const a = expectOk(cast.w.addRecord(cast.raj, 'raj', 'a')).recordId;
  const b = expectOk(cast.w.addRecord(cast.raj, 'raj', 'b')).recordId;
  return { ...cast, a, b };
}

test('RequestAccess: only an active doctor asks, never themselves, for records of the named patient', () => {
  const { w, sara, meera, a } = twoRecords();
  assert.equal(code(w.request(sara, 'raj', [a])), 'DOCTOR_REQUIRED');
  assert.equal(code(w.request(meera, 'meera', 'all')), 'ACCESS_SELF');
  assert.equal(code(w.request(meera, 'sara', [a])), 'RECORD_NOT_OF_PATIENT');
  assert.equal(code(w.request(meera, 'nobody', 'all')), 'USER_UNKNOWN');
  const ok = expectOk(w.request(meera, 'raj', [a]));
  assert.deepEqual(readState.request(w.state, ok.tx.hash), {
    requestId: ok.tx.hash, doctor: 'meera', patient: 'raj', records: [a], purpose: 'follow-up of fevers', durationMs: DAY,
    term: 1, createdAt: w.time, status: 'pending', closedBy: '',
  });
});

test('at most one pending request per (doctor, record); other records and other doctors are independent', () => {
  const { w, meera, nils, a, b } = twoRecords();
  expectOk(w.request(meera, 'raj', [a]));
  assert.equal(code(w.request(meera, 'raj', [a])), 'REQUEST_PENDING_EXISTS');
  assert.equal(code(w.request(meera, 'raj', [b, a])), 'REQUEST_PENDING_EXISTS');
  assert.equal(code(w.request(meera, 'raj', [b])), 'OK');
  assert.equal(code(w.request(nils, 'raj', [a])), 'OK');
});

test('"all" covers each of the patient\'s records: it conflicts with any pending request of that doctor to that patient', () => {
  const { w, meera, nils, a, b } = twoRecords();
  expectOk(w.request(meera, 'raj', 'all'));
  assert.equal(code(w.request(meera, 'raj', [b])), 'REQUEST_PENDING_EXISTS');
  assert.equal(code(w.request(meera, 'raj', 'all')), 'REQUEST_PENDING_EXISTS');
  expectOk(w.request(nils, 'raj', [a]));
  assert.equal(code(w.request(nils, 'raj', 'all')), 'REQUEST_PENDING_EXISTS');
  assert.equal(code(w.request(meera, 'sara', 'all')), 'OK', 'another patient');
});

test('DenyRequest: the patient denies, the doctor withdraws; either frees the (doctor, record) slot; nobody else may', () => {
  const { w, raj, sara, meera, a } = twoRecords();
  const r1 = expectOk(w.request(meera, 'raj', [a]));
  assert.equal(code(w.deny(sara, r1.tx.hash, 'raj', 'meera')), 'REQUEST_PARTIES_MISMATCH');
  assert.equal(code(w.deny(raj, r1.tx.hash, 'raj', 'nils')), 'REQUEST_PARTIES_MISMATCH', 'the body must name the real parties');
  expectOk(w.deny(raj, r1.tx.hash, 'raj', 'meera'));
  assert.equal(readState.request(w.state, r1.tx.hash)?.status, 'denied');
  assert.equal(w.get(KEY.pending('meera', a)), undefined, 'index entry removed');
  assert.equal(code(w.deny(raj, r1.tx.hash, 'raj', 'meera')), 'REQUEST_NOT_PENDING');
  const r2 = expectOk(w.request(meera, 'raj', [a]));
  expectOk(w.deny(meera, r2.tx.hash, 'raj', 'meera'));
  assert.equal(readState.request(w.state, r2.tx.hash)?.status, 'withdrawn');
  assert.equal(code(w.request(meera, 'raj', [a])), 'OK');
});

test('"all" is expanded at grant time: the grant lists explicit records, and a record added later is not covered', () => {
  const { w, raj, meera, a, b } = twoRecords();
  const request = expectOk(w.request(meera, 'raj', 'all'));
  expectOk(w.grant(raj, meera, [a, b], { requestId: request.tx.hash }));
  assert.equal(readState.request(w.state, request.tx.hash)?.status, 'granted');
  assert.equal(readState.grant(w.state, a, 'meera')?.grantId, readState.grant(w.state, b, 'meera')?.grantId);
  const later = expectOk(w.addRecord(raj, 'raj', 'later')).recordId;
  assert.equal(code(w.read(meera, later)), 'READ_NOT_PERMITTED');
  assert.equal(code(w.read(meera, a)), 'OK');
});

test('a grant answering a request must come from the asked patient, to the asking doctor, for records asked for', () => {
  const { w, raj, meera, nils, a, b } = twoRecords();
  const request = expectOk(w.request(meera, 'raj', [a]));
  assert.equal(code(w.grant(raj, nils, [a], { requestId: request.tx.hash })), 'REQUEST_PARTIES_MISMATCH');
  assert.equal(code(w.grant(raj, meera, [a, b], { requestId: request.tx.hash })), 'REQUEST_RECORDS_MISMATCH');
  assert.equal(code(w.grant(raj, meera, [a], { requestId: 'ab'.repeat(32) })), 'REQUEST_NOT_FOUND');
  expectOk(w.grant(raj, meera, [a], { requestId: request.tx.hash }));
  assert.equal(code(w.grant(raj, meera, [a], { requestId: request.tx.hash })), 'REQUEST_NOT_PENDING', 'a request is answered once');
  assert.equal(code(w.grant(raj, meera, [b])), 'OK', 'a patient may also grant without a request');
});

test('a doctor asking to contribute is answered by a contribute-only grant: the request is granted, and she may add to the chart but read nothing', () => {
  const { w, raj, meera, a, b } = twoRecords();
  const request = expectOk(w.send(meera, 'RequestAccess', { patient: 'raj', records: 'all', purpose: 'add the lab results of 12 May to your chart', durationMs: DAY }));
  const answer = expectOk(w.grant(raj, meera, [], { requestId: request.tx.hash, scopes: ['contribute'] }));
  assert.equal(readState.request(w.state, request.tx.hash)?.status, 'granted');
  assert.equal(readState.request(w.state, request.tx.hash)?.closedBy, answer.tx.hash);
  assert.equal(readState.contribute(w.state, 'raj', 'meera')?.grantId, answer.tx.hash);
  expectOk(w.addRecord(meera, 'raj', 'lab'));
  assert.equal(code(w.read(meera, a)), 'READ_NOT_PERMITTED', 'contribute reads nothing of the chart');
  // Answering a request for named records with contribute only is allowed too; read on other records never is.
  const named = expectOk(w.request(meera, 'raj', [a]));
  assert.equal(code(w.grant(raj, meera, [a, b], { requestId: named.tx.hash, scopes: ['read', 'contribute'] })), 'REQUEST_RECORDS_MISMATCH');
  expectOk(w.grant(raj, meera, [], { requestId: named.tx.hash, scopes: ['contribute'] }));
  assert.equal(readState.request(w.state, named.tx.hash)?.status, 'granted');
});

test("grant keys are wrapped for the grantee's current enc key, cover the latest version of each record, for the patient's own records", () => {
  const { w, raj, sara, meera, a } = twoRecords();
  expectOk(w.addVersion(raj, a));
  const grant = (keys: unknown[]) => code(w.send(raj, 'GrantAccess', { grantee: 'meera', expiresAt: w.time + DAY, scopes: ['read'], keys }));
  assert.equal(grant([wrap(a, 1, meera.encKeyId)]), 'GRANT_LATEST_VERSION_MISSING');
  assert.equal(grant([wrap(a, 3, meera.encKeyId)]), 'VERSION_NOT_FOUND');
  assert.equal(grant([wrap(a, 2, raj.encKeyId)]), 'WRAP_UNEXPECTED_RECIPIENT');
  assert.equal(grant([wrap(a, 2, meera.encKeyId), wrap(a, 2, meera.encKeyId)]), 'WRAP_DUPLICATE');
  assert.equal(grant([wrap(a, 2, meera.encKeyId, 'RSA1_5')]), 'WRAP_ALG_UNKNOWN');
  const saras = expectOk(w.addRecord(sara, 'sara', 's')).recordId;
  assert.equal(grant([wrap(saras, 1, meera.encKeyId)]), 'NOT_RECORD_OWNER');
  assert.equal(grant([wrap(a, 2, meera.encKeyId), wrap(a, 1, meera.encKeyId)]), 'OK', 'older versions may be included');
  assert.ok(w.get(KEY.wrapFor(a, 1, 'meera')), 'the grantee finds their wrapped keys in state');
});

test('grants go only to an active doctor whose keys are vouched, and must expire after the block time', () => {
  const { w, raj, sara, meera, a } = twoRecords();
  assert.equal(code(w.grant(raj, sara, [a])), 'GRANTEE_NOT_DOCTOR');
  assert.equal(code(w.grant(raj, raj, [a])), 'ACCESS_SELF');
  assert.equal(code(w.grant(raj, meera, [a], { expiresAt: w.time })), 'GRANT_EXPIRY_PASSED');
  assert.equal(code(w.send(raj, 'GrantAccess', { grantee: 'meera', expiresAt: w.time + DAY, scopes: ['read'], keys: [] })), 'BODY_INVALID', 'read needs keys');
  assert.equal(code(w.send(raj, 'GrantAccess', { grantee: 'meera', expiresAt: w.time + DAY, scopes: ['contribute'], keys: [wrap(a, 1, meera.encKeyId)] })), 'BODY_INVALID', 'contribute-only names no record');
  assert.equal(code(w.grant(raj, meera, [a], { scopes: ['read', 'read'] })), 'BODY_INVALID');
});

test('grants expire by block time: readable until just before expiresAt, refused from expiresAt on', () => {
  const { w, raj, meera, a } = twoRecords();
  expectOk(w.grant(raj, meera, [a], { expiresAt: w.time + 5000 }));
  w.advance(4999);
  assert.equal(code(w.read(meera, a)), 'OK');
  w.advance(1);
  assert.equal(code(w.read(meera, a)), 'GRANT_EXPIRED');
  assert.equal(mayRead(w.state, 'meera', a, 1, w.time - 1).ok, true, 'mayRead judges the time it is given');
});

test('a new grant on the same (record, doctor) replaces the previous one, shorter or longer', () => {
  const { w, raj, meera, a } = twoRecords();
  expectOk(w.grant(raj, meera, [a], { expiresAt: w.time + 10 * DAY }));
  expectOk(w.grant(raj, meera, [a], { expiresAt: w.time + 1000 }));
  w.advance(1000);
  assert.equal(code(w.read(meera, a)), 'GRANT_EXPIRED');
});

test('RevokeAccess takes effect at once: named records only, or every record and contribute when none is named', () => {
  const { w, raj, meera, nils, a, b } = twoRecords();
  expectOk(w.grant(raj, meera, [a, b], { scopes: ['read', 'contribute'] }));
  expectOk(w.grant(raj, nils, [a]));
  expectOk(w.revoke(raj, meera, [a]));
  assert.equal(code(w.read(meera, a)), 'READ_NOT_PERMITTED');
  assert.equal(code(w.read(meera, b)), 'OK', 'other records untouched');
  assert.equal(code(w.read(nils, a)), 'OK', 'other doctors untouched');
  assert.deepEqual(readState.record(w.state, a)?.grantees, ['nils']);
  assert.equal(code(w.revoke(raj, meera, [a])), 'GRANT_NOT_FOUND');
  expectOk(w.revoke(raj, meera, undefined, true));
  assert.equal(code(w.read(meera, b)), 'READ_NOT_PERMITTED');
  assert.equal(readState.contribute(w.state, 'raj', 'meera'), undefined);
  assert.equal(code(w.revoke(raj, meera)), 'GRANT_NOT_FOUND');
  assert.equal(code(w.revoke(raj, raj)), 'ACCESS_SELF');
});

test("only the owner revokes, and only grants on their own records", () => {
  const { w, raj, sara, meera, a } = twoRecords();
  expectOk(w.grant(raj, meera, [a]));
  assert.equal(code(w.revoke(sara, meera, [a])), 'NOT_RECORD_OWNER');
  assert.equal(code(w.revoke(sara, meera)), 'GRANT_NOT_FOUND');
  assert.equal(code(w.read(meera, a)), 'OK');
});

test('RecordRead is accepted for the owner, an author and an active grantee; refused reads are ledgered with their code', () => {
  const { w, raj, sara, meera, nils, a } = twoRecords();
  expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
  const lab = expectOk(w.addRecord(meera, 'raj', 'lab')).recordId;
  assert.equal(code(w.read(raj, a)), 'OK');
  assert.equal(code(w.read(raj, lab)), 'OK', 'owner of a record a doctor wrote');
  assert.equal(code(w.read(meera, lab)), 'OK', 'author');
  assert.equal(code(w.read(meera, a)), 'READ_NOT_PERMITTED', 'contribute alone does not read');
  assert.equal(code(w.read(sara, a)), 'READ_NOT_PERMITTED');
  assert.equal(code(w.read(nils, a, 2)), 'READ_NOT_PERMITTED', 'permission is checked before the version');
  assert.equal(code(w.read(raj, a, 2)), 'VERSION_NOT_FOUND');
  const refused = w.read(sara, a);
  assert.deepEqual(refused.writes, [[KEY.nonce('sara', refused.tx.header.nonce), refused.tx.header.notAfter]]);
});

test('a grant lasts at most the chain\'s maxGrantMs: expiresAt up to block time + maxGrantMs, never 2^53 − 1 (ACCESS_TOO_LONG)', () => {
  const { w, raj, meera, a } = twoRecords();
  assert.equal(code(w.grant(raj, meera, [a], { expiresAt: w.time + PARAMS.maxGrantMs + 1 })), 'ACCESS_TOO_LONG');
  assert.equal(code(w.grant(raj, meera, [a], { expiresAt: Number.MAX_SAFE_INTEGER })), 'ACCESS_TOO_LONG');
  assert.equal(code(w.grant(raj, meera, [], { scopes: ['contribute'], expiresAt: Number.MAX_SAFE_INTEGER })), 'ACCESS_TOO_LONG');
  expectOk(w.grant(raj, meera, [a], { expiresAt: w.time + PARAMS.maxGrantMs }));
});

test('a request asks for at most maxGrantMs (ACCESS_TOO_LONG above it)', () => {
  const { w, meera, a } = twoRecords();
  assert.equal(code(w.request(meera, 'raj', [a], PARAMS.maxGrantMs + 1)), 'ACCESS_TOO_LONG');
  assert.equal(code(w.request(meera, 'raj', [a], Number.MAX_SAFE_INTEGER)), 'ACCESS_TOO_LONG');
  expectOk(w.request(meera, 'raj', [a], PARAMS.maxGrantMs));
});

test("an author keeps no read access for good: after the patient revokes her grants and the admin her role, she reads neither her own version nor a later one", () => {
  const { w, adam, raj, meera } = standardWorld();
  expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
  const lab = expectOk(w.addRecord(meera, 'raj', 'lab')).recordId;
  assert.equal(code(w.read(meera, lab, 1)), 'OK', 'her own version, under a usable contribute grant');
  expectOk(w.revoke(raj, meera));
  assert.equal(code(w.read(meera, lab, 1)), 'READ_NOT_PERMITTED', 'the contribute grant was revoked');
  expectOk(w.revokeRole(adam, meera, 'doctor'));
  expectOk(w.addVersion(raj, lab, ['raj']));
  assert.equal(code(w.read(meera, lab, 1)), 'READ_NOT_PERMITTED');
  assert.equal(code(w.read(meera, lab, 2)), 'READ_NOT_PERMITTED');
  assert.equal(code(w.read(raj, lab, 1)), 'OK', 'the owner reads every version');
});

test('under a contribute grant an author reads only the versions she wrote; a read grant reads a version only if it is wrapped for the reader (VERSION_NOT_WRAPPED)', () => {
  const { w, raj, meera } = standardWorld();
  expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
  const lab = expectOk(w.addRecord(meera, 'raj', 'lab')).recordId;
  expectOk(w.addVersion(raj, lab));
  assert.equal(code(w.read(meera, lab, 2)), 'READ_NOT_PERMITTED', "raj's version: contribute does not read others' versions");
  // A read grant made for version 3 alone does not reach back to the versions it never wrapped.
  const { recordId: fevers } = expectOk(w.addRecord(raj, 'raj', 'fevers'));
  expectOk(w.addVersion(raj, fevers));
  expectOk(w.grant(raj, meera, [fevers]));
  assert.equal(code(w.read(meera, fevers, 2)), 'OK');
  assert.equal(code(w.read(meera, fevers, 1)), 'VERSION_NOT_WRAPPED');
  expectOk(w.send(raj, 'GrantAccess', { ...w.grantBody(meera, [fevers]), keys: [wrap(fevers, 1, meera.encKeyId), wrap(fevers, 2, meera.encKeyId)] }));
  assert.equal(code(w.read(meera, fevers, 1)), 'OK', 'once a grant wraps version 1 for her');
  assert.equal(code(w.read(meera, lab, 1)), 'OK', 'her own version still reads while the contribute grant stands');
});
