/**
 * Random interleavings of valid and invalid transactions of every type, for
 * the property tests. A command is abstract (indices, flags); the runner
 * resolves it against the chain as it stands, so most commands make sense
 * ("natural") while a `twist` or a header `fault` makes one invalid on purpose.
 */
import fc from 'fast-check';
import { readState, TX_TYPES, type ApplyResult, type ContractTx, type GenesisInput, type GrantScope, type StateView } from '../../src/contract/index.ts';
import { DAY, ORG_A, ORG_B, PARAMS, Person, World, genesisFor, hex32, hex64, wrap, type HeaderOverrides } from './builders.ts';

const HOUR = 3_600_000;
type Pick = number;
type Fault = 'expired' | 'tooFar' | 'replay' | 'staleKey' | 'otherChain';

export type Cmd = (
  | { k: 'RegisterUser'; who: Pick }
  | { k: 'AssignRole'; admin: Pick; who: Pick; role: 'doctor' | 'admin' }
  | { k: 'RevokeRole'; who: Pick; role: 'doctor' | 'admin' }
  | { k: 'RotateKeys'; who: Pick }
  | { k: 'AddRecord'; author: Pick; patient: Pick; byDoctor: boolean }
  | { k: 'AddRecordVersion'; record: Pick; author: Pick; byOwner: boolean }
  | { k: 'SetListing'; record: Pick; actor: Pick; listed: boolean }
  | { k: 'RequestAccess'; doctor: Pick; record: Pick; all: boolean }
  | { k: 'DenyRequest'; request: Pick; byDoctor: boolean; actor: Pick }
  | { k: 'GrantAccess'; record: Pick; extra: Pick; grantee: Pick; expiresIn: number; scope: Pick; useRequest: boolean }
  | { k: 'RevokeAccess'; record: Pick; grantee: Pick; all: boolean; actor: Pick }
  | { k: 'RecordRead'; reader: Pick; record: Pick }
  | { k: 'Garbage'; type: string; body: unknown; actor: Pick }
  | { k: 'Time'; ms: number }
  | { k: 'Block' }
) & { twist?: boolean; fault?: Fault };

const pick = fc.nat({ max: 1000 });
const twist = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const fault = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<Fault>('expired', 'tooFar', 'replay', 'staleKey', 'otherChain') },
);

function cmd<T extends Record<string, fc.Arbitrary<unknown>>>(k: string, fields: T) {
  return fc.record({ k: fc.constant(k), ...fields, twist, fault }) as unknown as fc.Arbitrary<Cmd>;
}

/** Hostile bodies: wrong kinds, lookalikes, huge numbers, and anything at all. */
const garbageBody = fc.oneof(
  fc.constantFrom(null, [], 'x', 0, -1, 1.5, Number.NaN, true, {}, { __proto__: null }, { records: 'all' }, { recordId: 'g'.repeat(32) }),
  fc.anything(),
  fc.dictionary(fc.constantFrom('username', 'recordId', 'grantee', 'keys', 'manifest', 'scopes', 'version', 'listed'), fc.anything()),
);

export const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 2, arbitrary: cmd('RegisterUser', { who: pick }) },
  { weight: 4, arbitrary: cmd('AssignRole', { admin: pick, who: pick, role: fc.constantFrom('doctor', 'doctor', 'doctor', 'admin') }) },
  { weight: 2, arbitrary: cmd('RevokeRole', { who: pick, role: fc.constantFrom('doctor', 'doctor', 'admin') }) },
  { weight: 2, arbitrary: cmd('RotateKeys', { who: pick }) },
  { weight: 5, arbitrary: cmd('AddRecord', { author: pick, patient: pick, byDoctor: fc.boolean() }) },
  { weight: 3, arbitrary: cmd('AddRecordVersion', { record: pick, author: pick, byOwner: fc.boolean() }) },
  { weight: 2, arbitrary: cmd('SetListing', { record: pick, actor: pick, listed: fc.boolean() }) },
  { weight: 4, arbitrary: cmd('RequestAccess', { doctor: pick, record: pick, all: fc.boolean() }) },
  { weight: 2, arbitrary: cmd('DenyRequest', { request: pick, byDoctor: fc.boolean(), actor: pick }) },
  { weight: 6, arbitrary: cmd('GrantAccess', { record: pick, extra: pick, grantee: pick, expiresIn: fc.integer({ min: HOUR, max: 3 * DAY }), scope: pick, useRequest: fc.boolean() }) },
  { weight: 3, arbitrary: cmd('RevokeAccess', { record: pick, grantee: pick, all: fc.boolean(), actor: pick }) },
  { weight: 6, arbitrary: cmd('RecordRead', { reader: pick, record: pick }) },
  { weight: 2, arbitrary: cmd('Garbage', { type: fc.constantFrom(...Object.values(TX_TYPES), 'Bogus'), body: garbageBody, actor: pick }) },
  // The reserved types with plausible bodies: refused until they are built.
  { weight: 1, arbitrary: cmd('Garbage', {
    type: fc.constantFrom('EmergencyAccess', 'EraseRecord'),
    body: fc.record({ recordId: fc.constant(hex32('record/1')), justification: fc.constant('unconscious in A&E') }),
    actor: pick,
  }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('Time'), ms: fc.integer({ min: 60_000, max: 2 * DAY }) }) as fc.Arbitrary<Cmd> },
  { weight: 3, arbitrary: fc.constant({ k: 'Block' } as Cmd) },
);

