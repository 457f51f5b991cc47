/** AddRecord, AddRecordVersion, SetListing: who may add, and for whom a version must (and may) be wrapped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, chartRecordIds, readState } from '../../src/contract/index.ts';
import { DAY, ORG_A, code, expectOk, hex32, standardWorld, wrap } from './builders.ts';

test("AddRecord by the patient: one wrap serves owner and author; record, version, wrap and chart entry are written, unlisted", () => {
  const { w, raj } = standardWorld();
  const result = expectOk(w.addRecord(raj, 'raj', 'fevers'));
  const id = result.recordId;
  assert.deepEqual(result.writes.map(([k]) => k).sort(), [
    KEY.chart('raj'), KEY.chartEntry('raj', 0), `nonce/raj/${result.tx.header.nonce}`, KEY.record(id), KEY.version(id, 1), KEY.wrapFor(id, 1, 'raj'),
  ].sort());
  const record = readState.record(w.state, id)!;
  assert.deepEqual(record, { recordId: id, patient: 'raj', authors: ['raj'], latestVersion: 1, listed: false, grantees: [], createdAt: w.time });
  assert.equal(readState.version(w.state, id, 1)?.manifestSig.keyId, raj.sigKeyId);
  assert.deepEqual(chartRecordIds(w.state, 'raj'), [id]);
});

test("a doctor adds to a patient's chart only under a usable contribute grant, wrapping for both patient and author", () => {
  const { w, raj, meera } = standardWorld();
  assert.equal(code(w.addRecord(meera, 'raj', 'lab1')), 'CONTRIBUTE_GRANT_REQUIRED');
  expectOk(w.grant(raj, meera, [], { scopes: ['contribute'], expiresAt: w.time + DAY }));
  const added = expectOk(w.addRecord(meera, 'raj', 'lab1'));
  const record = readState.record(w.state, added.recordId)!;
  assert.equal(record.patient, 'raj', 'the patient owns it');
  assert.deepEqual(record.authors, ['meera']);
  assert.equal(code(w.addRecord(meera, 'raj', 'lab2', ['meera'])), 'WRAP_MISSING_OWNER');
  assert.equal(code(w.addRecord(meera, 'raj', 'lab2', ['raj'])), 'WRAP_MISSING_AUTHOR');
  w.advance(DAY);
  assert.equal(code(w.addRecord(meera, 'raj', 'lab2')), 'CONTRIBUTE_GRANT_REQUIRED', 'expired');
});

test('a read-only grant does not let a doctor contribute, and revoking all access removes the contribute grant', () => {
  const { w, raj, meera } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  expectOk(w.grant(raj, meera, [recordId]));
  assert.equal(code(w.addRecord(meera, 'raj', 'lab')), 'CONTRIBUTE_GRANT_REQUIRED');
  expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
  expectOk(w.addRecord(meera, 'raj', 'lab'));
  expectOk(w.revoke(raj, meera));
  assert.equal(code(w.addRecord(meera, 'raj', 'lab2')), 'CONTRIBUTE_GRANT_REQUIRED');
});

test('AddRecordVersion must wrap for every standing grantee, and for nobody else', () => {
  const { w, raj, meera, nils } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  expectOk(w.grant(raj, meera, [recordId]));
  expectOk(w.grant(raj, nils, [recordId]));
  assert.equal(code(w.addVersion(raj, recordId, ['raj', 'meera'])), 'WRAP_MISSING_GRANTEE');
  assert.equal(code(w.addVersion(raj, recordId, ['raj', 'meera', 'nils', 'sara'])), 'WRAP_UNEXPECTED_RECIPIENT');
  const ok = expectOk(w.addVersion(raj, recordId, ['raj', 'meera', 'nils']));
  assert.ok(ok.writes.some(([k]) => k === KEY.wrapFor(recordId, 2, 'meera')));
  assert.equal(readState.record(w.state, recordId)?.latestVersion, 2);
});

test('expired, revoked and role-voided grants are not standing: a new version need not, and may not, wrap for them (re-key)', () => {
  const { w, adam, raj, meera, nils, sara } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  expectOk(w.assignRole(adam, sara, 'doctor', ORG_A));
  expectOk(w.grant(raj, meera, [recordId], { expiresAt: w.time + 1000 }));
  expectOk(w.grant(raj, nils, [recordId], { expiresAt: w.time + DAY }));
  expectOk(w.grant(raj, sara, [recordId], { expiresAt: w.time + DAY }));
  w.advance(1000); // meera's grant expired
  expectOk(w.revoke(raj, nils, [recordId], true)); // nils revoked, re-key intended
  expectOk(w.revokeRole(adam, sara, 'doctor')); // sara's grant void
  assert.equal(code(w.addVersion(raj, recordId, ['raj', 'meera'])), 'WRAP_UNEXPECTED_RECIPIENT');
  assert.equal(code(w.addVersion(raj, recordId, ['raj', 'nils'])), 'WRAP_UNEXPECTED_RECIPIENT');
  assert.equal(code(w.addVersion(raj, recordId, ['raj', 'sara'])), 'WRAP_UNEXPECTED_RECIPIENT');
  assert.equal(code(w.addVersion(raj, recordId, ['raj'])), 'OK');
});

test('a standing grantee whose keys rotated without re-assignment is neither required nor allowed in a new version', () => {
  const { w, alba, raj, meera } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  expectOk(w.grant(raj, meera, [recordId]));
  expectOk(w.rotate(meera));
  assert.equal(code(w.addVersion(raj, recordId, ['raj', 'meera'])), 'WRAP_UNEXPECTED_RECIPIENT');
  expectOk(w.addVersion(raj, recordId, ['raj']));
  expectOk(w.assignRole(alba, meera, 'doctor'));
  assert.equal(code(w.addVersion(raj, recordId, ['raj'])), 'WRAP_MISSING_GRANTEE', 'once vouched again, required again');
});

test('AddRecordVersion by someone other than the owner needs authorship of the record and a usable contribute grant', () => {
  const { w, raj, meera, nils } = standardWorld();
  expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
  const { recordId } = expectOk(w.addRecord(meera, 'raj', 'lab'));
  expectOk(w.addVersion(meera, recordId));
  expectOk(w.grant(raj, nils, [], { scopes: ['contribute'] }));
  assert.equal(code(w.addVersion(nils, recordId)), 'NOT_RECORD_CONTRIBUTOR', 'a contributor who did not author this record');
  expectOk(w.revoke(raj, meera));
  assert.equal(code(w.addVersion(meera, recordId)), 'CONTRIBUTE_GRANT_REQUIRED', 'an author whose contribute grant was revoked');
  expectOk(w.addVersion(raj, recordId));
  assert.deepEqual(readState.record(w.state, recordId)?.authors, ['meera', 'raj']);
});

test('a manifest must be for this chain, by the signing actor and key, within chunkSizeMax; a version names the same patient', () => {
  const { w, raj } = standardWorld();
  assert.equal(code(w.addRecord(raj, 'raj', 'a', undefined, { chain: 'dd'.repeat(32) })), 'MANIFEST_CHAIN_MISMATCH');
  assert.equal(code(w.addRecord(raj, 'raj', 'a', undefined, { author: 'sara' })), 'MANIFEST_AUTHOR_MISMATCH');
  const body = w.recordBody(raj, 'raj', hex32('b'), 1);
  assert.equal(code(w.send(raj, 'AddRecord', { ...body, manifestSig: { ...body.manifestSig, keyId: raj.encKeyId } })), 'MANIFEST_AUTHOR_MISMATCH');
  assert.equal(code(w.addRecord(raj, 'raj', 'a', undefined, { chunkSize: 1 << 21 })), 'CHUNK_SIZE_TOO_LARGE');
  assert.equal(code(w.addRecord(raj, 'raj', 'a', undefined, { chunkSize: 1000 })), 'BODY_INVALID', 'not a power of two');
  assert.equal(code(w.addRecord(raj, 'raj', 'a', undefined, { title: 'fevers\u202egnp.exe' })), 'BODY_INVALID', 'bidi override in a title');
  assert.equal(code(w.addRecord(raj, 'nobody', 'a')), 'USER_UNKNOWN');
  assert.equal(code(w.addRecord(raj, 'raj', 'a')), 'OK');
});

test('wrapped keys name the record and version they are for, with a known algorithm, once per key', () => {
  const { w, raj } = standardWorld();
  const id = hex32('w');
  const base = w.recordBody(raj, 'raj', id, 1);
  const send = (wrappedKeys: unknown[]) => code(w.send(raj, 'AddRecord', { ...base, wrappedKeys }));
  assert.equal(send([wrap(hex32('other'), 1, raj.encKeyId)]), 'WRAP_CONTEXT_MISMATCH');
  assert.equal(send([wrap(id, 1, raj.encKeyId, 'RSA-OAEP')]), 'WRAP_ALG_UNKNOWN');
  assert.equal(send([wrap(id, 1, raj.encKeyId), wrap(id, 1, raj.encKeyId)]), 'WRAP_DUPLICATE');
  assert.equal(send([]), 'BODY_INVALID');
  assert.equal(send([wrap(id, 1, raj.encKeyId)]), 'OK');
});

test('SetListing: only the owner lists or unlists a record', () => {
  const { w, raj, sara, meera } = standardWorld();
  expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
  const { recordId } = expectOk(w.addRecord(meera, 'raj', 'lab'));
  assert.equal(code(w.setListing(meera, recordId)), 'NOT_RECORD_OWNER', 'not even its author');
  assert.equal(code(w.setListing(sara, recordId)), 'NOT_RECORD_OWNER');
  expectOk(w.setListing(raj, recordId, true));
  assert.equal(readState.record(w.state, recordId)?.listed, true);
  expectOk(w.setListing(raj, recordId, false));
  assert.equal(readState.record(w.state, recordId)?.listed, false);
});

test('an RSA-OAEP-256 wrapped key is exactly 384 bytes (512 base64url characters): one character, 511 or 513 are BODY_INVALID', () => {
  const { w, raj, meera } = standardWorld();
  const recordId = hex32('record/short-wrap');
  const body = w.recordBody(raj, 'raj', recordId, 1);
  const good = body.wrappedKeys[0]!.wrappedDek;
  assert.equal(good.length, 512);
  for (const wrappedDek of ['A', good.slice(1), `${good}A`]) {
    const r = w.send(raj, 'AddRecord', { ...body, wrappedKeys: [{ ...body.wrappedKeys[0]!, wrappedDek }] });
    assert.equal(code(r), 'BODY_INVALID', `${wrappedDek.length} characters`);
    assert.equal(r.outcome.ok ? '' : r.outcome.field, 'wrappedKeys[0].wrappedDek');
  }
  expectOk(w.send(raj, 'AddRecord', body));
  const grant = w.grantBody(meera, [recordId]) as { keys: { wrappedDek: string }[] };
  grant.keys[0]!.wrappedDek = 'A';
  assert.equal(code(w.send(raj, 'GrantAccess', grant)), 'BODY_INVALID');
  // Another algorithm's size is its own: an unknown alg parses and is refused by the rules.
  const other = w.recordBody(raj, 'raj', hex32('record/other-alg'), 1);
  assert.equal(code(w.send(raj, 'AddRecord', { ...other, wrappedKeys: [{ ...other.wrappedKeys[0]!, alg: 'ML-KEM-768', wrappedDek: 'A' }] })), 'WRAP_ALG_UNKNOWN');
});
