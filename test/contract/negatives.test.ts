/**
 * Negatives as data (STYLE §10): one case per rejection code, each a small
 * scenario and the code it must produce. The table must cover every code in
 * the registry except the reserved ones, so a code cannot be declared and
 * never tested, and every rejected case must write at most its replay nonce.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REJECT_CODES, RESERVED_CODES, type ApplyResult, type RejectCode } from '../../src/contract/index.ts';
import { CHAIN, DAY, PARAMS, Person, World, code, expectOk, genesisFor, hex32, hex64, standardWorld, wrap, ORG_A, ORG_B } from './builders.ts';

type Case = { code: RejectCode; name: string; run: () => ApplyResult; writesNothing?: boolean };

/** raj has a record "fevers"; meera requested it and holds a read grant. */
function grantedWorld() {
  const cast = standardWorld();
  const { w, raj, meera } = cast;
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'fevers'));
  expectOk(w.grant(raj, meera, [recordId]));
  return { ...cast, recordId };
}

function withRecord() {
  const cast = standardWorld();
  const { recordId } = cast.w.addRecord(cast.raj, 'raj', 'fevers');
  return { ...cast, recordId };
}

const CASES: Case[] = [
  // Envelope
  { code: 'HEADER_INVALID', name: 'a nonce that is not 32 hex characters', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'SetListing', {}, { nonce: 'xyz' }); } },
  { code: 'HEADER_INVALID', name: 'an actor that is not a valid username', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'SetListing', {}, { actor: 'Raj!' }); } },
  { code: 'HEADER_INVALID', name: 'a header with a field DESIGN §13 does not define', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'SetListing', {}, { extra: 1 } as never); } },
  { code: 'HEADER_INVALID', name: 'a header naming another signature alg', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'SetListing', {}, { alg: 'RS256' } as never); } },
  { code: 'HEADER_INVALID', name: 'a header missing a field', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); const tx = w.tx(raj, 'SetListing', {}); delete (tx.header as Partial<typeof tx.header>).time; return w.submit(tx); } },
  { code: 'CHAIN_MISMATCH', name: 'a transaction signed for another chain', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'SetListing', {}, { chain: 'ff'.repeat(32) }); } },
  { code: 'TX_EXPIRED', name: 'notAfter one millisecond before the block time', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'SetListing', {}, { notAfter: w.time - 1 }); } },
  { code: 'NOT_AFTER_TOO_FAR', name: 'notAfter one millisecond beyond the window', writesNothing: true,
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'SetListing', {}, { notAfter: w.time + PARAMS.notAfterWindowMs + 1 }); } },
  { code: 'NONCE_REPLAYED', name: 'a second transaction reusing an (actor, nonce) pair', writesNothing: true,
    run: () => {
      const { w, raj, recordId } = withRecord();
      const first = w.setListing(raj, recordId);
      return w.send(raj, 'SetListing', { recordId, listed: false }, { nonce: first.tx.header.nonce });
    } },
  { code: 'TYPE_UNKNOWN', name: 'an unknown transaction type',
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'Frobnicate', {}); } },
  { code: 'TYPE_NOT_SUPPORTED', name: 'EmergencyAccess (reserved)',
    run: () => { const { w, meera } = standardWorld(); return w.send(meera, 'EmergencyAccess', { recordId: hex32('x'), justification: 'crash' }); } },
  { code: 'TYPE_NOT_SUPPORTED', name: 'EraseRecord (reserved)',
    run: () => { const { w, raj } = standardWorld(); return w.send(raj, 'EraseRecord', { recordId: hex32('x') }); } },
  { code: 'ACTOR_UNKNOWN', name: 'an unregistered actor',
    run: () => { const { w } = standardWorld(); return w.send(new Person('ghost'), 'SetListing', { recordId: hex32('x'), listed: true }); } },
  { code: 'KEY_NOT_CURRENT', name: "signed with the actor's rotated-out sig key",
    run: () => {
      const { w, raj, recordId } = withRecord();
      const old = raj.sigKeyId;
      expectOk(w.rotate(raj));
      return w.send(raj, 'SetListing', { recordId, listed: true }, { keyId: old });
    } },
  { code: 'KEY_NOT_CURRENT', name: "signed with another user's key",
    run: () => { const { w, raj, sara, recordId } = withRecord(); return w.send(raj, 'SetListing', { recordId, listed: true }, { keyId: sara.sigKeyId }); } },
  { code: 'BODY_INVALID', name: 'a field of the wrong type',
    run: () => { const { w, raj, recordId } = withRecord(); return w.send(raj, 'SetListing', { recordId, listed: 'yes' }); } },
  { code: 'BODY_INVALID', name: 'an unknown extra field',
    run: () => { const { w, raj, recordId } = withRecord(); return w.send(raj, 'SetListing', { recordId, listed: true, also: 1 }); } },

  // Users and keys
  { code: 'USERNAME_NOT_ACTOR', name: 'RegisterUser for another username',
    run: () => { const { w } = standardWorld(); const eve = new Person('eve'); return w.send(eve, 'RegisterUser', { ...eve.keys(), username: 'evan' }); } },
  { code: 'KEY_NOT_SIGNER', name: 'RegisterUser signed by a key other than the one it registers',
    run: () => { const { w } = standardWorld(); const eve = new Person('eve'); return w.send(eve, 'RegisterUser', { username: 'eve', ...eve.keys() }, { keyId: hex64('other') }); } },
  { code: 'USER_EXISTS', name: 'RegisterUser of a taken username',
    run: () => { const { w } = standardWorld(); const raj2 = new Person('raj'); raj2.generation = 7; return w.register(raj2); } },
  { code: 'USERNAME_LOOKALIKE', name: 'RegisterUser of a name that differs from a registered one only in separators',
    run: () => { const { w } = standardWorld(); return w.register(new Person('r.aj')); } },
  { code: 'KEY_ALREADY_REGISTERED', name: "RegisterUser claiming another user's enc key",
    run: () => { const { w, raj } = standardWorld(); const eve = new Person('eve'); return w.send(eve, 'RegisterUser', { username: 'eve', ...eve.keys(), encKeyId: raj.encKeyId }); } },
  { code: 'KEY_ALREADY_REGISTERED', name: 'RotateKeys back to a rotated-out key',
    run: () => {
      const { w, raj } = standardWorld();
      const first = raj.keys();
      expectOk(w.rotate(raj));
      return w.send(raj, 'RotateKeys', first);
    } },
  { code: 'GENESIS_KEYS_MISMATCH', name: 'a genesis admin registering with keys the genesis does not name',
    run: () => {
      const gina = new Person('gina');
      const w = new World(genesisFor([{ org: ORG_A, people: [gina] }]));
      gina.generation = 1;
      return w.register(gina);
    } },
  { code: 'USER_UNKNOWN', name: 'AssignRole to an unregistered user',
    run: () => { const { w, adam } = standardWorld(); return w.assignRole(adam, new Person('ghost'), 'doctor'); } },

  // Roles
  { code: 'ADMIN_REQUIRED', name: 'AssignRole by a patient',
    run: () => { const { w, raj, sara } = standardWorld(); return w.assignRole(raj, sara, 'doctor'); } },
  { code: 'ADMIN_REQUIRED', name: "AssignRole by an admin of another organisation",
    run: () => { const { w, bert, sara } = standardWorld(); return w.assignRole(bert, sara, 'doctor', ORG_A); } },
  { code: 'DOCTOR_REQUIRED', name: 'RequestAccess by a patient',
    run: () => { const { w, sara, recordId } = withRecord(); return w.request(sara, 'raj', [recordId]); } },
  { code: 'ROLE_KEY_NOT_VOUCHED', name: 'a doctor acting after rotating keys, before a new AssignRole',
    run: () => { const { w, meera, recordId } = withRecord(); expectOk(w.rotate(meera)); return w.request(meera, 'raj', [recordId]); } },
  { code: 'ROLE_SELF_ASSIGN', name: 'an admin assigning a role to themselves',
    run: () => { const { w, adam } = standardWorld(); return w.assignRole(adam, adam, 'doctor'); } },
  { code: 'ROLE_KEYS_NOT_CURRENT', name: "AssignRole naming a user's rotated-out keys",
    run: () => {
      const { w, adam, sara } = standardWorld();
      const stale = sara.keys();
      expectOk(w.rotate(sara));
      return w.send(adam, 'AssignRole', { username: 'sara', role: 'doctor', org: ORG_A, encKeyId: stale.encKeyId, sigKeyId: stale.sigKeyId });
    } },
  { code: 'ROLE_ALREADY_ASSIGNED', name: 'AssignRole repeating an active assignment',
    run: () => { const { w, alba, meera } = standardWorld(); return w.assignRole(alba, meera, 'doctor'); } },
  { code: 'ROLE_HELD_IN_OTHER_ORG', name: 'AssignRole of a doctor active in another organisation',
    run: () => { const { w, bert, meera } = standardWorld(); return w.assignRole(bert, meera, 'doctor', ORG_B); } },
  { code: 'ROLE_NOT_HELD', name: 'RevokeRole of a role the user does not hold',
    run: () => { const { w, adam, raj } = standardWorld(); return w.revokeRole(adam, raj, 'doctor'); } },
  { code: 'ROLE_NOT_HELD', name: 'RevokeRole naming another organisation than the role is held in',
    run: () => { const { w, bert, meera } = standardWorld(); return w.revokeRole(bert, meera, 'doctor', ORG_B); } },

  // Records
  { code: 'MANIFEST_CHAIN_MISMATCH', name: 'a manifest for another chain',
    run: () => { const { w, raj } = standardWorld(); return w.addRecord(raj, 'raj', 'r', undefined, { chain: 'ee'.repeat(32) }); } },
  { code: 'MANIFEST_AUTHOR_MISMATCH', name: 'a manifest naming another author',
    run: () => { const { w, raj } = standardWorld(); return w.addRecord(raj, 'raj', 'r', undefined, { author: 'sara' }); } },
  { code: 'MANIFEST_AUTHOR_MISMATCH', name: 'a manifest naming a key other than the signing key',
    run: () => { const { w, raj } = standardWorld(); return w.addRecord(raj, 'raj', 'r', undefined, { authorKeyId: hex64('k') }); } },
  { code: 'MANIFEST_PATIENT_MISMATCH', name: "a version whose manifest names another patient",
    run: () => {
      const { w, raj, recordId } = withRecord();
      const body = w.recordBody(raj, 'sara', recordId, 2, ['raj']);
      return w.send(raj, 'AddRecordVersion', body);
    } },
  { code: 'CHUNK_SIZE_TOO_LARGE', name: "chunkSize above the chain's chunkSizeMax",
    run: () => { const { w, raj } = standardWorld(); return w.addRecord(raj, 'raj', 'r', undefined, { chunkSize: PARAMS.chunkSizeMax * 2 }); } },
  { code: 'RECORD_EXISTS', name: 'AddRecord reusing a record id',
    run: () => { const { w, raj } = withRecord(); return w.addRecord(raj, 'raj', 'fevers'); } },
  { code: 'RECORD_NOT_FOUND', name: 'SetListing of an unknown record',
    run: () => { const { w, raj } = standardWorld(); return w.setListing(raj, hex32('nothing')); } },
  { code: 'VERSION_NOT_NEXT', name: 'AddRecord with version 2',
    run: () => {
      const { w, raj } = standardWorld();
      const id = hex32('v2');
      return w.send(raj, 'AddRecord', w.recordBody(raj, 'raj', id, 2, ['raj']));
    } },
  { code: 'VERSION_NOT_NEXT', name: 'AddRecordVersion skipping a version',
    run: () => { const { w, raj, recordId } = withRecord(); return w.send(raj, 'AddRecordVersion', w.recordBody(raj, 'raj', recordId, 3, ['raj'])); } },
  { code: 'VERSION_NOT_FOUND', name: 'RecordRead of a version that does not exist',
    run: () => { const { w, raj, recordId } = withRecord(); return w.read(raj, recordId, 2); } },
  { code: 'NOT_RECORD_OWNER', name: "SetListing of another patient's record",
    run: () => { const { w, sara, recordId } = withRecord(); return w.setListing(sara, recordId); } },
  { code: 'NOT_RECORD_CONTRIBUTOR', name: 'AddRecordVersion by a doctor who did not author the record',
    run: () => {
      const { w, raj, meera, recordId } = withRecord();
      expectOk(w.grant(raj, meera, [recordId], { scopes: ['read', 'contribute'] }));
      return w.addVersion(meera, recordId);
    } },
  { code: 'CONTRIBUTE_GRANT_REQUIRED', name: "a doctor adding to a patient's chart without a contribute grant",
    run: () => { const { w, meera } = standardWorld(); return w.addRecord(meera, 'raj', 'lab'); } },
  { code: 'RECORD_NOT_OF_PATIENT', name: "RequestAccess naming another patient's record",
    run: () => { const { w, meera, recordId } = withRecord(); return w.request(meera, 'sara', [recordId]); } },

  // Wrapped keys
  { code: 'WRAP_CONTEXT_MISMATCH', name: 'a wrapped key naming another version',
    run: () => {
      const { w, raj } = standardWorld();
      const id = hex32('ctx');
      const body = w.recordBody(raj, 'raj', id, 1);
      return w.send(raj, 'AddRecord', { ...body, wrappedKeys: [wrap(id, 2, raj.encKeyId)] });
    } },
  { code: 'WRAP_ALG_UNKNOWN', name: 'a wrapped key with an unknown algorithm',
    run: () => {
      const { w, raj } = standardWorld();
      const id = hex32('alg');
      return w.send(raj, 'AddRecord', { ...w.recordBody(raj, 'raj', id, 1), wrappedKeys: [wrap(id, 1, raj.encKeyId, 'RSA1_5')] });
    } },
  { code: 'WRAP_DUPLICATE', name: 'two wrapped keys for the same recipient',
    run: () => {
      const { w, raj } = standardWorld();
      const id = hex32('dup');
      return w.send(raj, 'AddRecord', { ...w.recordBody(raj, 'raj', id, 1), wrappedKeys: [wrap(id, 1, raj.encKeyId), wrap(id, 1, raj.encKeyId)] });
    } },
  { code: 'WRAP_MISSING_OWNER', name: "a doctor's record for a patient not wrapped for the patient",
    run: () => {
      const { w, raj, meera } = standardWorld();
      expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
      return w.addRecord(meera, 'raj', 'lab', ['meera']);
    } },
  { code: 'WRAP_MISSING_AUTHOR', name: "a doctor's record for a patient not wrapped for the author",
    run: () => {
      const { w, raj, meera } = standardWorld();
      expectOk(w.grant(raj, meera, [], { scopes: ['contribute'] }));
      return w.addRecord(meera, 'raj', 'lab', ['raj']);
    } },
  { code: 'WRAP_MISSING_GRANTEE', name: 'a new version not wrapped for a standing grantee',
    run: () => { const { w, raj, recordId } = grantedWorld(); return w.addVersion(raj, recordId, ['raj']); } },
  { code: 'WRAP_UNEXPECTED_RECIPIENT', name: 'a record wrapped for a user with no right to it',
    run: () => { const { w, raj } = standardWorld(); return w.addRecord(raj, 'raj', 'r', ['raj', 'sara']); } },
  { code: 'WRAP_UNEXPECTED_RECIPIENT', name: "grant keys wrapped for a key other than the grantee's current enc key",
    run: () => {
      const { w, raj, recordId } = withRecord();
      return w.send(raj, 'GrantAccess', { grantee: 'meera', expiresAt: w.time + DAY, scopes: ['read'], keys: [wrap(recordId, 1, raj.encKeyId)] });
    } },

  // Requests and grants
  { code: 'ACCESS_SELF', name: 'a patient granting to themselves',
    run: () => { const { w, raj, recordId } = withRecord(); return w.grant(raj, raj, [recordId]); } },
  { code: 'REQUEST_PENDING_EXISTS', name: 'a second pending request for the same (doctor, record)',
    run: () => { const { w, meera, recordId } = withRecord(); expectOk(w.request(meera, 'raj', [recordId])); return w.request(meera, 'raj', [recordId]); } },
  { code: 'REQUEST_NOT_FOUND', name: 'DenyRequest of an unknown request',
    run: () => { const { w, raj } = standardWorld(); return w.deny(raj, hex64('none'), 'raj', 'meera'); } },
  { code: 'REQUEST_NOT_PENDING', name: 'DenyRequest of a request already denied',
    run: () => {
      const { w, raj, meera, recordId } = withRecord();
      const r = w.request(meera, 'raj', [recordId]);
      expectOk(w.deny(raj, r.tx.hash, 'raj', 'meera'));
      return w.deny(raj, r.tx.hash, 'raj', 'meera');
    } },
  { code: 'REQUEST_PARTIES_MISMATCH', name: 'DenyRequest by a user who is neither party',
    run: () => {
      const { w, sara, meera, recordId } = withRecord();
      const r = w.request(meera, 'raj', [recordId]);
      return w.deny(sara, r.tx.hash, 'raj', 'meera');
    } },
  { code: 'REQUEST_RECORDS_MISMATCH', name: 'a grant answering a request with records it did not ask for',
    run: () => {
      const { w, raj, meera, recordId } = withRecord();
      const other = w.addRecord(raj, 'raj', 'other').recordId;
      const r = w.request(meera, 'raj', [recordId]);
      return w.grant(raj, meera, [other], { requestId: r.tx.hash });
    } },
  { code: 'GRANTEE_NOT_DOCTOR', name: 'a grant to a patient',
    run: () => { const { w, raj, sara, recordId } = withRecord(); return w.grant(raj, sara, [recordId]); } },
  { code: 'ACCESS_TOO_LONG', name: "a grant expiring beyond block time + the chain's maxGrantMs",
    run: () => { const { w, raj, meera, recordId } = withRecord(); return w.grant(raj, meera, [recordId], { expiresAt: w.time + PARAMS.maxGrantMs + 1 }); } },
  { code: 'ACCESS_TOO_LONG', name: "a request for longer than the chain's maxGrantMs",
    run: () => { const { w, meera, recordId } = withRecord(); return w.request(meera, 'raj', [recordId], PARAMS.maxGrantMs + 1); } },
  { code: 'VERSION_NOT_WRAPPED', name: 'a read under a grant of a version the grant never wrapped for the reader',
    run: () => {
      const { w, raj, meera, recordId } = withRecord();
      expectOk(w.addVersion(raj, recordId));
      expectOk(w.grant(raj, meera, [recordId]));
      return w.read(meera, recordId, 1);
    } },
  { code: 'GRANT_EXPIRY_PASSED', name: 'a grant expiring at the block time',
    run: () => { const { w, raj, meera, recordId } = withRecord(); return w.grant(raj, meera, [recordId], { expiresAt: w.time }); } },
  { code: 'GRANT_LATEST_VERSION_MISSING', name: 'grant keys for an old version only',
    run: () => {
      const { w, raj, recordId } = withRecord();
      expectOk(w.addVersion(raj, recordId));
      return w.send(raj, 'GrantAccess', { grantee: 'meera', expiresAt: w.time + DAY, scopes: ['read'], keys: [wrap(recordId, 1, w.encKeyOf('meera'))] });
    } },
  { code: 'GRANT_NOT_FOUND', name: 'RevokeAccess with nothing to revoke',
    run: () => { const { w, raj, meera } = withRecord(); return w.revoke(raj, meera); } },

  // Reads
  { code: 'READ_NOT_PERMITTED', name: 'a read by someone with no ownership, authorship or grant',
    run: () => { const { w, nils, recordId } = withRecord(); return w.read(nils, recordId); } },
  { code: 'GRANT_EXPIRED', name: 'a read at the grant’s expiresAt',
    run: () => { const { w, meera, recordId } = grantedWorld(); w.advance(DAY); return w.read(meera, recordId); } },
  { code: 'GRANT_VOID', name: "a read after the grantee's doctor role was revoked",
    run: () => { const { w, adam, meera, recordId } = grantedWorld(); expectOk(w.revokeRole(adam, meera, 'doctor')); return w.read(meera, recordId); } },
];

for (const c of CASES) {
  test(`rejects ${c.name}: ${c.code}`, () => {
    const result = c.run();
    assert.equal(code(result), c.code);
    const tx = (result as { tx?: { header: { actor: string; nonce: string } } }).tx!;
    const expected = c.writesNothing ? [] : [`nonce/${tx.header.actor}/${tx.header.nonce}`];
    assert.deepEqual(result.writes.map(([k]) => k), expected, 'a rejected transaction writes nothing but its replay nonce');
  });
}

test('the negative table covers every code in the registry except the reserved ones', () => {
  const covered = new Set(CASES.map((c) => c.code));
  const expected = Object.keys(REJECT_CODES).filter((k) => !RESERVED_CODES.includes(k as RejectCode));
  assert.deepEqual(expected.filter((k) => !covered.has(k as RejectCode)), []);
  assert.deepEqual([...covered].filter((k) => RESERVED_CODES.includes(k)), []);
});

test('CHAIN constant is a hex chain id', () => assert.match(CHAIN, /^[0-9a-f]{64}$/));
