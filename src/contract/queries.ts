/**
 * Read-only questions the node and clients ask of the state. The same
 * functions decide inside the contract (RecordRead uses mayRead), so a node's
 * "may this person download now" can never disagree with what the ledger
 * accepts.
 */
import { parseBody } from './bodies.ts';
import type { RejectCode } from './codes.ts';
import { chartRecordIds, checkRole, grantUsable, read } from './model.ts';
import { PATTERNS } from './parse.ts';
import type { ActiveTxType, BodyOf, ContractTx, ContributeState, GrantState, Outcome, StateView } from './types.ts';
import { RESERVED_TX_TYPES, TX_TYPES } from './types.ts';

export type ReadDecision =
  | { ok: true; via: 'owner' }
  | { ok: true; via: 'grant'; grant: GrantState }
  | { ok: true; via: 'author'; grant: ContributeState }
  | { ok: false; code: RejectCode };

/**
 * May `username` read version `version` of `recordId` at `time` (ms; block
 * time inside the contract, the node's clock for a blob request)? The owner
 * may read every version. Anyone else reads a version only while they may
 * still act on the record, never for having acted once:
 *
 * 1. under a usable read grant on the record (unexpired, unrevoked, issued in
 *    the doctor's current role term, the doctor acting with the keys their
 *    role names), or
 * 2. under a usable contribute grant from the record's patient, for a version
 *    they wrote themselves;
 *
 * and only if that version is wrapped for one of their enc keys, current or
 * rotated out (a version added after a revoke or re-key, or one a grant never
 * covered, is not theirs to read).
 */
export function mayRead(view: StateView, username: string, recordId: string, version: number, time: number): ReadDecision {
  const record = read.record(view, recordId);
  if (!record) return { ok: false, code: 'RECORD_NOT_FOUND' };
  if (!read.user(view, username)) return { ok: false, code: 'USER_UNKNOWN' };
  const v = Number.isSafeInteger(version) && version >= 1 && version <= record.latestVersion ? read.version(view, recordId, version) : undefined;
  if (record.patient === username) return v ? { ok: true, via: 'owner' } : { ok: false, code: 'VERSION_NOT_FOUND' };
  // The right first: someone without one learns nothing of which versions exist.
  const decision = readRight(view, record.patient, username, recordId, v?.manifest.author === username, time);
  if (!decision.ok) return decision;
  if (!v) return { ok: false, code: 'VERSION_NOT_FOUND' };
  return read.wrapFor(view, recordId, version, username) ? decision : { ok: false, code: 'VERSION_NOT_WRAPPED' };
}

/** A usable read grant, else (for a version the reader wrote) a usable contribute grant; else the first grant's reason. */
function readRight(view: StateView, patient: string, username: string, recordId: string, wroteIt: boolean, time: number): ReadDecision {
  const grant = read.grant(view, recordId, username);
  const readGrant = grant?.scopes.includes('read') ? grant : undefined;
  const readProblem = readGrant ? grantUsable(view, readGrant, time) : 'READ_NOT_PERMITTED';
  if (readGrant && readProblem === null) return { ok: true, via: 'grant', grant: readGrant };
  const contribute = wroteIt ? read.contribute(view, patient, username) : undefined;
  if (contribute) {
    const contributeProblem = grantUsable(view, contribute, time);
    if (contributeProblem === null) return { ok: true, via: 'author', grant: contribute };
    if (!readGrant) return { ok: false, code: contributeProblem };
  }
  return { ok: false, code: readProblem ?? 'READ_NOT_PERMITTED' };
}

export type DirectoryEntry = {
  recordId: string;
  owner: string;
  title: string;
  mediaType: string;
  size: number;
  /** The latest version's manifest `createdAt` (signed by its author). */
  createdAt: number;
  version: number;
  listed: boolean;
};

export type DirectoryResult = { ok: true; entries: DirectoryEntry[] } | { ok: false; code: RejectCode };

export type DirectoryAccess = { ok: true; own: boolean } | { ok: false; code: RejectCode };

/**
 * May `viewer` look at `patient`'s directory, and as whom? A patient sees all
 * of their own records; an active doctor sees only those the patient listed,
 * and only by asking for that exact username (there is no browsing of everyone).
 */
export function directoryAccess(view: StateView, viewer: string, patient: string): DirectoryAccess {
  if (!read.user(view, viewer) || !read.user(view, patient)) return { ok: false, code: 'USER_UNKNOWN' };
  if (viewer === patient) return { ok: true, own: true };
  const asDoctor = checkRole(view, viewer, 'doctor', 'DOCTOR_REQUIRED');
  return asDoctor ? { ok: false, code: asDoctor } : { ok: true, own: false };
}

