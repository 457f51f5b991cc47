/**
 * Parsers for the body of each transaction type: shape only (types, patterns,
 * sizes, exact field sets). Whether the body makes sense against the state is
 * the rules' job (rules/*.ts). README.md in this folder tabulates the bodies.
 */
import { ALG } from '../crypto/algorithms.ts';
import { parseManifest } from '../crypto/manifest.ts';
import { isDhlError } from '../crypto/errors.ts';
import {
  BodyInvalid, LIMITS, base64url, boolean, distinct, hex32, hex64, integer, list, matching, object, oneOf, org, text, username,
} from './parse.ts';
import type {
  ActiveTxType, AddRecordBody, AssignRoleBody, BodyOf, DenyRequestBody, DetachedSig, GrantAccessBody, Manifest, RecordReadBody,
  RegisterUserBody, RequestAccessBody, RevokeAccessBody, RevokeRoleBody, RotateKeysBody, SetListingBody, WrappedKey,
} from './types.ts';
import { ASSIGNABLE_ROLES, GRANT_SCOPES } from './types.ts';

const ALG_TEXT = /^[A-Za-z0-9._-]+$/;

function keyPair(b: Record<string, unknown>): { encSpki: string; encKeyId: string; sigSpki: string; sigKeyId: string } {
  const keys = {
    encSpki: base64url(b.encSpki, 'encSpki', LIMITS.spkiChars),
    encKeyId: hex64(b.encKeyId, 'encKeyId'),
    sigSpki: base64url(b.sigSpki, 'sigSpki', LIMITS.spkiChars),
    sigKeyId: hex64(b.sigKeyId, 'sigKeyId'),
  };
  // One key per use: a key id that is both would let an encryption key sign.
  if (keys.encKeyId === keys.sigKeyId) throw new BodyInvalid('sigKeyId');
  return keys;
}

function registerUser(body: unknown): RegisterUserBody {
  const b = object(body, 'body', ['username', 'encSpki', 'encKeyId', 'sigSpki', 'sigKeyId']);
  return { username: username(b.username, 'username'), ...keyPair(b) };
}

function rotateKeys(body: unknown): RotateKeysBody {
  return keyPair(object(body, 'body', ['encSpki', 'encKeyId', 'sigSpki', 'sigKeyId']));
}

function assignRole(body: unknown): AssignRoleBody {
  const b = object(body, 'body', ['username', 'role', 'org', 'encKeyId', 'sigKeyId']);
  return {
    username: username(b.username, 'username'),
    role: oneOf(b.role, 'role', ASSIGNABLE_ROLES),
    org: org(b.org, 'org'),
    encKeyId: hex64(b.encKeyId, 'encKeyId'),
    sigKeyId: hex64(b.sigKeyId, 'sigKeyId'),
  };
}

function revokeRole(body: unknown): RevokeRoleBody {
  const b = object(body, 'body', ['username', 'role', 'org']);
  return { username: username(b.username, 'username'), role: oneOf(b.role, 'role', ASSIGNABLE_ROLES), org: org(b.org, 'org') };
}

/** The manifest's shape is crypto's definition (one definition for signer and contract). */
function manifest(value: unknown): Manifest {
  let m: Manifest;
  try {
    m = parseManifest(value);
  } catch (err) {
    if (isDhlError(err, 'MANIFEST_INVALID')) throw new BodyInvalid(`manifest.${String(err.details.field ?? '')}`);
    throw err;
  }
  // Directory entries show the title to doctors: no hidden characters in it.
  text(m.title, 'manifest.title', m.title.length);
  return m;
}

function detachedSig(value: unknown, field: string): DetachedSig {
  const s = object(value, field, ['alg', 'keyId', 'sig']);
  return {
    alg: matching(s.alg, `${field}.alg`, ALG_TEXT, LIMITS.algChars),
    keyId: hex64(s.keyId, `${field}.keyId`),
    sig: base64url(s.sig, `${field}.sig`, LIMITS.sigChars),
  };
}

/** An RSA-OAEP wrap under a 3072-bit key is exactly 384 bytes: 512 base64url characters. */
const RSA_OAEP_3072_WRAP_CHARS = 512;

