/**
 * The read facade (DESIGN §2, §3): every read the HTTP API serves, each taking
 * the reader's identity and deciding through the contract. There is no other
 * way to the node's state, log or blobs from the API, so nothing leaks by
 * accident: a refusal is a typed error, and what is not the reader's to see
 * is absent (withheld bodies, other people's wrapped keys) or indistinguishable
 * from what does not exist (RESOURCE_NOT_FOUND).
 *
 * - Bodies go to the transaction's actor and the users it names; admins also
 *   get the bodies of identity transactions (RegisterUser, RotateKeys,
 *   AssignRole, RevokeRole); everyone else gets the header and bodyHash.
 * - Wrapped keys go only to their recipient.
 * - Ciphertext goes only against the reader's own accepted RecordRead of that
 *   version, within `receiptWindowMs` of it, and `mayRead` is asked again for
 *   every request and every chunk of a stream, so a revoke stops a download in
 *   progress.
 * - A user's public keys come with the transactions that registered, rotated
 *   and (for a doctor) vouched for them, and their inclusion proofs.
 * - Directory, requests, grants and audit pages go to the patient, the parties,
 *   and admins as DESIGN §2 says; counts never cover rows the reader may not see.
 * - An organisation's members go to its active admins; notifications to their
 *   user; an export stream to any reader, with the bodies of identity
 *   transactions and of the reader's own, every other body withheld.
 * - The refused actions across the node (refused transactions, rate-limit
 *   trips, failed logins) go to the active admins of the organisation that
 *   runs it, with ids and codes, never bodies.
 *
 * What a list says about each row (statuses, the grant of a read, a
 * notification) is in read-views.ts.
 */
import { auditSubjects, checkRole, directoryAccess, isIdentityTx, mayRead, OK, readState, type StateView, type VersionState } from '../contract/index.ts';
import type { JsonValue } from '../crypto/index.ts';
import { hexList } from './hex.ts';
import { fingerprint } from '../crypto/index.ts';
import type { BlockHeader, LoginChallenge, SignedAttestation, SignedTx, TxHeader, WithheldTx } from '../ledger/index.ts';
import { isRegistered, verifyLoginSignature } from './login-check.ts';
import { nodeError } from './errors.ts';
import type { BlobStore, BlobReadStream, ByteRange } from './blob-store.ts';
import type { DirectoryLines, DirectoryPage } from './derived-rows.ts';
import type { EntryRow, LedgerStore, StoredBlock } from './store/index.ts';
import { checkedPage, type PageRequest } from './paging.ts';
import { directoryQuery, type PageOptions } from './admission-input.ts';
import { exportBlockLine, exportHeaderLine } from './export.ts';
import { deepFreeze } from './frozen.ts';
import {
  grantOfRead, grantView, nodeRefusalView, notificationOf, orgMembers, refusedTxView, requestView, type ReadSource, type GrantStatus, type GrantView,
  type MemberView, type NotificationView, type RefusalKind, type RefusalView, type RequestStatusView, type RequestView,
} from './read-views.ts';
import { NODE_REFUSAL_KINDS, type NodeRefusalKind, type RefusalSource } from './store/refusal-log.ts';

export type {
  GrantStatus, GrantView, MemberView, NotificationView, RefusalKind, RefusalView, RequestStatusView, RequestView,
} from './read-views.ts';

/** Identity transactions: public identity data, whose bodies admins may read. */
export const IDENTITY_TYPES: readonly string[] = Object.freeze(['RegisterUser', 'RotateKeys', 'AssignRole', 'RevokeRole']);

/** Key generations a user lookup walks back at most (each RotateKeys is one). */
const MAX_KEY_GENERATIONS = 1_000;

/** One receipt opens the ciphertext for this long (DESIGN §6: one RecordRead must not allow unlimited unrecorded downloads). */
export const DEFAULT_RECEIPT_WINDOW_MS = 10 * 60_000;

/** A log entry as a reader may see it. */
export interface EntryView {
  seq: number;
  height: number;
  /** The time of the entry's block: when the ledger recorded it. */
  time: number;
  outcome: string;
  tx: SignedTx | WithheldTx;
}

