/** RequestAccess, DenyRequest, GrantAccess, RevokeAccess, RecordRead (DESIGN §6). */
import { KEY } from '../keys.ts';
import { chartRecordIds, checkRole, isPending, pendingAt, read, withItem, withoutItem, type Check } from '../model.ts';
import { mayRead } from '../queries.ts';
import type {
  ContributeState, DenyRequestBody, GrantAccessBody, GrantState, RecordReadBody, RequestAccessBody, RequestState, RequestStatus,
  RevokeAccessBody,
} from '../types.ts';
import { WRAP_ALGS, writeWraps } from './records.ts';
import { ACCEPTED, reject, type Rule, type Scope } from './scope.ts';

/** Index keys of a request: one per named record, or one for "all" of the patient's records. */
function pendingKeys(request: Pick<RequestState, 'doctor' | 'patient' | 'records'>): string[] {
  return request.records === 'all'
    ? [KEY.pendingAll(request.doctor, request.patient)]
    : request.records.map((id) => KEY.pending(request.doctor, id));
}

/**
 * At most one pending request per (doctor, record): "all" covers each of the
 * patient's records, so it conflicts with any pending request to that patient.
 */
function hasPendingConflict(s: Scope, patient: string, records: string[] | 'all'): boolean {
  if (pendingAt(s.state, KEY.pendingAll(s.actor, patient))) return true;
  const ids = records === 'all' ? chartRecordIds(s.state, patient) : records;
  return ids.some((id) => pendingAt(s.state, KEY.pending(s.actor, id)) !== undefined);
}

function checkRequestedRecords(s: Scope, patient: string, records: string[]): Check {
  for (const id of records) {
    const record = read.record(s.state, id);
    if (!record) return 'RECORD_NOT_FOUND';
    if (record.patient !== patient) return 'RECORD_NOT_OF_PATIENT';
  }
  return null;
}

/** A doctor asks a patient for records (or "all"), with a purpose and a duration; the request id is this tx's hash. */
export const requestAccess: Rule<RequestAccessBody> = (s, body) => {
  const asDoctor = checkRole(s.state, s.actor, 'doctor', 'DOCTOR_REQUIRED');
  if (asDoctor) return reject(asDoctor);
  if (body.patient === s.actor) return reject('ACCESS_SELF');
  if (!read.user(s.state, body.patient)) return reject('USER_UNKNOWN');
  if (body.durationMs > s.block.params.maxGrantMs) return reject('ACCESS_TOO_LONG');
  if (body.records !== 'all') {
    const bad = checkRequestedRecords(s, body.patient, body.records);
    if (bad) return reject(bad);
  }
  if (hasPendingConflict(s, body.patient, body.records)) return reject('REQUEST_PENDING_EXISTS');

  const request: RequestState = {
    requestId: s.tx.hash, doctor: s.actor, patient: body.patient, records: body.records, purpose: body.purpose,
    durationMs: body.durationMs, term: read.role(s.state, s.actor, 'doctor')!.term, createdAt: s.now, status: 'pending', closedBy: '',
  };
  s.state.set(KEY.request(request.requestId), request);
  for (const key of pendingKeys(request)) s.state.set(key, request.requestId);
  return ACCEPTED;
};

function closeRequest(s: Scope, request: RequestState, status: RequestStatus): void {
  s.state.set(KEY.request(request.requestId), { ...request, status, closedBy: s.tx.hash });
  for (const key of pendingKeys(request)) {
    if (read.pointer(s.state, key) === request.requestId) s.state.delete(key);
  }
}

/**
 * The patient denies a pending request, or the doctor withdraws it. The body
 * names both parties so the body alone says whom the entry concerns (auditSubjects).
 */
export const denyRequest: Rule<DenyRequestBody> = (s, body) => {
  const request = read.request(s.state, body.requestId);
  if (!request) return reject('REQUEST_NOT_FOUND');
  if (request.patient !== body.patient || request.doctor !== body.doctor) return reject('REQUEST_PARTIES_MISMATCH');
  if (s.actor !== request.patient && s.actor !== request.doctor) return reject('REQUEST_PARTIES_MISMATCH');
  if (!isPending(s.state, request)) return reject('REQUEST_NOT_PENDING');
  closeRequest(s, request, s.actor === request.patient ? 'denied' : 'withdrawn');
  return ACCEPTED;
};

/** Each key is for a version of one of the actor's records, wrapped for the grantee's current enc key. */
function checkGrantKeys(s: Scope, body: GrantAccessBody, granteeEncKeyId: string): Check {
  const seen = new Set<string>();
  for (const w of body.keys) {
    const record = read.record(s.state, w.recordId);
    if (!record) return 'RECORD_NOT_FOUND';
    if (record.patient !== s.actor) return 'NOT_RECORD_OWNER';
    if (w.version > record.latestVersion) return 'VERSION_NOT_FOUND';
    if (!WRAP_ALGS.includes(w.alg)) return 'WRAP_ALG_UNKNOWN';
    if (w.keyId !== granteeEncKeyId) return 'WRAP_UNEXPECTED_RECIPIENT';
    const slot = `${w.recordId}/${w.version}`;
    if (seen.has(slot)) return 'WRAP_DUPLICATE';
    seen.add(slot);
  }
  const uncovered = grantedRecordIds(body).find((id) => !seen.has(`${id}/${read.record(s.state, id)!.latestVersion}`));
  return uncovered === undefined ? null : 'GRANT_LATEST_VERSION_MISSING';
}