type Spec = { actor: Person; type: string; body: unknown; onAccept?: (tx: ContractTx) => void };

export type LogEntry = { tx: ContractTx; result: ApplyResult; time: number; faulted: boolean };

/** Admins adam, alba (org-a) and bert (org-b); the rest start as patients; uma and vic start unregistered. */
const CAST = ['adam', 'alba', 'bert', 'meera', 'nils', 'omar', 'raj', 'sara', 'tina', 'uma', 'vic'];
const UNREGISTERED = ['uma', 'vic'];

function at<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

/** Runs commands block by block over a World and keeps what the properties need. */
export class Runner {
  readonly people: Person[];
  readonly w: World;
  readonly log: LogEntry[] = [];
  readonly accepted: ContractTx[] = [];
  private readonly records: string[] = [];
  private readonly requests: { hash: string; doctor: string; patient: string; records: string[] | 'all' }[] = [];
  private pending: { tx: ContractTx; spec: Spec; faulted: boolean }[] = [];
  private labels = 0;
  /** Each actor's last nonce, for replay faults. */
  private readonly lastNonce = new Map<string, string>();
  /** Called with each block's entries before the next block, for checks that need the state of that moment. */
  onBlock: (entries: LogEntry[], acceptedBefore: (i: number) => ContractTx[]) => void = () => {};

  readonly genesis: GenesisInput;
  /** Command kinds to skip (a phase of a property that must not, say, grant anew). */
  exclude: readonly string[] = [];

  constructor() {
    this.people = CAST.map((n) => new Person(n));
    const p = (n: string) => this.byName(n);
    this.genesis = genesisFor([{ org: ORG_A, people: [p('adam'), p('alba')] }, { org: ORG_B, people: [p('bert')] }]);
    this.w = new World(this.genesis);
    // Everyone but uma and vic registered; two doctors; raj and sara with one record each.
    for (const person of this.people.filter((x) => !UNREGISTERED.includes(x.username))) {
      this.queue({ actor: person, type: 'RegisterUser', body: { username: person.username, ...person.keys() } });
    }
    this.flush();
    this.queue(this.assignSpec(p('adam'), p('meera'), 'doctor', ORG_A));
    this.queue(this.assignSpec(p('bert'), p('nils'), 'doctor', ORG_B));
    this.queue(this.addRecordSpec(p('raj'), 'raj'));
    this.queue(this.addRecordSpec(p('sara'), 'sara'));
    this.flush();
  }

  get state(): StateView {
    return this.w.state;
  }

  person(n: Pick): Person {
    return at(this.people, n)!;
  }

  /** Everyone the contract would let act as a doctor right now (role active, any keys). */
  private doctors(): Person[] {
    return this.people.filter((p) => readState.role(this.state, p.username, 'doctor')?.active);
  }

  private adminsOf(org: string): Person[] {
    return this.people.filter((p) => {
      const role = readState.role(this.state, p.username, 'admin');
      return role?.active && role.org === org;
    });
  }

  private ownerOf(recordId: string): Person | undefined {
    const patient = readState.record(this.state, recordId)?.patient;
    return this.people.find((p) => p.username === patient);
  }

  private record(n: Pick): string {
    return at(this.records, n) ?? hex32('no-such-record');
  }

  // --- specs --------------------------------------------------------------------