export function wrappedKey(value: unknown, field: string): WrappedKey {
  const w = object(value, field, ['recordId', 'version', 'keyId', 'alg', 'wrappedDek']);
  // Any well-formed name parses; the rules reject unknown algorithms with their own code.
  const alg = matching(w.alg, `${field}.alg`, ALG_TEXT, LIMITS.algChars);
  const wrappedDek = base64url(w.wrappedDek, `${field}.wrappedDek`, LIMITS.wrappedDekChars);
  // The size of a wrap is a property of its algorithm: one of another size cannot be unwrapped by anyone.
  if (alg === ALG.wrap && wrappedDek.length !== RSA_OAEP_3072_WRAP_CHARS) throw new BodyInvalid(`${field}.wrappedDek`);
  return { recordId: hex32(w.recordId, `${field}.recordId`), version: integer(w.version, `${field}.version`, 1), keyId: hex64(w.keyId, `${field}.keyId`), alg, wrappedDek };
}

function addRecord(body: unknown): AddRecordBody {
  const b = object(body, 'body', ['manifest', 'manifestSig', 'wrappedKeys']);
  return {
    manifest: manifest(b.manifest),
    manifestSig: detachedSig(b.manifestSig, 'manifestSig'),
    wrappedKeys: list(b.wrappedKeys, 'wrappedKeys', wrappedKey),
  };
}

function setListing(body: unknown): SetListingBody {
  const b = object(body, 'body', ['recordId', 'listed']);
  return { recordId: hex32(b.recordId, 'recordId'), listed: boolean(b.listed, 'listed') };
}

function requestAccess(body: unknown): RequestAccessBody {
  const b = object(body, 'body', ['patient', 'records', 'purpose', 'durationMs']);
  const records = b.records === 'all' ? 'all' : distinct(list(b.records, 'records', hex32), 'records');
  return {
    patient: username(b.patient, 'patient'),
    records,
    purpose: text(b.purpose, 'purpose', LIMITS.purposeChars),
    durationMs: integer(b.durationMs, 'durationMs', 1),
  };
}

function denyRequest(body: unknown): DenyRequestBody {
  const b = object(body, 'body', ['requestId', 'patient', 'doctor']);
  return { requestId: hex64(b.requestId, 'requestId'), patient: username(b.patient, 'patient'), doctor: username(b.doctor, 'doctor') };
}

function grantAccess(body: unknown): GrantAccessBody {
  const b = object(body, 'body', ['grantee', 'expiresAt', 'scopes', 'keys'], ['requestId']);
  const scopes = distinct(list(b.scopes, 'scopes', (v, f) => oneOf(v, f, GRANT_SCOPES)), 'scopes');
  // Read grants carry the keys to read with; a contribute-only grant names no record.
  const keys = list(b.keys, 'keys', wrappedKey, scopes.includes('read') ? 1 : 0);
  if (!scopes.includes('read') && keys.length > 0) throw new BodyInvalid('keys');
  const grant: GrantAccessBody = {
    grantee: username(b.grantee, 'grantee'),
    expiresAt: integer(b.expiresAt, 'expiresAt', 0),
    scopes,
    keys,
  };
  if (b.requestId !== undefined) grant.requestId = hex64(b.requestId, 'requestId');
  return grant;
}

function revokeAccess(body: unknown): RevokeAccessBody {
  const b = object(body, 'body', ['grantee'], ['recordIds', 'rekey']);
  const revoke: RevokeAccessBody = { grantee: username(b.grantee, 'grantee') };
  if (b.recordIds !== undefined) revoke.recordIds = distinct(list(b.recordIds, 'recordIds', hex32), 'recordIds');
  if (b.rekey !== undefined) revoke.rekey = boolean(b.rekey, 'rekey');
  return revoke;
}

function recordRead(body: unknown): RecordReadBody {
  const b = object(body, 'body', ['recordId', 'version']);
  return { recordId: hex32(b.recordId, 'recordId'), version: integer(b.version, 'version', 1) };
}

const PARSERS: { [T in ActiveTxType]: (body: unknown) => BodyOf[T] } = {
  RegisterUser: registerUser,
  AssignRole: assignRole,
  RevokeRole: revokeRole,
  RotateKeys: rotateKeys,
  AddRecord: addRecord,
  AddRecordVersion: addRecord,
  SetListing: setListing,
  RequestAccess: requestAccess,
  DenyRequest: denyRequest,
  GrantAccess: grantAccess,
  RevokeAccess: revokeAccess,
  RecordRead: recordRead,
};

export type ParsedBody<T extends ActiveTxType> = { ok: true; body: BodyOf[T] } | { ok: false; field: string };

/** Parses an untrusted body of an active type; never throws for bad input. */
export function parseBody<T extends ActiveTxType>(type: T, body: unknown): ParsedBody<T> {
  try {
    return { ok: true, body: PARSERS[type](body) };
  } catch (err) {
    if (err instanceof BodyInvalid) return { ok: false, field: err.field };
    throw err;
  }
}