function grantedRecordIds(body: GrantAccessBody): string[] {
  return [...new Set(body.keys.map((k) => k.recordId))];
}

/** A grant answering a request must be to the requesting doctor, from the asked patient, for records asked for. */
function checkAnsweredRequest(s: Scope, body: GrantAccessBody, requestId: string): Check {
  const request = read.request(s.state, requestId);
  if (!request) return 'REQUEST_NOT_FOUND';
  if (request.patient !== s.actor || request.doctor !== body.grantee) return 'REQUEST_PARTIES_MISMATCH';
  if (!isPending(s.state, request)) return 'REQUEST_NOT_PENDING';
  // The answer gives read on some of the records asked for and no other, and/or contribute: a doctor
  // asking to add to the chart (a request names records and a purpose) is answered by a contribute grant.
  const asked = request.records;
  if (asked !== 'all' && grantedRecordIds(body).some((id) => !asked.includes(id))) return 'REQUEST_RECORDS_MISMATCH';
  return null;
}

function writeGrants(s: Scope, body: GrantAccessBody, term: number): void {
  for (const recordId of grantedRecordIds(body)) {
    const grant: GrantState = {
      grantId: s.tx.hash, grantor: s.actor, grantee: body.grantee, recordId, scopes: ['read'], expiresAt: body.expiresAt, term, issuedAt: s.now,
    };
    s.state.set(KEY.grant(recordId, body.grantee), grant);
    const record = read.record(s.state, recordId)!;
    s.state.set(KEY.record(recordId), { ...record, grantees: withItem(record.grantees, body.grantee) });
  }
  writeWraps(s, body.keys);
  if (body.scopes.includes('contribute')) {
    const contribute: ContributeState = { grantId: s.tx.hash, grantor: s.actor, grantee: body.grantee, expiresAt: body.expiresAt, term, issuedAt: s.now };
    s.state.set(KEY.contribute(s.actor, body.grantee), contribute);
  }
}

/**
 * The patient grants a doctor: `read` on the records whose keys it carries
 * ("all" in a request is expanded here, by the patient's client, into explicit
 * records), and/or `contribute` to their chart. A new grant on a (record,
 * doctor) replaces the previous one.
 */
export const grantAccess: Rule<GrantAccessBody> = (s, body) => {
  if (body.grantee === s.actor) return reject('ACCESS_SELF');
  const grantee = read.user(s.state, body.grantee);
  if (!grantee) return reject('USER_UNKNOWN');
  const asDoctor = checkRole(s.state, body.grantee, 'doctor', 'GRANTEE_NOT_DOCTOR');
  if (asDoctor) return reject(asDoctor);
  if (body.expiresAt <= s.now) return reject('GRANT_EXPIRY_PASSED');
  if (body.expiresAt > s.now + s.block.params.maxGrantMs) return reject('ACCESS_TOO_LONG');
  const badKeys = checkGrantKeys(s, body, grantee.encKeyId);
  if (badKeys) return reject(badKeys);
  if (body.requestId !== undefined) {
    const badRequest = checkAnsweredRequest(s, body, body.requestId);
    if (badRequest) return reject(badRequest);
  }

  writeGrants(s, body, read.role(s.state, body.grantee, 'doctor')!.term);
  if (body.requestId !== undefined) closeRequest(s, read.request(s.state, body.requestId)!, 'granted');
  return ACCEPTED;
};

/**
 * The patient revokes a doctor's grants on the named records, or all of them
 * (read on every record, and contribute) when no record is named. `rekey` only
 * records the patient's intent: the re-key itself is the AddRecordVersion that
 * follows, which may not wrap for the revoked doctor.
 */
export const revokeAccess: Rule<RevokeAccessBody> = (s, body) => {
  if (body.grantee === s.actor) return reject('ACCESS_SELF');
  const named = body.recordIds;
  if (named) {
    for (const id of named) {
      const record = read.record(s.state, id);
      if (!record) return reject('RECORD_NOT_FOUND');
      if (record.patient !== s.actor) return reject('NOT_RECORD_OWNER');
      if (!read.grant(s.state, id, body.grantee)) return reject('GRANT_NOT_FOUND');
    }
  }
  const recordIds = named ?? chartRecordIds(s.state, s.actor).filter((id) => read.grant(s.state, id, body.grantee) !== undefined);
  const revokesContribute = !named && read.contribute(s.state, s.actor, body.grantee) !== undefined;
  if (recordIds.length === 0 && !revokesContribute) return reject('GRANT_NOT_FOUND');

  for (const id of recordIds) {
    s.state.delete(KEY.grant(id, body.grantee));
    const record = read.record(s.state, id)!;
    s.state.set(KEY.record(id), { ...record, grantees: withoutItem(record.grantees, body.grantee) });
  }
  if (revokesContribute) s.state.delete(KEY.contribute(s.actor, body.grantee));
  return ACCEPTED;
};

/** The reader's signed receipt: accepted only if they may read that version now; a refused read is ledgered with its code. */
export const recordRead: Rule<RecordReadBody> = (s, body) => {
  const decision = mayRead(s.state, s.actor, body.recordId, body.version, s.now);
  return decision.ok ? ACCEPTED : reject(decision.code);
};
