/**
 * Test builders for the contract. Signatures are verified before the contract
 * runs (PRECHECKED), so transactions here carry fake but well-formed hex ids
 * and base64url blobs, derived deterministically from names (no RSA needed).
 */
import { createHash } from 'node:crypto';
import {
  apply, finishBlock, genesisWrites, MemoryStateView, OverlayView, readState,
  type ApplyResult, type BlockContext, type ContractTx, type GenesisInput, type GrantScope, type Json, type Manifest,
  type StateWrite, type TxHeader, type WrappedKey,
} from '../../src/contract/index.ts';

export const CHAIN = 'c0'.repeat(32);
export const PARAMS = Object.freeze({ notAfterWindowMs: 60_000, chunkSizeMax: 1 << 20, maxGrantMs: 30 * 86_400_000, maxBlockTxs: 100 });
export const T0 = 1_700_000_000_000;
export const DAY = 86_400_000;

/** Deterministic 64-hex id from a label. */
export function hex64(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** Deterministic 32-hex id (record ids, nonces) from a label. */
export function hex32(label: string): string {
  return hex64(label).slice(0, 32);
}

/** A fake SPKI: base64url text that names its owner (the contract only checks the encoding). */
function fakeSpki(label: string): string {
  return Buffer.from(`spki:${label}`).toString('base64url');
}

/** A user and their key generations; `rotate()` moves to fresh keys (the caller submits RotateKeys). */
export class Person {
  generation = 0;
  constructor(readonly username: string) {}
  get sigKeyId(): string {
    return this.keysAt(this.generation).sigKeyId;
  }
  get encKeyId(): string {
    return this.keysAt(this.generation).encKeyId;
  }
  get sigSpki(): string {
    return this.keysAt(this.generation).sigSpki;
  }
  get encSpki(): string {
    return this.keysAt(this.generation).encSpki;
  }
  keys() {
    return this.keysAt(this.generation);
  }
  /** The key pair of a given generation (0 = registration). */
  keysAt(generation: number) {
    const at = `${this.username}/${generation}`;
    return { encSpki: fakeSpki(`${at}/enc`), encKeyId: hex64(`${at}/enc`), sigSpki: fakeSpki(`${at}/sig`), sigKeyId: hex64(`${at}/sig`) };
  }
  rotate(): this {
    this.generation++;
    return this;
  }
}

export const ORG_A = 'org-a';
export const ORG_B = 'org-b';

export function genesisFor(admins: { org: string; people: Person[] }[]): GenesisInput {
  return {
    time: T0 - DAY,
    orgs: admins.map(({ org, people }) => ({
      org,
      admins: people.map((p) => ({ username: p.username, ...p.keys() })),
      nodes: [{ nodeId: `${org}-node`, sigKeyId: hex64(`${org}/node`) }],
    })),
  };
}

/** A fake RSA-OAEP-3072 wrap: 384 bytes (its real size) derived from the slot. */
export function fakeWrappedDek(label: string): string {
  return Buffer.concat(Array.from({ length: 12 }, (_, i) => createHash('sha256').update(`${label}/${i}`).digest())).toString('base64url');
}

export function wrap(recordId: string, version: number, keyId: string, alg = 'RSA-OAEP-256'): WrappedKey {
  return { recordId, version, keyId, alg, wrappedDek: fakeWrappedDek(`dek:${recordId}:${version}:${keyId}`) };
}

export type HeaderOverrides = Partial<TxHeader> & { hash?: string };

/**
 * A small chain: state, block time and height. Each `submit` is a block of
 * one transaction; `submitBlock` applies several through one overlay, as the
 * node does.
 */
export class World {
  readonly state: MemoryStateView;
  time = T0;
  height = 0;
  private counter = 0;
  readonly blocks: { context: BlockContext; txs: ContractTx[]; results: ApplyResult[]; writes: StateWrite[] }[] = [];

  constructor(genesis: GenesisInput) {
    this.state = new MemoryStateView(genesisWrites(genesis));
  }

  context(): BlockContext {
    return { chain: CHAIN, height: this.height + 1, time: this.time, params: PARAMS };
  }

  advance(ms: number): this {
    this.time += ms;
    return this;
  }

  /** A transaction signed (by precheck's word) with the actor's current sig key, fresh nonce, notAfter one minute ahead. */
  tx(actor: Person, type: string, body: unknown, overrides: HeaderOverrides = {}): ContractTx {
    const n = ++this.counter;
    const { hash, ...header } = overrides;
    return {
      hash: hash ?? hex64(`tx/${n}`),
      header: {
        v: 1, chain: CHAIN, type, actor: actor.username, keyId: actor.sigKeyId, alg: 'PS256',
        nonce: hex32(`nonce/${n}`), notAfter: this.time + 30_000, time: this.time, bodyHash: hex64(`body/${n}`),
        ...header,
      },
      body,
    };
  }

  submitBlock(txs: ContractTx[]): ApplyResult[] {
    const context = this.context();
    const overlay = new OverlayView(this.state);
    const results = txs.map((tx) => {
      const result = apply(overlay, tx, context);
      overlay.apply(result.writes);
      return result;
    });
    finishBlock(overlay, context);
    const writes = overlay.writes();
    this.state.apply(writes);
    this.height++;
    this.blocks.push({ context, txs, results, writes });
    return results;
  }

  submit(tx: ContractTx): ApplyResult {
    return this.submitBlock([tx])[0]!;
  }

  /** Builds and submits in one step; returns the result (with the tx for ids). */
  send(actor: Person, type: string, body: unknown, overrides: HeaderOverrides = {}): ApplyResult & { tx: ContractTx } {
    const tx = this.tx(actor, type, body, overrides);
    return { ...this.submit(tx), tx };
  }

  get(key: string): Json | undefined {
    return this.state.get(key);
  }

  latestVersion(recordId: string): number {
    return readState.record(this.state, recordId)?.latestVersion ?? 0;
  }

  /** The user's current enc key id on the chain (a made-up one for an unregistered name, so bodies can still be built). */
  encKeyOf(username: string): string {
    return readState.user(this.state, username)?.encKeyId ?? hex64(`unregistered/${username}`);
  }

  // --- bodies -----------------------------------------------------------------

  manifest(author: Person, patient: string, recordId: string, version: number, over: Partial<Manifest> = {}): Manifest {
    return {
      chain: CHAIN, recordId, version, patient, author: author.username, authorKeyId: author.sigKeyId,
      title: `record ${recordId.slice(0, 6)} v${version}`, mediaType: 'text/plain', size: 100 + version, chunkSize: 1024,
      cipherRoot: hex64(`root/${recordId}/${version}`), createdAt: this.time, ...over,
    };
  }

  /** A record body wrapped for `recipients` (default: patient and author, plus standing grantees for a version). */
  recordBody(author: Person, patient: string, recordId: string, version: number, recipients?: string[], over: Partial<Manifest> = {}) {
    const names = recipients ?? this.defaultRecipients(author.username, patient, recordId, version);
    const keyIds = [...new Set(names.map((n) => this.encKeyOf(n)))];
    return {
      manifest: this.manifest(author, patient, recordId, version, over),
      manifestSig: { alg: 'PS256', keyId: author.sigKeyId, sig: Buffer.from(`sig:${recordId}:${version}`).toString('base64url') },
      wrappedKeys: keyIds.map((k) => wrap(recordId, version, k)),
    };
  }

  /** Owner, author, and every grantee whose grant this chain would call standing and usable now. */
  private defaultRecipients(author: string, patient: string, recordId: string, version: number): string[] {
    const names = [patient, author];
    if (version === 1) return names;
    for (const grantee of readState.record(this.state, recordId)?.grantees ?? []) {
      if (this.grantUsable(recordId, grantee)) names.push(grantee);
    }
    return names;
  }

  grantUsable(recordId: string, grantee: string): boolean {
    const grant = readState.grant(this.state, recordId, grantee);
    const role = readState.role(this.state, grantee, 'doctor');
    const user = readState.user(this.state, grantee);
    return !!grant && !!role && !!user && role.active && role.term === grant.term && this.time < grant.expiresAt &&
      role.sigKeyId === user.sigKeyId && role.encKeyId === user.encKeyId;
  }

  /** A grant body with keys for the latest version of each record, wrapped for the grantee's current enc key. */
  grantBody(grantee: Person, recordIds: string[], opts: { expiresAt?: number; scopes?: GrantScope[]; requestId?: string } = {}) {
    const body: Record<string, unknown> = {
      grantee: grantee.username,
      expiresAt: opts.expiresAt ?? this.time + DAY,
      scopes: opts.scopes ?? ['read'],
      keys: recordIds.map((id) => wrap(id, this.latestVersion(id), grantee.encKeyId)),
    };
    if (opts.requestId !== undefined) body.requestId = opts.requestId;
    return body;
  }

  // --- actions ------------------------------------------------------------------

  register(p: Person) {
    return this.send(p, 'RegisterUser', { username: p.username, ...p.keys() });
  }

  rotate(p: Person) {
    // Signed with the key being rotated out: the actor's current sig key until this applies.
    const signingKeyId = p.sigKeyId;
    p.rotate();
    return this.send(p, 'RotateKeys', p.keys(), { keyId: signingKeyId });
  }

  assignRole(admin: Person, p: Person, role: 'doctor' | 'admin', org = ORG_A) {
    return this.send(admin, 'AssignRole', { username: p.username, role, org, encKeyId: p.encKeyId, sigKeyId: p.sigKeyId });
  }

  revokeRole(admin: Person, p: Person, role: 'doctor' | 'admin', org = ORG_A) {
    return this.send(admin, 'RevokeRole', { username: p.username, role, org });
  }

  addRecord(author: Person, patient: string, label: string, recipients?: string[], over: Partial<Manifest> = {}) {
    const recordId = hex32(`record/${label}`);
    return { recordId, ...this.send(author, 'AddRecord', this.recordBody(author, patient, recordId, 1, recipients, over)) };
  }

  addVersion(author: Person, recordId: string, recipients?: string[]) {
    const record = readState.record(this.state, recordId)!;
    return this.send(author, 'AddRecordVersion', this.recordBody(author, record.patient, recordId, record.latestVersion + 1, recipients));
  }

  setListing(p: Person, recordId: string, listed = true) {
    return this.send(p, 'SetListing', { recordId, listed });
  }

  request(doctor: Person, patient: string, records: string[] | 'all', durationMs = DAY) {
    return this.send(doctor, 'RequestAccess', { patient, records, purpose: 'follow-up of fevers', durationMs });
  }

  deny(actor: Person, requestId: string, patient: string, doctor: string) {
    return this.send(actor, 'DenyRequest', { requestId, patient, doctor });
  }

  grant(patient: Person, grantee: Person, recordIds: string[], opts: { expiresAt?: number; scopes?: GrantScope[]; requestId?: string } = {}) {
    return this.send(patient, 'GrantAccess', this.grantBody(grantee, recordIds, opts));
  }

  revoke(patient: Person, grantee: Person, recordIds?: string[], rekey?: boolean) {
    const body: Record<string, unknown> = { grantee: grantee.username };
    if (recordIds) body.recordIds = recordIds;
    if (rekey !== undefined) body.rekey = rekey;
    return this.send(patient, 'RevokeAccess', body);
  }

  read(reader: Person, recordId: string, version = this.latestVersion(recordId) || 1) {
    return this.send(reader, 'RecordRead', { recordId, version });
  }
}

/**
 * The usual cast: admins adam and alba (org-a), bert (org-b); doctors meera
 * (org-a) and nils (org-b); patients raj and sara. Everyone registered, roles
 * assigned.
 */
export function standardWorld() {
  const adam = new Person('adam');
  const alba = new Person('alba');
  const bert = new Person('bert');
  const meera = new Person('meera');
  const nils = new Person('nils');
  const raj = new Person('raj');
  const sara = new Person('sara');
  const w = new World(genesisFor([{ org: ORG_A, people: [adam, alba] }, { org: ORG_B, people: [bert] }]));
  for (const p of [adam, alba, bert, meera, nils, raj, sara]) expectOk(w.register(p));
  expectOk(w.assignRole(adam, meera, 'doctor', ORG_A));
  expectOk(w.assignRole(bert, nils, 'doctor', ORG_B));
  return { w, adam, alba, bert, meera, nils, raj, sara };
}

export function expectOk<R extends ApplyResult>(result: R): R {
  if (!result.outcome.ok) throw new Error(`expected OK, got ${result.outcome.code}${result.outcome.field ? ` (${result.outcome.field})` : ''}`);
  return result;
}

/** The outcome as the log records it. */
export function code(result: ApplyResult): string {
  return result.outcome.ok ? 'OK' : result.outcome.code;
}