/** An audit entry: an accepted RecordRead by someone other than the owner names the grant it was made under. */
export type AuditEntryView = EntryView & { grantId?: string };

/** An entry with what proves it is in the log: an inclusion proof in the tree of the signed head it names. */
export interface ProvenEntry {
  entry: EntryView;
  treeSize: number;
  /** Inclusion proof (hex hashes), RFC 9162 §2.1.3. */
  proof: string[];
}

export interface KeyView {
  use: 'sig' | 'enc';
  keyId: string;
  /** The key id as people compare it (crypto `fingerprint`); clients recompute it from the SPKI. */
  fingerprint: string;
  spki: string;
  current: boolean;
  since: number;
  /** The RegisterUser or RotateKeys that registered the key. */
  registeredBy: ProvenEntry;
}

export interface RoleView {
  role: 'doctor' | 'admin';
  org: string;
  active: boolean;
  sigKeyId: string;
  encKeyId: string;
  /** Whether the role names the user's current keys (only then may they act in it). */
  vouched: boolean;
  /** The AssignRole that vouches for the role's keys, where one is in the log (a genesis admin's role is in the genesis). */
  assignedBy?: ProvenEntry;
}

export interface UserView {
  username: string;
  keys: KeyView[];
  roles: RoleView[];
  /** The signed head every proof here is against. */
  head: SignedHead;
}

export interface SignedHead {
  header: BlockHeader;
  blockHash: string;
  attestations: readonly SignedAttestation[];
}

export interface Page<T> {
  items: T[];
  /** Pass back for the next page; absent on the last one. Opaque to clients. */
  next?: string;
}

export interface ReadFacadeOptions {
  /** The node's clock (ms): grant expiry and the receipt window are judged by it. */
  now?: () => number;
  receiptWindowMs?: number;
  /** The organisation that runs this node (the genesis names its nodes): its active admins see the node's refusals. */
  org?: string;
  /** The node's own log of rate-limit trips and failed logins (the accounts' refusal log); without it those pages are empty. */
  refusals?: RefusalSource;
}

const withheldOf = (r: EntryRow): WithheldTx => ({ header: r.header, sig: r.sig, withheld: true });
const fullOf = (r: EntryRow): SignedTx => ({ header: r.header, body: JSON.parse(r.bodyJson) as JsonValue, sig: r.sig });
const fullEntry = (r: EntryRow): EntryView => ({ seq: r.seq, height: r.height, time: r.blockTime, outcome: r.outcome, tx: fullOf(r) });

export interface RequestFilter {
  /** incoming: made to the reader (as patient); outgoing: made by the reader (as doctor). */
  direction?: 'incoming' | 'outgoing';
  status?: RequestStatusView;
}

export interface GrantFilter {
  /** issued: by the reader (as patient); received: to the reader (as doctor). */
  direction?: 'issued' | 'received';
  status?: GrantStatus;
}

export interface ExportRequest {
  /** The first block of the stream (default 1). */
  fromHeight?: number;
}

export class ReadFacade {
  private readonly now: () => number;
  private readonly receiptWindowMs: number;
  /** The signed head, kept until the next block is durable (answers carry it). */
  private lastHead: { durable: number; head: SignedHead } | undefined;

  /**
   * Versions' fixed parts by the shared state's value of the version (frozen,
   * replaced when the key is written): the key is the value itself, so an
   * entry lives exactly as long as the state view shares that value.
   */
  private readonly fixedVersions = new WeakMap<VersionState, VersionFixed>();

  /** What read-views.ts reads: the shared state and the audit index. */
  private readonly source: ReadSource;
  /** The organisation running this node, whose admins see its refusals (absent: nobody does). */
  private readonly org: string | undefined;
  private readonly nodeRefusals: RefusalSource | undefined;

  constructor(private readonly store: LedgerStore, private readonly blobs: BlobStore, options: ReadFacadeOptions = {}) {
    this.source = { state: store.sharedState, audit: (subject, query) => store.audit(subject, query) };
    this.now = options.now ?? Date.now;
    this.receiptWindowMs = options.receiptWindowMs ?? DEFAULT_RECEIPT_WINDOW_MS;
    this.org = options.org;
    this.nodeRefusals = options.refusals;
  }