/**
 * A record's directory line, from its state and its latest version's signed
 * manifest. The node keeps these lines in an index table so a directory page
 * is one range read; this function is what that table must agree with.
 */
export function directoryEntry(view: StateView, recordId: string): DirectoryEntry | undefined {
  const record = read.record(view, recordId);
  if (!record) return undefined;
  const m = read.version(view, recordId, record.latestVersion)!.manifest;
  return {
    recordId, owner: record.patient, title: m.title, mediaType: m.mediaType, size: m.size, createdAt: m.createdAt,
    version: record.latestVersion, listed: record.listed,
  };
}

/** The records of `patient` that `viewer` may see in the directory, in chart order (see directoryAccess). */
export function directory(view: StateView, viewer: string, patient: string): DirectoryResult {
  const access = directoryAccess(view, viewer, patient);
  if (!access.ok) return access;
  const entries: DirectoryEntry[] = [];
  for (const recordId of chartRecordIds(view, patient)) {
    const entry = directoryEntry(view, recordId);
    if (entry && (access.own || entry.listed)) entries.push(entry);
  }
  return { ok: true, entries };
}

export type AuditSubjects = { users: string[]; records: string[] };

function isActiveType(type: string): type is ActiveTxType {
  return Object.hasOwn(TX_TYPES, type) && !RESERVED_TX_TYPES.includes(type as ActiveTxType);
}

const NOBODY: AuditSubjects = { users: [], records: [] };

/** Users and records each type's body names. */
const NAMED: { [T in ActiveTxType]: (body: BodyOf[T]) => AuditSubjects } = {
  // The name a RegisterUser claims concerns its holder even when someone else sends it (an impersonation attempt).
  RegisterUser: (b) => ({ users: [b.username], records: [] }),
  RotateKeys: () => NOBODY,
  AssignRole: (b) => ({ users: [b.username], records: [] }),
  RevokeRole: (b) => ({ users: [b.username], records: [] }),
  AddRecord: (b) => ({ users: [b.manifest.patient, b.manifest.author], records: [b.manifest.recordId] }),
  AddRecordVersion: (b) => ({ users: [b.manifest.patient, b.manifest.author], records: [b.manifest.recordId] }),
  SetListing: (b) => ({ users: [], records: [b.recordId] }),
  RequestAccess: (b) => ({ users: [b.patient], records: b.records === 'all' ? [] : b.records }),
  DenyRequest: (b) => ({ users: [b.patient, b.doctor], records: [] }),
  GrantAccess: (b) => ({ users: [b.grantee], records: b.keys.map((k) => k.recordId) }),
  RevokeAccess: (b) => ({ users: [b.grantee], records: b.recordIds ?? [] }),
  RecordRead: (b) => ({ users: [], records: [b.recordId] }),
};

function namedInBody<T extends ActiveTxType>(type: T, body: unknown): AuditSubjects {
  const parsed = parseBody(type, body);
  return parsed.ok ? (NAMED[type] as (b: BodyOf[T]) => AuditSubjects)(parsed.body) : NOBODY;
}

/**
 * Which users and records a log entry concerns: the actor, whoever and
 * whatever a well-formed body names, and the owner of every record it names
 * (so a patient's audit shows who tried to read or touch their records), for
 * accepted and rejected entries alike. An unparsable body concerns its actor
 * only. Sorted, distinct.
 *
 * `view` is the state after the entry's block, what the node and the verifier
 * hold when they index: owners are looked up there (a record's owner never
 * changes, and a record added earlier in the same block is found). `outcome`
 * is accepted for the node's convenience; the subjects do not depend on it.
 */
export function auditSubjects(tx: ContractTx, _outcome: Outcome, view: StateView): AuditSubjects {
  const actor = tx?.header?.actor;
  const users = typeof actor === 'string' && PATTERNS.username.test(actor) ? [actor] : [];
  const type = tx?.header?.type;
  const named = typeof type === 'string' && isActiveType(type) ? namedInBody(type, tx.body) : NOBODY;
  const owners = named.records.map((id) => read.record(view, id)?.patient).filter((p): p is string => p !== undefined);
  return {
    users: [...new Set([...users, ...named.users, ...owners])].sort(),
    records: [...new Set(named.records)].sort(),
  };
}
