/**
 * Typed reads of the contract's state and the predicates several rules share:
 * does a user hold a role with the keys it names, does a grant stand, is a
 * request still pending. State is written only by this contract and by
 * `genesisWrites`, so values are read back as the types they were written as.
 */
import type { RejectCode } from './codes.ts';
import { KEY } from './keys.ts';
import type {
  AssignableRole, ChartState, ContributeState, GrantState, Json, KeyState, NodeKeyState, OrgState, RecordState, RequestState, RoleState,
  StateView, UserState, VersionState, WrapState,
} from './types.ts';

function typed<T>(value: Json | undefined): T | undefined {
  return value as unknown as T | undefined;
}

export const read = Object.freeze({
  user: (s: StateView, username: string) => typed<UserState>(s.get(KEY.user(username))),
  key: (s: StateView, keyId: string) => typed<KeyState>(s.get(KEY.key(keyId))),
  role: (s: StateView, username: string, role: AssignableRole) => typed<RoleState>(s.get(KEY.role(username, role))),
  org: (s: StateView, org: string) => typed<OrgState>(s.get(KEY.org(org))),
  nodeKey: (s: StateView, keyId: string) => typed<NodeKeyState>(s.get(KEY.nodeKey(keyId))),
  record: (s: StateView, recordId: string) => typed<RecordState>(s.get(KEY.record(recordId))),
  version: (s: StateView, recordId: string, version: number) => typed<VersionState>(s.get(KEY.version(recordId, version))),
  wrapFor: (s: StateView, recordId: string, version: number, username: string) => typed<WrapState>(s.get(KEY.wrapFor(recordId, version, username))),
  grant: (s: StateView, recordId: string, grantee: string) => typed<GrantState>(s.get(KEY.grant(recordId, grantee))),
  contribute: (s: StateView, patient: string, grantee: string) => typed<ContributeState>(s.get(KEY.contribute(patient, grantee))),
  request: (s: StateView, requestId: string) => typed<RequestState>(s.get(KEY.request(requestId))),
  pointer: (s: StateView, key: string) => typed<string>(s.get(key)),
  chart: (s: StateView, patient: string) => typed<ChartState>(s.get(KEY.chart(patient))),
});

/** A failed check names its code; `null` means the check passed. */
export type Check = RejectCode | null;

/** The role is active and names the user's current keys: only then may the user act in it. */
function vouched(role: RoleState, user: UserState): boolean {
  return role.sigKeyId === user.sigKeyId && role.encKeyId === user.encKeyId;
}

/**
 * May `username` act as `role` (in `org`, if given) now? `missing` is the code
 * when the role is not held; ROLE_KEY_NOT_VOUCHED when the keys were rotated
 * since the role was assigned (DESIGN §6: a rotated key needs a new AssignRole).
 */
export function checkRole(s: StateView, username: string, role: AssignableRole, missing: RejectCode, org?: string): Check {
  const user = read.user(s, username);
  const held = read.role(s, username, role);
  if (!user || !held || !held.active || (org !== undefined && held.org !== org)) return missing;
  return vouched(held, user) ? null : 'ROLE_KEY_NOT_VOUCHED';
}

/**
 * Does a doctor's grant (read or contribute) stand at `time`? It is void for
 * good once the doctor's role is revoked after issuance: a later AssignRole
 * starts a new term, and the grant remembers the term it was issued in.
 */
export function checkGrant(s: StateView, grant: { grantee: string; expiresAt: number; term: number }, time: number): Check {
  const role = read.role(s, grant.grantee, 'doctor');
  if (!role || !role.active || role.term !== grant.term) return 'GRANT_VOID';
  if (time >= grant.expiresAt) return 'GRANT_EXPIRED';
  return null;
}

/** A grant that stands and whose doctor may act now: the grantee's current enc key is the one to wrap for. */
export function grantUsable(s: StateView, grant: GrantState | ContributeState, time: number): Check {
  return checkGrant(s, grant, time) ?? checkRole(s, grant.grantee, 'doctor', 'GRANT_VOID');
}

/** A contribute grant from `patient` to `doctor` that may be used now. */
export function checkContribute(s: StateView, patient: string, doctor: string, time: number): Check {
  const grant = read.contribute(s, patient, doctor);
  if (!grant) return 'CONTRIBUTE_GRANT_REQUIRED';
  return grantUsable(s, grant, time) === null ? null : 'CONTRIBUTE_GRANT_REQUIRED';
}

/** Pending = not closed, and the doctor still holds the role in the term they asked in. */
export function isPending(s: StateView, request: RequestState): boolean {
  if (request.status !== 'pending') return false;
  const role = read.role(s, request.doctor, 'doctor');
  return role !== undefined && role.active && role.term === request.term;
}

/** The pending request an index key points to, if any (index entries of closed or lapsed requests are stale). */
export function pendingAt(s: StateView, indexKey: string): RequestState | undefined {
  const requestId = read.pointer(s, indexKey);
  const request = requestId === undefined ? undefined : read.request(s, requestId);
  return request && isPending(s, request) ? request : undefined;
}

/** The patient's record ids, in order of AddRecord. */
export function chartRecordIds(s: StateView, patient: string): string[] {
  const count = read.chart(s, patient)?.count ?? 0;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = read.pointer(s, KEY.chartEntry(patient, i));
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** Adds `item` to a sorted list of distinct strings, returning a new list. */
export function withItem(list: readonly string[], item: string): string[] {
  return list.includes(item) ? [...list] : [...list, item].sort();
}

export function withoutItem(list: readonly string[], item: string): string[] {
  return list.filter((x) => x !== item);
}
