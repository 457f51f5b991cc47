/** AddRecord, AddRecordVersion, SetListing (DESIGN §6). */
import { ALG } from '../../crypto/algorithms.ts';
import type { RejectCode } from '../codes.ts';
import { KEY } from '../keys.ts';
import { checkContribute, checkRole, grantUsable, read, withItem, type Check } from '../model.ts';
import type { AddRecordBody, RecordState, SetListingBody, VersionState, WrappedKey } from '../types.ts';
import { ACCEPTED, reject, type Rule, type Scope } from './scope.ts';

/** Wrap algorithms a reader can unwrap today (DESIGN §4, crypto agility). */
export const WRAP_ALGS: readonly string[] = Object.freeze([ALG.wrap]);

/** A key a version must be wrapped for, and the code when it is not. */
type Recipient = { keyId: string; missing: RejectCode };

/**
 * The wrapped keys must be exactly one per recipient: none missing, none for a
 * key that is not entitled to the record (a grantee revoked before a re-key
 * must not get the new version), none twice.
 */
export function checkWraps(wraps: readonly WrappedKey[], recordId: string, version: number, recipients: readonly Recipient[]): Check {
  const entitled = new Set(recipients.map((r) => r.keyId));
  const seen = new Set<string>();
  for (const w of wraps) {
    if (w.recordId !== recordId || w.version !== version) return 'WRAP_CONTEXT_MISMATCH';
    if (!WRAP_ALGS.includes(w.alg)) return 'WRAP_ALG_UNKNOWN';
    if (seen.has(w.keyId)) return 'WRAP_DUPLICATE';
    if (!entitled.has(w.keyId)) return 'WRAP_UNEXPECTED_RECIPIENT';
    seen.add(w.keyId);
  }
  const missing = recipients.find((r) => !seen.has(r.keyId));
  return missing ? missing.missing : null;
}

/**
 * Each wrap under its recipient's name (the owner of its enc key). A user has
 * one wrap per version: a later grant re-wrapping a version for their new key
 * replaces the one for the old key.
 */
export function writeWraps(s: Scope, wraps: readonly WrappedKey[]): void {
  for (const w of wraps) s.state.set(KEY.wrapFor(w.recordId, w.version, read.key(s.state, w.keyId)!.username), { ...w, txHash: s.tx.hash });
}

/** Checks shared by both: the manifest is for this chain, and its author is the signer. */
function checkManifest(s: Scope, body: AddRecordBody): Check {
  const m = body.manifest;
  if (m.chain !== s.block.chain) return 'MANIFEST_CHAIN_MISMATCH';
  // The precheck verified manifestSig under manifestSig.keyId; the author must be the actor with the key that signed the tx.
  if (m.author !== s.actor || m.authorKeyId !== s.tx.header.keyId || body.manifestSig.keyId !== m.authorKeyId) {
    return 'MANIFEST_AUTHOR_MISMATCH';
  }
  if (m.chunkSize > s.block.params.chunkSizeMax) return 'CHUNK_SIZE_TOO_LARGE';
  return null;
}

/** A doctor acting on a patient's chart: an active doctor with a usable contribute grant. */
function checkContributor(s: Scope, patient: string): Check {
  return checkRole(s.state, s.actor, 'doctor', 'DOCTOR_REQUIRED') ?? checkContribute(s.state, patient, s.actor, s.now);
}

function encKeyOf(s: Scope, username: string): string {
  return read.user(s.state, username)!.encKeyId;
}

function writeVersion(s: Scope, body: AddRecordBody): void {
  const m = body.manifest;
  const version: VersionState = { recordId: m.recordId, version: m.version, manifest: m, manifestSig: body.manifestSig, txHash: s.tx.hash, addedAt: s.now };
  s.state.set(KEY.version(m.recordId, m.version), version);
  writeWraps(s, body.wrappedKeys);
}

/**
 * A new record in a patient's chart: by the patient, or by a doctor holding a
 * contribute grant from them. Wrapped for the patient's and the author's
 * current enc keys. Not listed until the patient lists it.
 */