  private assignSpec(admin: Person, who: Person, role: 'doctor' | 'admin', org: string): Spec {
    return { actor: admin, type: 'AssignRole', body: { username: who.username, role, org, encKeyId: who.encKeyId, sigKeyId: who.sigKeyId } };
  }

  private addRecordSpec(author: Person, patient: string, recipients?: string[]): Spec {
    const recordId = hex32(`record/${++this.labels}`);
    return { actor: author, type: 'AddRecord', body: this.w.recordBody(author, patient, recordId, 1, recipients), onAccept: () => { this.records.push(recordId); } };
  }

  private spec(c: Cmd): Spec | undefined {
    const w = this.w;
    switch (c.k) {
      case 'RegisterUser': {
        // Natural: someone not yet registered. Twist: anyone (mostly USER_EXISTS), or for another username.
        const fresh = this.people.filter((p) => !readState.user(this.state, p.username));
        const p = (c.twist ? undefined : at(fresh, c.who)) ?? this.person(c.who);
        const username = c.twist && c.who % 2 === 0 ? this.person(c.who + 1).username : p.username;
        return { actor: p, type: c.k, body: { username, ...p.keys() } };
      }
      case 'AssignRole': {
        // Half the time someone whose role lapsed (revoked, or keys rotated since): re-assignment is where terms matter.
        const lapsed = this.people.filter((p) => {
          const role = readState.role(this.state, p.username, c.role);
          return role && (!role.active || role.sigKeyId !== p.sigKeyId);
        });
        const who = (c.who % 2 === 0 ? at(lapsed, c.who >> 1) : undefined) ?? this.person(c.who);
        const held = readState.role(this.state, who.username, c.role);
        const org = held?.active ? held.org : c.admin % 2 === 0 ? ORG_A : ORG_B;
        const admins = this.adminsOf(org).filter((a) => a !== who);
        const admin = (c.twist ? undefined : at(admins, c.admin)) ?? this.person(c.admin);
        const spec = this.assignSpec(admin, who, c.role, org);
        if (c.twist && who.generation > 0) Object.assign(spec.body as object, { sigKeyId: who.keysAt(who.generation - 1).sigKeyId });
        return spec;
      }
      case 'RevokeRole': {
        const holders = this.people.filter((p) => readState.role(this.state, p.username, c.role)?.active);
        const who = at(holders, c.who) ?? this.person(c.who);
        const org = readState.role(this.state, who.username, c.role)?.org ?? ORG_A;
        const admins = this.adminsOf(c.twist ? (org === ORG_A ? ORG_B : ORG_A) : org).filter((a) => a !== who);
        const admin = at(admins, c.who) ?? this.person(c.who + 1);
        return { actor: admin, type: c.k, body: { username: who.username, role: c.role, org } };
      }
      case 'RotateKeys': {
        const p = this.person(c.who);
        const next = c.twist ? 0 : p.generation + 1;
        return { actor: p, type: c.k, body: p.keysAt(next), onAccept: () => { p.generation = next; } };
      }
      case 'AddRecord': {
        const patient = this.person(c.patient);
        const author = c.byDoctor ? (at(this.doctors(), c.author) ?? patient) : patient;
        // Twist: a doctor wraps only for themselves (owner missing), a patient also for a stranger.
        const twisted = author === patient ? [patient.username, this.person(c.author).username] : [author.username];
        return this.addRecordSpec(author, patient.username, c.twist ? twisted : undefined);
      }
      case 'AddRecordVersion': {
        const recordId = this.record(c.record);
        const record = readState.record(this.state, recordId);
        const owner = this.ownerOf(recordId) ?? this.person(c.author);
        const authors = this.people.filter((p) => record?.authors.includes(p.username) && p !== owner);
        const author = c.byOwner ? owner : (at(authors, c.author) ?? owner);
        const version = (record?.latestVersion ?? 0) + 1;
        const recipients = c.twist ? [owner.username, author.username] : undefined;
        return { actor: author, type: c.k, body: w.recordBody(author, owner.username, recordId, version, recipients) };
      }
      case 'SetListing': {
        const recordId = this.record(c.record);
        const actor = (c.twist ? undefined : this.ownerOf(recordId)) ?? this.person(c.actor);
        return { actor, type: c.k, body: { recordId, listed: c.listed } };
      }
      case 'RequestAccess': {
        const recordId = this.record(c.record);
        const doctor = (c.twist ? undefined : at(this.doctors(), c.doctor)) ?? this.person(c.doctor);
        const patient = this.ownerOf(recordId)?.username ?? 'raj';
        const records = c.all ? 'all' : [recordId];
        return {
          actor: doctor, type: c.k, body: { patient, records, purpose: 'second opinion', durationMs: DAY },
          onAccept: (tx) => { this.requests.push({ hash: tx.hash, doctor: doctor.username, patient, records }); },
        };
      }
      case 'DenyRequest': {
        const open = this.requests.filter((q) => readState.request(this.state, q.hash)?.status === 'pending');
        const r = (c.request % 4 === 0 ? undefined : at(open, c.request)) ?? at(this.requests, c.request);
        if (!r) return { actor: this.person(c.actor), type: c.k, body: { requestId: hex64('none'), patient: 'raj', doctor: 'meera' } };
        const actor = c.twist ? this.person(c.actor) : this.people.find((p) => p.username === (c.byDoctor ? r.doctor : r.patient))!;
        return { actor, type: c.k, body: { requestId: r.hash, patient: r.patient, doctor: r.doctor } };
      }
      case 'GrantAccess':
        return this.grantSpec(c);
      case 'RevokeAccess': {
        // Natural: a record that has grantees, by its owner, naming one of them.
        const granted = this.records.filter((id) => (readState.record(this.state, id)?.grantees.length ?? 0) > 0);
        const recordId = at(granted, c.record) ?? this.record(c.record);
        const owner = (c.twist ? undefined : this.ownerOf(recordId)) ?? this.person(c.actor);
        const grantees = readState.record(this.state, recordId)?.grantees ?? [];
        const grantee = at(grantees, c.grantee) ?? this.person(c.grantee).username;
        return { actor: owner, type: c.k, body: c.all ? { grantee, rekey: true } : { grantee, recordIds: [recordId] } };
      }
      case 'RecordRead': {
        // A third each: anyone at all, a (possibly expired, revoked or void) grantee, the owner or an author.
        const recordId = this.record(c.record);
        const record = readState.record(this.state, recordId);
        const grantees = this.people.filter((p) => record?.grantees.includes(p.username));
        const insiders = this.people.filter((p) => p.username === record?.patient || record?.authors.includes(p.username));
        const reader = [undefined, at(grantees, c.reader), at(insiders, c.reader)][c.reader % 3] ?? this.person(c.reader);
        // Mostly the latest version, sometimes an older one (a grant may not cover it), twisted one past the latest.
        const latest = record?.latestVersion ?? 1;
        const version = c.twist ? latest + 1 : c.reader % 4 === 0 ? 1 + ((c.reader >> 2) % latest) : latest;
        return { actor: reader, type: c.k, body: { recordId, version } };
      }
      case 'Garbage':
        return { actor: this.person(c.actor), type: c.type, body: c.body };
      case 'Time':
      case 'Block':
        return undefined;
    }
  }

