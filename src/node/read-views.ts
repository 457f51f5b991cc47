/**
 * What the read facade's lists say about each row it found (DESIGN §2, §9):
 * a request's and a grant's status now, the grant an accepted read was made
 * under, what a user is notified of, and who holds a role in an
 * organisation. Each is computed from the contract's state and the audit
 * index; the facade decides who may see the rows, these functions only
 * describe them.
 */
import { checkGrant, checkRole, isPending, OK, readState, type RequestState, type StateView } from '../contract/index.ts';
import { fingerprint } from '../crypto/index.ts';
import type { Genesis } from '../ledger/index.ts';
import type { AuditQuery, EntryRow } from './store/index.ts';
import type { NodeRefusal, NodeRefusalKind } from './store/refusal-log.ts';

/** What these functions read: the state and the audit index. */
export interface ReadSource {
  readonly state: StateView;
  audit(subject: string, query: AuditQuery): EntryRow[];
}

export type RequestStatusView = RequestState['status'] | 'lapsed';

/** A request as its parties see it: the state's, without the term, and with its status now. */
export type RequestView = Omit<RequestState, 'term' | 'status'> & { status: RequestStatusView };

/** A request as it stands: a pending request whose doctor's role term has ended is `lapsed` (it can no longer be granted). */
export function requestView(state: StateView, r: RequestState): RequestView {
  const status = r.status === 'pending' && !isPending(state, r) ? 'lapsed' : r.status;
  return { requestId: r.requestId, doctor: r.doctor, patient: r.patient, records: r.records, purpose: r.purpose, durationMs: r.durationMs, createdAt: r.createdAt, status, closedBy: r.closedBy };
}

export type GrantStatus = 'active' | 'expired' | 'revoked' | 'replaced' | 'void';

export interface GrantView {
  grantId: string;
  grantor: string;
  grantee: string;
  requestId?: string;
  scopes: string[];
  records: string[];
  expiresAt: number;
  issuedAt: number;
  status: GrantStatus;
}

interface GrantBody {
  grantee: string;
  requestId?: string;
  expiresAt: number;
  scopes: string[];
  keys: { recordId: string }[];
}

/**
 * An accepted GrantAccess entry as it stands at `now`. It stands where the
 * state still holds it (as a record's read grant or the patient's contribute
 * grant); then it is active, expired, or void (the doctor's role term it was
 * issued in has ended: contract checkGrant). Where it no longer stands, a later
 * grant took its place (replaced) or a RevokeAccess removed it (revoked).
 */
export function grantView(state: StateView, row: EntryRow, now: number): GrantView {
  const body = JSON.parse(row.bodyJson) as GrantBody;
  const grantor = row.header.actor;
  const records = [...new Set(body.keys.map((k) => k.recordId))];
  const current = [
    ...records.map((id) => readState.grant(state, id, body.grantee)),
    ...(body.scopes.includes('contribute') ? [readState.contribute(state, grantor, body.grantee)] : []),
  ];
  const standing = current.find((g) => g?.grantId === row.txHash);
  let status: GrantStatus;
  if (standing) {
    const check = checkGrant(state, standing, now);
    status = check === null ? 'active' : check === 'GRANT_EXPIRED' ? 'expired' : 'void';
  } else {
    status = current.some((g) => g !== undefined) ? 'replaced' : 'revoked';
  }
  return {
    grantId: row.txHash, grantor, grantee: body.grantee, ...(body.requestId ? { requestId: body.requestId } : {}), scopes: body.scopes, records,
    expiresAt: body.expiresAt, issuedAt: row.blockTime, status,
  };
}

/** How far back the grant of a read is looked for: the newest grants on the record before the read. */
const GRANT_LOOKBACK = 50;

/**
 * The read grant an accepted RecordRead by someone other than the owner was
 * made under: the newest accepted GrantAccess on the record before the read
 * that gives the reader read on it (an accepted read means one stood).
 * Undefined for the owner, a refused read, a read under a contribute grant
 * (its author reading their own version), or a grant older than the last
 * GRANT_LOOKBACK grants on the record.
 */
export function grantOfRead(source: ReadSource, row: EntryRow): string | undefined {
  if (row.header.type !== 'RecordRead' || row.outcome !== OK) return undefined;
  const { recordId } = JSON.parse(row.bodyJson) as { recordId: string };
  if (readState.record(source.state, recordId)?.patient === row.header.actor) return undefined;
  const grants = source.audit(`r:${recordId}`, { type: 'GrantAccess', outcome: OK, beforeSeq: row.seq, limit: GRANT_LOOKBACK });
  return grants.find((g) => {
    const body = JSON.parse(g.bodyJson) as GrantBody;
    return body.grantee === row.header.actor && body.scopes.includes('read') && body.keys.some((k) => k.recordId === recordId);
  })?.txHash;
}

export type NotificationKind = 'request-received' | 'grant-used' | 'read-refused';

/** An entry as the lists about actions name it: where it is in the log, who signed it with which key, its outcome. */
export interface ActedView {
  seq: number;
  time: number;
  txHash: string;
  actor: string;
  actorKeyId: string;
  actorFingerprint: string;
  outcome: string;
  recordId?: string;
  version?: number;
}

function actedView(row: EntryRow): ActedView {
  const actor = row.header.actor;
  return { seq: row.seq, time: row.blockTime, txHash: row.txHash, actor, actorKeyId: row.header.keyId, actorFingerprint: fingerprint(row.header.keyId), outcome: row.outcome };
}