export const addRecord: Rule<AddRecordBody> = (s, body) => {
  const m = body.manifest;
  const bad = checkManifest(s, body);
  if (bad) return reject(bad);
  if (m.version !== 1) return reject('VERSION_NOT_NEXT');
  if (read.record(s.state, m.recordId)) return reject('RECORD_EXISTS');
  if (!read.user(s.state, m.patient)) return reject('USER_UNKNOWN');
  if (m.patient !== s.actor) {
    const notContributor = checkContributor(s, m.patient);
    if (notContributor) return reject(notContributor);
  }
  const recipients: Recipient[] = [
    { keyId: encKeyOf(s, m.patient), missing: 'WRAP_MISSING_OWNER' },
    { keyId: encKeyOf(s, s.actor), missing: 'WRAP_MISSING_AUTHOR' },
  ];
  const badWraps = checkWraps(body.wrappedKeys, m.recordId, 1, recipients);
  if (badWraps) return reject(badWraps);

  const record: RecordState = {
    recordId: m.recordId, patient: m.patient, authors: [s.actor], latestVersion: 1, listed: false, grantees: [], createdAt: s.now,
  };
  s.state.set(KEY.record(m.recordId), record);
  writeVersion(s, body);
  const count = read.chart(s.state, m.patient)?.count ?? 0;
  s.state.set(KEY.chartEntry(m.patient, count), m.recordId);
  s.state.set(KEY.chart(m.patient), { count: count + 1 });
  return ACCEPTED;
};

/**
 * Recipients a new version must be wrapped for: the owner, the author, and
 * every grantee whose grant stands and whose doctor role names their current
 * keys. A standing grantee who rotated keys and awaits a new AssignRole is
 * neither required nor allowed (nobody encrypts for an unvouched key); once
 * re-assigned, the patient grants them the new version.
 */
function versionRecipients(s: Scope, record: RecordState): Recipient[] {
  const recipients: Recipient[] = [
    { keyId: encKeyOf(s, record.patient), missing: 'WRAP_MISSING_OWNER' },
    { keyId: encKeyOf(s, s.actor), missing: 'WRAP_MISSING_AUTHOR' },
  ];
  for (const grantee of record.grantees) {
    const grant = read.grant(s.state, record.recordId, grantee);
    if (grant && grantUsable(s.state, grant, s.now) === null) {
      recipients.push({ keyId: encKeyOf(s, grantee), missing: 'WRAP_MISSING_GRANTEE' });
    }
  }
  return recipients;
}

/** The next version of a record: by its owner, or by one of its authors who still holds a contribute grant. */
export const addRecordVersion: Rule<AddRecordBody> = (s, body) => {
  const m = body.manifest;
  const bad = checkManifest(s, body);
  if (bad) return reject(bad);
  const record = read.record(s.state, m.recordId);
  if (!record) return reject('RECORD_NOT_FOUND');
  if (m.patient !== record.patient) return reject('MANIFEST_PATIENT_MISMATCH');
  if (m.version !== record.latestVersion + 1) return reject('VERSION_NOT_NEXT');
  if (s.actor !== record.patient) {
    if (!record.authors.includes(s.actor)) return reject('NOT_RECORD_CONTRIBUTOR');
    const notContributor = checkContributor(s, record.patient);
    if (notContributor) return reject(notContributor);
  }
  const badWraps = checkWraps(body.wrappedKeys, m.recordId, m.version, versionRecipients(s, record));
  if (badWraps) return reject(badWraps);

  s.state.set(KEY.record(m.recordId), { ...record, latestVersion: m.version, authors: withItem(record.authors, s.actor) });
  writeVersion(s, body);
  return ACCEPTED;
};

/** The patient lists or unlists a record in the doctors' directory. */
export const setListing: Rule<SetListingBody> = (s, body) => {
  const record = read.record(s.state, body.recordId);
  if (!record) return reject('RECORD_NOT_FOUND');
  if (record.patient !== s.actor) return reject('NOT_RECORD_OWNER');
  s.state.set(KEY.record(body.recordId), { ...record, listed: body.listed });
  return ACCEPTED;
};