  private grantSpec(c: Extract<Cmd, { k: 'GrantAccess' }>): Spec {
    const recordId = this.record(c.record);
    const owner = this.ownerOf(recordId) ?? this.person(c.record);
    const sameOwner = this.records.filter((id) => readState.record(this.state, id)?.patient === owner.username && id !== recordId);
    const grantee = at(this.doctors().filter((d) => d !== owner), c.grantee) ?? this.person(c.grantee);
    const scopes: GrantScope[][] = [['read'], ['read'], ['read', 'contribute'], ['contribute']];
    const scope = at(scopes, c.scope)!;
    let ids = scope.includes('read') ? [recordId, ...(c.extra % 3 === 0 ? [at(sameOwner, c.extra)].filter((x) => x !== undefined) : [])] : [];
    const open = this.requests.find((r) => r.doctor === grantee.username && r.patient === owner.username &&
      readState.request(this.state, r.hash)?.status === 'pending');
    let requestId: string | undefined;
    if (c.useRequest && open && scope.includes('read')) {
      requestId = open.hash;
      if (open.records !== 'all') ids = open.records;
    }
    const body = this.w.grantBody(grantee, ids, { expiresAt: this.w.time + c.expiresIn, scopes: scope, requestId });
    if (c.twist) {
      // One of: keys for a stale version, wrapped for the owner's key, or already expired.
      const keys = body.keys as ReturnType<typeof wrap>[];
      if (c.extra % 3 === 0 && keys[0]) keys[0] = wrap(keys[0].recordId, keys[0].version + 1, keys[0].keyId);
      else if (c.extra % 3 === 1 && keys[0]) keys[0] = wrap(keys[0].recordId, keys[0].version, owner.encKeyId);
      else body.expiresAt = this.w.time;
    }
    return { actor: owner, type: 'GrantAccess', body };
  }