export interface NotificationView extends ActedView {
  kind: NotificationKind;
  requestId?: string;
  grantId?: string;
}

/**
 * What `reader` is notified of in one of their audit entries, if anything: an
 * access request made to them, and a read of their record by someone else,
 * accepted (a grant was used) or refused. Ids, outcome codes and the actor's
 * key fingerprint only: never a purpose, title or key.
 */
export function notificationOf(source: ReadSource, reader: string, row: EntryRow): NotificationView | undefined {
  const actor = row.header.actor;
  if (actor === reader) return undefined;
  const base = actedView(row);
  if (row.header.type === 'RequestAccess') {
    const body = JSON.parse(row.bodyJson) as { patient?: string };
    return row.outcome === OK && body.patient === reader ? { kind: 'request-received', ...base, requestId: row.txHash } : undefined;
  }
  if (row.header.type === 'RecordRead') {
    const body = JSON.parse(row.bodyJson) as { recordId: string; version: number };
    if (readState.record(source.state, body.recordId)?.patient !== reader) return undefined;
    const where = { recordId: body.recordId, version: body.version };
    if (row.outcome !== OK) return { kind: 'read-refused', ...base, ...where };
    const grantId = grantOfRead(source, row);
    return { kind: 'grant-used', ...base, ...where, ...(grantId ? { grantId } : {}) };
  }
  return undefined;
}

export interface MemberView {
  username: string;
  role: 'doctor' | 'admin';
  active: boolean;
  vouched: boolean;
  since: number;
}

/** Audit rows read per query while walking an admin's assignments. */
const WALK_PAGE = 200;

/**
 * Every user holding a role in `org` now, by username then role. There is
 * no index by organisation; the audit index suffices: every AssignRole in
 * `org` was made by an admin of `org`, who is a genesis admin of it or was
 * made admin of it by such an AssignRole. So the walk starts at the genesis
 * admins and follows each admin's accepted AssignRoles; the state then says
 * who holds which role in `org` today.
 */
export function orgMembers(source: ReadSource, genesis: Genesis, org: string): MemberView[] {
  const genesisAdmins = genesis.orgs.find((o) => o.org === org)?.admins.map((a) => a.username) ?? [];
  const candidates = new Set<string>(genesisAdmins);
  const walked = new Set<string>();
  const queue = [...genesisAdmins];
  while (queue.length > 0) {
    const admin = queue.shift()!;
    if (walked.has(admin)) continue;
    walked.add(admin);
    for (let before: number | undefined; ; ) {
      const rows = source.audit(`u:${admin}`, { type: 'AssignRole', actor: admin, outcome: OK, limit: WALK_PAGE, ...(before === undefined ? {} : { beforeSeq: before }) });
      for (const row of rows) {
        const body = JSON.parse(row.bodyJson) as { username: string; role: string; org: string };
        if (body.org !== org) continue;
        candidates.add(body.username);
        if (body.role === 'admin') queue.push(body.username);
      }
      if (rows.length < WALK_PAGE) break;
      before = rows[rows.length - 1]!.seq;
    }
  }
  const members: MemberView[] = [];
  for (const username of [...candidates].sort()) {
    for (const role of ['admin', 'doctor'] as const) {
      const held = readState.role(source.state, username, role);
      if (!held || held.org !== org) continue;
      const vouched = held.active && checkRole(source.state, username, role, 'ROLE_NOT_HELD', org) === null;
      members.push({ username, role, active: held.active, vouched, since: held.since });
    }
  }
  return members;
}

/** The kinds of the admin's view of refused actions: the ledger's refused transactions, and the node's own log (refusal-log.ts). */
export type RefusalKind = 'refused-tx' | NodeRefusalKind;

/**
 * A refused transaction as the admin's view shows it: ids, the actor and
 * their key's fingerprint, the type and the contract's code; the body stays
 * withheld. A record id and version are named when the body has them in
 * their shape (a refused body may hold anything its signer wrote).
 */
export interface RefusedTxView extends ActedView {
  kind: 'refused-tx';
  height: number;
  type: string;
}

export type RateLimitView = { kind: 'rate-limit'; id: number; time: number; client: string; route: string; username?: string };
export type FailedLoginView = { kind: 'failed-login'; id: number; time: number; username: string; slot: 'passphrase' | 'recovery' };
export type RefusalView = RefusedTxView | RateLimitView | FailedLoginView;

const RECORD_ID = /^[0-9a-f]{32}$/;

export function refusedTxView(row: EntryRow): RefusedTxView {
  const view: RefusedTxView = { kind: 'refused-tx', ...actedView(row), height: row.height, type: row.header.type };
  let body: unknown;
  try {
    body = JSON.parse(row.bodyJson);
  } catch {
    return view;
  }
  const { recordId, version } = (typeof body === 'object' && body !== null ? body : {}) as { recordId?: unknown; version?: unknown };
  if (typeof recordId === 'string' && RECORD_ID.test(recordId)) view.recordId = recordId;
  if (view.recordId && typeof version === 'number' && Number.isSafeInteger(version) && version >= 1) view.version = version;
  return view;
}

/** A row of the node's refusal log as the admin's view shows it. */
export function nodeRefusalView(r: NodeRefusal): RateLimitView | FailedLoginView {
  if (r.kind === 'failed-login') return { kind: r.kind, id: r.id, time: r.at, username: r.username, slot: r.slot };
  return { kind: r.kind, id: r.id, time: r.at, client: r.client, route: r.route, ...(r.username === undefined ? {} : { username: r.username }) };
}