  /** The store's state with values shared and frozen: every read here only looks. */
  private get state(): StateView {
    return this.store.sharedState;
  }


  // ---- the ledger: heads, blocks, entries, proofs ----------------------------------------------------------

  /** The last durable block with its attestations (formats §10: a signed head), read once per durable block and frozen. */
  signedHead(): SignedHead {
    const durable = this.store.durableBlocks;
    if (this.lastHead?.durable !== durable) {
      const head = this.store.signedHead();
      if (!head) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'head', reason: 'no block yet' });
      this.lastHead = { durable, head: deepFreeze(head) };
    }
    return this.lastHead.head;
  }

  /** Block headers, newest first, from below the cursor (a height) down. */
  blocks(page: PageRequest = {}): Page<{ header: BlockHeader; blockHash: string }> {
    const { after, limit } = checkedPage(page, { maxLimit: 100 });
    const top = Math.min(after === undefined ? Number.MAX_SAFE_INTEGER : Number(after) - 1, this.store.head.height);
    const items: { header: BlockHeader; blockHash: string }[] = [];
    for (let h = top; h >= 1 && items.length < limit; h--) {
      const block = this.store.block(h);
      if (block) items.push({ header: block.header, blockHash: block.blockHash });
    }
    const last = items[items.length - 1]?.header.height;
    return last !== undefined && last > 1 ? { items, next: String(last) } : { items };
  }

  /** A block and its entries, each body withheld unless the reader may read it. */
  block(reader: string, height: number): StoredBlock & { entries: EntryView[] } {
    if (!Number.isSafeInteger(height) || height < 0) throw nodeError('QUERY_INVALID', { field: 'height' });
    const block = this.store.block(height);
    if (!block) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'block', height });
    const { firstSeq, entryCount } = block.header;
    return { ...block, entries: this.store.entries(firstSeq, firstSeq + entryCount).map((r) => this.entryView(reader, r)) };
  }

  /** One transaction's entry by hash, with its inclusion proof in the current head. */
  transaction(reader: string, txHash: string): ProvenEntry {
    const row = this.store.entryByHash(txHash);
    if (!row) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'transaction' });
    return this.proven(row, this.entryView(reader, row));
  }

  /** An inclusion proof of entry `seq` in the tree of size `treeSize` (default: the current head). */
  inclusionProof(seq: number, treeSize?: number): { seq: number; treeSize: number; proof: string[] } {
    const size = treeSize ?? this.store.head.treeSize;
    if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(size) || seq < 0 || seq >= size || size > this.store.head.treeSize) {
      throw nodeError('QUERY_INVALID', { field: 'seq', reason: 'outside the log' });
    }
    return { seq, treeSize: size, proof: hexList(this.store.inclusionProof(seq, size)) };
  }

  /** A consistency proof from an earlier tree size to a later one (default: the current head). */
  consistencyProof(size1: number, size2?: number): { size1: number; size2: number; proof: string[] } {
    const to = size2 ?? this.store.head.treeSize;
    if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(to) || size1 < 1 || size1 > to || to > this.store.head.treeSize) {
      throw nodeError('QUERY_INVALID', { field: 'size', reason: 'sizes must satisfy 1 ≤ size1 ≤ size2 ≤ the head' });
    }
    return { size1, size2: to, proof: hexList(this.store.consistencyProof(size1, to)) };
  }

  /** Whether `reader` may see the body of a transaction with this header and body (the rule at the top of this file). */
  mayReadBody(reader: string, header: TxHeader, body: JsonValue): boolean {
    if (header.actor === reader) return true;
    const named = auditSubjects({ header, body } as never, { ok: true }, this.state);
    if (named.users.includes(reader)) return true;
    return IDENTITY_TYPES.includes(header.type) && this.isActiveAdmin(reader);
  }

  private entryView(reader: string, row: EntryRow): EntryView {
    const entry = fullEntry(row);
    return this.mayReadBody(reader, entry.tx.header, (entry.tx as SignedTx).body) ? entry : { ...entry, tx: withheldOf(row) };
  }

  /**
   * The chain as export lines (formats §8.6) for `reader`, from `fromHeight`
   * up to the head when the export began: the bodies of identity
   * transactions (public identity data a verifier needs for the signers' keys,
   * §8.7, and which a user lookup serves to anyone) and the bodies the reader
   * may read; every other body withheld, and no block's state writes (they
   * repeat bodies). Streamed block by block; it verifies as a withheld export.
   */
  *export(reader: string, request: ExportRequest = {}): Generator<string> {
    const from = request.fromHeight ?? 1;
    if (!Number.isSafeInteger(from) || from < 1) throw nodeError('QUERY_INVALID', { field: 'fromHeight' });
    const last = this.store.head.height;
    yield exportHeaderLine(this.store.chainId, this.store.genesis);
    for (let height = from; height <= last; height++) {
      const block = this.store.block(height);
      if (!block) return;
      const { firstSeq, entryCount } = block.header;
      const entries = this.store.entries(firstSeq, firstSeq + entryCount).map((row) => {
        const tx = fullOf(row);
        const visible = isIdentityTx(tx.header.type) || this.mayReadBody(reader, tx.header, tx.body);
        return { tx: visible ? tx : withheldOf(row), outcome: row.outcome };
      });
      yield exportBlockLine({ header: block.header, entries, attestations: [...block.attestations] });
    }
  }

  private proven(row: EntryRow, entry: EntryView): ProvenEntry {
    const treeSize = this.store.head.treeSize;
    return { entry, treeSize, proof: hexList(this.store.inclusionProof(row.seq, treeSize)) };
  }

  private isActiveAdmin(username: string): boolean {
    return checkRole(this.state, username, 'admin', 'ADMIN_REQUIRED') === null;
  }

  // ---- users and their keys ---------------------------------------------------------------------------------

  /** Whether `username` is registered on the ledger (login and registration ask before anything else). */
  isRegistered(username: string): boolean {
    return isRegistered(this.state, username);
  }

  /** Whether a login challenge is signed by the user's current registered sig key (DESIGN §9): never a key the client names. */
  verifyLoginSignature(challenge: LoginChallenge, sig: string): Promise<boolean> {
    return verifyLoginSignature(this.state, challenge, sig);
  }

  /**
   * A user's public keys (every generation: old ones still open old wraps)
   * and roles, each with the transaction that put it in the ledger and its
   * inclusion proof, so a client can check a key is theirs against a head it
   * trusts. By exact username only: there is no list of everyone.
   */
  user(reader: string, username: string): UserView {
    const user = readState.user(this.state, username);
    if (!user) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'user' });
    const head = this.signedHead();
    const generations: KeyView[][] = [];
    // From the current keys back: each generation was registered by a RegisterUser or a RotateKeys (key/<id> names it),
    // and a RotateKeys is signed by the previous generation's sig key. Public identity data, served in full.
    for (let sigKeyId: string | undefined = user.sigKeyId, depth = 0; sigKeyId !== undefined && depth < MAX_KEY_GENERATIONS; depth++) {
      const key = readState.key(this.state, sigKeyId);
      const row = key && key.username === username && key.txHash ? this.store.entryByHash(key.txHash) : undefined;
      if (!row || row.outcome !== OK || row.header.actor !== username) break;
      const entry = fullEntry(row);
      const body = (entry.tx as SignedTx).body as { sigKeyId: string; encKeyId: string };
      const registeredBy = this.proven(row, entry);
      const generation: KeyView[] = [];
      for (const use of ['enc', 'sig'] as const) {
        const k = readState.key(this.state, use === 'sig' ? body.sigKeyId : body.encKeyId);
        if (!k || k.username !== username) continue;
        const current = use === 'sig' ? user.sigKeyId === k.keyId : user.encKeyId === k.keyId;
        generation.push({ use, keyId: k.keyId, fingerprint: fingerprint(k.keyId), spki: k.spki, current, since: k.since, registeredBy });
      }
      generations.push(generation);
      sigKeyId = row.header.type === 'RotateKeys' ? row.header.keyId : undefined;
    }
    const roles: RoleView[] = [];
    for (const role of ['doctor', 'admin'] as const) {
      const held = readState.role(this.state, username, role);
      if (!held) continue;
      // An active role's AssignRole is in a block of its `since` time: one block's rows of the audit index, not the user's history.
      const assign = !held.active ? undefined : this.store
        .audit(`u:${username}`, { type: 'AssignRole', outcome: OK, sinceTime: held.since, untilTime: held.since + 1, limit: 50 })
        .find((r) => {
          const b = JSON.parse(r.bodyJson) as { username?: string; role?: string; sigKeyId?: string; encKeyId?: string };
          return b.username === username && b.role === role && b.sigKeyId === held.sigKeyId && b.encKeyId === held.encKeyId;
        });
      roles.push({
        role, org: held.org, active: held.active, sigKeyId: held.sigKeyId, encKeyId: held.encKeyId,
        vouched: held.active && held.sigKeyId === user.sigKeyId && held.encKeyId === user.encKeyId,
        ...(assign ? { assignedBy: this.proven(assign, fullEntry(assign)) } : {}),
      });
    }
    // Oldest generation first, enc before sig in each.
    return { username, keys: generations.reverse().flat(), roles, head };
  }

  /**
   * The users holding a doctor or admin role in `org`, by username: for an
   * active admin of `org` only (an admin sees the users of their own
   * organisation's roles; nobody gets a list of everyone).
   */
  orgMembers(reader: string, org: string, page: PageRequest = {}): Page<MemberView> {
    const { limit } = checkedPage({ limit: page.limit }, { maxLimit: 200 });
    if (page.after !== undefined && (typeof page.after !== 'string' || !USERNAME_CURSOR.test(page.after))) throw nodeError('QUERY_INVALID', { field: 'after' });
    if (!readState.org(this.state, org)) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'org' });
    const check = checkRole(this.state, reader, 'admin', 'ADMIN_REQUIRED', org);
    if (check !== null) throw nodeError('READ_DENIED', { reason: check });
    const after = page.after as string | undefined;
    const rest = orgMembers(this.source, this.store.genesis, org).filter((m) => after === undefined || m.username > after);
    // A user holding both roles is one entry per role: the page ends after a user, never between their roles.
    const items = rest.slice(0, limit);
    while (items.length > 0 && items.length < rest.length && rest[items.length]!.username === items[items.length - 1]!.username) items.push(rest[items.length]!);
    return items.length < rest.length ? { items, next: items[items.length - 1]!.username } : { items };
  }

  // ---- the directory and records ----------------------------------------------------------------------------

  /** One page of `patient`'s directory as `reader` may see it (contract directoryAccess). */
  directory(reader: string, patient: string, page: PageOptions = {}): DirectoryPage {
    const { q, own } = this.directoryAccess(reader, patient, page);
    return this.store.directoryPage(q.patient, own, q.page);
  }

  /**
   * The same page, decided the same way, as the directory index's stored
   * lines (each entry's canonical JSON, exactly a DirectoryEntry's fields):
   * for answers that send them as they are.
   */
  directoryLines(reader: string, patient: string, page: PageOptions = {}): DirectoryLines {
    const { q, own } = this.directoryAccess(reader, patient, page);
    return this.store.directoryLines(q.patient, own, q.page);
  }

  private directoryAccess(reader: string, patient: string, page: PageOptions) {
    const q = directoryQuery(reader, patient, page);
    const access = directoryAccess(this.state, q.viewer, q.patient);
    if (!access.ok) {
      if (access.code === 'USER_UNKNOWN') throw nodeError('RESOURCE_NOT_FOUND', { kind: 'user' });
      throw nodeError('READ_DENIED', { reason: access.code });
    }
    return { q, own: access.own };
  }

  /**
   * A record's metadata and its versions' signed manifests — never content —
   * for its owner, its authors, a reader with a usable read grant, and an
   * active doctor when the patient listed it.
   */
  record(reader: string, recordId: string) {
    const { record, access } = this.recordFor(reader, recordId);
    const versions = [];
    for (let v = 1; v <= record.latestVersion; v++) versions.push(versionSummary(readState.version(this.state, recordId, v)!));
    return {
      recordId, patient: record.patient, authors: record.authors, latestVersion: record.latestVersion, listed: record.listed, createdAt: record.createdAt,
      versions, access,
    };
  }

  /**
   * One version's signed manifest with the inclusion proof of the transaction
   * that added it (in the current head), for the readers of `record`.
   */
  version(reader: string, recordId: string, version: number) {
    const { fixed, treeSize, proof } = this.versionProof(reader, recordId, version);
    return { ...fixed, treeSize, proof };
  }

  /**
   * The same answer in its parts: what never changes once the version's block
   * is durable (frozen, and the same object for as long as the shared state
   * holds the version's value: a write of it makes a new one), and the proof
   * in the current head. For answers that serialise the fixed part once.
   */
  versionProof(reader: string, recordId: string, version: number): { fixed: VersionFixed; treeSize: number; proof: string[] } {
    this.recordFor(reader, recordId);
    const stored = Number.isSafeInteger(version) && version >= 1 ? readState.version(this.state, recordId, version) : undefined;
    const row = stored && this.store.logged(stored.txHash);
    const treeSize = this.store.head.treeSize;
    // A version whose block is not durable yet (committed a moment before the node hears so) has no proof in this head.
    if (!stored || !row || row.seq >= treeSize) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'version' });
    let fixed = this.fixedVersions.get(stored);
    if (fixed === undefined) {
      fixed = deepFreeze({ recordId, ...versionSummary(stored), entry: { seq: row.seq, height: row.height, outcome: row.outcome } });
      this.fixedVersions.set(stored, fixed);
    }
    return { fixed, treeSize, proof: hexList(this.store.inclusionProof(row.seq, treeSize)) };
  }

  /** The record and why `reader` may see its metadata; RESOURCE_NOT_FOUND for anyone else, as for a record that does not exist. */
  private recordFor(reader: string, recordId: string) {
    const record = readState.record(this.state, recordId);
    const decision = record ? mayRead(this.state, reader, recordId, record.latestVersion, this.now()) : undefined;
    const listedToDoctor = record?.listed && checkRole(this.state, reader, 'doctor', 'DOCTOR_REQUIRED') === null;
    if (!record || (!decision?.ok && !listedToDoctor)) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'record' });
    return { record, access: decision?.ok ? decision.via : ('listed' as const) };
  }

  /** The wrapped keys of a version addressed to one of `reader`'s enc keys (current or earlier): only ever the reader's own. */
  wrappedKeys(reader: string, recordId: string, version: number) {
    const user = readState.user(this.state, reader);
    if (!user || !readState.version(this.state, recordId, version)) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'version' });
    // Wraps are kept by recipient (wrap/<record>/<v>/<username>): the reader's, under whichever of their keys.
    const wrap = readState.wrapFor(this.state, recordId, version, reader);
    if (!wrap) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'wrappedKey' });
    return [wrap];
  }

  // ---- ciphertext ---------------------------------------------------------------------------------------------

  /**
   * Opens a version's ciphertext (or a byte range of it) for `reader`: only
   * against their accepted RecordRead of that version within the receipt
   * window, and only while `mayRead` holds — checked now and again before
   * every chunk the stream yields.
   */
  async openCiphertext(reader: string, recordId: string, version: number, range?: ByteRange): Promise<BlobReadStream & { receipt: string }> {
    const receipt = this.receiptFor(reader, recordId, version);
    this.assertMayReadNow(reader, recordId, version);
    const cipherRoot = readState.version(this.state, recordId, version)!.manifest.cipherRoot;
    const stream = await this.blobs.read(cipherRoot, range);
    const self = this;
    return {
      receipt,
      blobSize: stream.blobSize,
      start: stream.start,
      end: stream.end,
      close: () => stream.close(),
      async *[Symbol.asyncIterator]() {
        try {
          for await (const chunk of stream) {
            self.assertMayReadNow(reader, recordId, version);
            yield chunk;
          }
        } finally {
          stream.close();
        }
      },
    } as BlobReadStream & { receipt: string };
  }

  /** The hash of `reader`'s latest accepted RecordRead of this version within the window, or a refusal. */
  private receiptFor(reader: string, recordId: string, version: number): string {
    if (!readState.version(this.state, recordId, version)) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'version' });
    const since = this.now() - this.receiptWindowMs;
    for (let before: number | undefined; ; ) {
      const rows = this.store.audit(`r:${recordId}`, { type: 'RecordRead', actor: reader, outcome: OK, sinceTime: since, limit: 50, ...(before === undefined ? {} : { beforeSeq: before }) });
      const hit = rows.find((r) => (JSON.parse(r.bodyJson) as { version?: number }).version === version);
      if (hit) return hit.txHash;
      if (rows.length < 50) throw nodeError('READ_RECEIPT_REQUIRED', { windowMs: this.receiptWindowMs });
      before = rows[rows.length - 1]!.seq;
    }
  }

  private assertMayReadNow(reader: string, recordId: string, version: number): void {
    const decision = mayRead(this.state, reader, recordId, version, this.now());
    if (!decision.ok) throw nodeError('READ_DENIED', { reason: decision.code });
  }

  // ---- requests, grants, audit, notifications -------------------------------------------------------------

  /**
   * Access requests `reader` made (as a doctor) or received (as a patient),
   * newest first, with their current status. Only the parties see them. A
   * filter thins a page (it may come back shorter than `limit`, with `next`),
   * never adds a count.
   */
  requests(reader: string, page: PageRequest = {}, filter: RequestFilter = {}): Page<RequestView> {
    const { after, limit } = checkedPage(page, { maxLimit: 100 });
    const mine = filter.direction === 'outgoing' ? { actor: reader } : {};
    const rows = this.store.audit(`u:${reader}`, { type: 'RequestAccess', outcome: OK, ...mine, limit: limit + 1, ...seqCursor(after) });
    const items = rows.slice(0, limit).flatMap((r) => {
      const request = readState.request(this.state, r.txHash);
      if (!request || (request.doctor !== reader && request.patient !== reader)) return [];
      if (filter.direction === 'incoming' && request.patient !== reader) return [];
      const view = requestView(this.state, request);
      return filter.status === undefined || view.status === filter.status ? [view] : [];
    });
    return pageOf(items, rows, limit);
  }

  /**
   * Grants `reader` issued (as a patient) or holds (as a doctor), newest
   * first, each with whether it still stands: active, expired, void (the
   * doctor's role term ended), revoked or replaced. Only the parties see them.
   */
  grants(reader: string, page: PageRequest = {}, filter: GrantFilter = {}): Page<GrantView> {
    const { after, limit } = checkedPage(page, { maxLimit: 100 });
    const mine = filter.direction === 'issued' ? { actor: reader } : {};
    const rows = this.store.audit(`u:${reader}`, { type: 'GrantAccess', outcome: OK, ...mine, limit: limit + 1, ...seqCursor(after) });
    const now = this.now();
    const items = rows.slice(0, limit).flatMap((r): GrantView[] => {
      const view = grantView(this.state, r, now);
      if (view.grantor !== reader && view.grantee !== reader) return [];
      if (filter.direction === 'received' && view.grantee !== reader) return [];
      return filter.status === undefined || view.status === filter.status ? [view] : [];
    });
    return pageOf(items, rows, limit);
  }

  /**
   * The audit trail, newest first: of a user (for themselves, or for an admin
   * of the organisation where the user holds a role), or of a record (for its
   * owner). Refused attempts included; bodies withheld as for any read; an
   * accepted read by someone other than the owner names its grant.
   */
  audit(reader: string, subject: { user: string } | { record: string }, page: PageRequest = {}): Page<AuditEntryView> {
    const { after, limit } = checkedPage(page, { maxLimit: 200 });
    let key: string;
    if ('user' in subject) {
      if (subject.user !== reader && !this.adminOver(reader, subject.user)) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'audit' });
      key = `u:${subject.user}`;
    } else {
      if (readState.record(this.state, subject.record)?.patient !== reader) throw nodeError('RESOURCE_NOT_FOUND', { kind: 'audit' });
      key = `r:${subject.record}`;
    }
    const rows = this.store.audit(key, { limit: limit + 1, ...seqCursor(after) });
    const items = rows.slice(0, limit).map((r) => {
      const grantId = grantOfRead(this.source, r);
      return { ...this.entryView(reader, r), ...(grantId ? { grantId } : {}) };
    });
    return pageOf(items, rows, limit);
  }

  /**
   * What `reader` is notified of, newest first: access requests made to them,
   * and reads of their records by others, accepted (a grant was used) or
   * refused (read-views.ts notificationOf). Both come from the reader's audit
   * entries of two types; a page merges the two by log position.
   */
  notifications(reader: string, page: PageRequest = {}): Page<NotificationView> {
    const { after, limit } = checkedPage(page, { maxLimit: 100 });
    const at = { limit: limit + 1, ...seqCursor(after) };
    const rows = [
      ...this.store.audit(`u:${reader}`, { type: 'RequestAccess', outcome: OK, ...at }),
      ...this.store.audit(`u:${reader}`, { type: 'RecordRead', ...at }),
    ].sort((a, b) => b.seq - a.seq).slice(0, limit + 1);
    const items = rows.slice(0, limit).flatMap((r) => notificationOf(this.source, reader, r) ?? []);
    return pageOf(items, rows, limit);
  }

  /**
   * Refused actions across the node, newest first, one kind a page: the
   * ledger's refused transactions (every type and actor: the consortium's
   * log as this node holds it), or this node's rate-limit trips or failed
   * logins. For the active admins of the organisation that runs the node
   * (READ_DENIED for anyone else, an admin of another organisation too: the
   * node's log is its operator's). Ids, usernames, fingerprints, codes and
   * times; never a body, title or ciphertext.
   */
  refusals(reader: string, kind: RefusalKind, page: PageRequest = {}): Page<RefusalView> {
    const { after, limit } = checkedPage(page, { maxLimit: 200 });
    if (this.org === undefined || checkRole(this.state, reader, 'admin', 'ADMIN_REQUIRED', this.org) !== null) {
      throw nodeError('READ_DENIED', { reason: 'ADMIN_REQUIRED' });
    }
    const before = after === undefined ? undefined : Number(after);
    if (kind === 'refused-tx') {
      const rows = this.store.refused({ limit: limit + 1, ...(before === undefined ? {} : { beforeSeq: before }) });
      return pageOf(rows.slice(0, limit).map(refusedTxView), rows, limit);
    }
    if (!(NODE_REFUSAL_KINDS as readonly string[]).includes(kind)) throw nodeError('QUERY_INVALID', { field: 'kind' });
    const rows = this.nodeRefusals?.page(kind as NodeRefusalKind, { limit: limit + 1, ...(before === undefined ? {} : { beforeId: before }) }) ?? [];
    const items = rows.slice(0, limit).map(nodeRefusalView);
    return rows.length > limit ? { items, next: String(items[limit - 1]!.id) } : { items };
  }

  /** Is `admin` an active admin of an organisation in which `username` holds a role? */
  private adminOver(admin: string, username: string): boolean {
    const adminRole = readState.role(this.state, admin, 'admin');
    if (!adminRole || !this.isActiveAdmin(admin)) return false;
    return (['doctor', 'admin'] as const).some((r) => readState.role(this.state, username, r)?.org === adminRole.org);
  }
}

/** A version answer's part that never changes once its block is durable (protocol VersionFixed). */
export type VersionFixed = Readonly<ReturnType<typeof versionSummary> & { recordId: string; entry: { seq: number; height: number; outcome: string } }>;

/** What a reader sees of a version: its signed manifest and where it entered the log. */
function versionSummary(v: VersionState) {
  return { version: v.version, manifest: v.manifest, manifestSig: v.manifestSig, txHash: v.txHash, addedAt: v.addedAt };
}

/** The cursor of the organisation members' list: the last username of the page. */
const USERNAME_CURSOR = /^[a-z0-9._-]{1,32}$/;

/** Audit pages are cursored by seq: the cursor is the last seq of the page, as text. */
function seqCursor(after: string | undefined): { beforeSeq?: number } {
  if (after === undefined) return {};
  const seq = Number(after);
  if (!/^\d{1,15}$/.test(after) || !Number.isSafeInteger(seq)) throw nodeError('QUERY_INVALID', { field: 'cursor' });
  return { beforeSeq: seq };
}

function pageOf<T>(items: T[], rows: EntryRow[], limit: number): Page<T> {
  return rows.length > limit ? { items, next: String(rows[limit - 1]!.seq) } : { items };
}