  // --- running ------------------------------------------------------------------

  private headerFault(spec: Spec, f: Fault): HeaderOverrides {
    const w = this.w;
    switch (f) {
      case 'expired': return { notAfter: w.time - 1 };
      case 'tooFar': return { notAfter: w.time + PARAMS.notAfterWindowMs + 1 };
      case 'replay': {
        const nonce = this.lastNonce.get(spec.actor.username);
        return nonce ? { nonce } : { keyId: hex64('unknown-key') }; // nothing to replay yet: fault the key instead
      }
      case 'staleKey': return { keyId: spec.actor.keysAt(Math.max(0, spec.actor.generation - 1)).encKeyId };
      case 'otherChain': return { chain: 'ee'.repeat(32) };
    }
  }

  private queue(spec: Spec, f?: Fault): void {
    const header: HeaderOverrides = f ? this.headerFault(spec, f) : {};
    const tx = this.w.tx(spec.actor, spec.type, spec.body, header);
    this.pending.push({ tx, spec, faulted: f !== undefined });
  }

  run(c: Cmd): void {
    if (c.k === 'Time') {
      this.flush();
      this.w.advance(c.ms);
      return;
    }
    if (c.k === 'Block') {
      this.flush();
      return;
    }
    if (this.exclude.includes(c.k)) return;
    const spec = this.spec(c);
    if (spec) this.queue(spec, c.fault);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const time = this.w.time;
    const results = this.w.submitBlock(batch.map((p) => p.tx));
    const entries: LogEntry[] = [];
    const acceptedAt: number[] = [];
    batch.forEach(({ tx, spec, faulted }, i) => {
      const result = results[i]!;
      acceptedAt.push(this.accepted.length);
      entries.push({ tx, result, time, faulted });
      this.log.push({ tx, result, time, faulted });
      if (!faulted) this.lastNonce.set(tx.header.actor, tx.header.nonce);
      if (!result.outcome.ok) return;
      this.accepted.push(tx);
      spec.onAccept?.(tx);
    });
    this.onBlock(entries, (i) => this.accepted.slice(0, acceptedAt[i]));
  }

  allRecords(): string[] {
    return [...this.records];
  }

  byName(username: string): Person {
    return this.people.find((p) => p.username === username)!;
  }

  // --- single steps for targeted properties (each its own block, logged like any other) ---

  private now(spec: Spec): ApplyResult {
    this.flush();
    this.queue(spec);
    this.flush();
    return this.log.at(-1)!.result;
  }

  private nowOk(spec: Spec): ApplyResult {
    const result = this.now(spec);
    if (!result.outcome.ok) throw new Error(`${spec.type} refused: ${result.outcome.code}`);
    return result;
  }

  addFreshRecord(patient: Person): string {
    this.nowOk(this.addRecordSpec(patient, patient.username));
    return this.records.at(-1)!;
  }

  grantNow(patient: Person, doctor: Person, recordId: string, lifetime: number): void {
    this.nowOk({ actor: patient, type: 'GrantAccess', body: this.w.grantBody(doctor, [recordId], { expiresAt: this.w.time + lifetime }) });
  }

  revokeNow(patient: Person, doctor: Person, recordId: string): void {
    this.nowOk({ actor: patient, type: 'RevokeAccess', body: { grantee: doctor.username, recordIds: [recordId] } });
  }

  revokeRoleNow(admin: Person, doctor: Person): void {
    this.nowOk({ actor: admin, type: 'RevokeRole', body: { username: doctor.username, role: 'doctor', org: ORG_A } });
  }

  reassignNow(admin: Person, doctor: Person): void {
    this.nowOk(this.assignSpec(admin, doctor, 'doctor', ORG_A));
  }

  readNow(reader: Person, recordId: string): ApplyResult {
    return this.now({ actor: reader, type: 'RecordRead', body: { recordId, version: readState.record(this.state, recordId)?.latestVersion ?? 1 } });
  }
}
