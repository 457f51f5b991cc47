/**
 * Typed reads of the node's API for the CLI and the web app (DESIGN §9):
 * one method per read route, numbers in and out (the wire's decimal text is
 * this file's business), lists as pages with an opaque `next`, and the
 * export as a stream of lines. `verifyUserView` checks what a user lookup
 * says against the head it came with (DESIGN §2: keys come from the ledger,
 * not from a node's say-so); the caller checks that head against the heads it
 * kept (verifySignedHead, a consistency proof).
 *
 * Runs in Node and the browser: fetch only, no `node:` imports.
 */
import { DhlError, fromHex, keyIdOfSpki, fromBase64url, type SyncHash } from '../crypto/index.ts';
import { entryLeafHash, parseTx, verifyInclusion } from '../ledger/index.ts';
import type { AnswerOf, RefusalKindName, RouteName } from '../protocol/index.ts';
import { errorOf, type ApiClient } from './api-client.ts';

export interface PageInput {
  /** The `next` of the previous page. */
  after?: string;
  limit?: number;
}

type Body<N extends RouteName> = AnswerOf<N>;

const pageQuery = (page: PageInput = {}) => ({ after: page.after, limit: page.limit === undefined ? undefined : String(page.limit) });
const text = (n: number | undefined) => (n === undefined ? undefined : String(n));

export class Reads {
  constructor(private readonly api: ApiClient) {}

  // ---- the ledger -----------------------------------------------------------------------------------------

  head(): Promise<Body<'ledgerHead'>> {
    return this.api.call('ledgerHead');
  }

  blocks(page?: PageInput): Promise<Body<'ledgerBlocks'>> {
    return this.api.call('ledgerBlocks', { query: pageQuery(page) });
  }

  block(height: number): Promise<Body<'ledgerBlock'>> {
    return this.api.call('ledgerBlock', { params: { height: String(height) } });
  }

  transaction(txHash: string): Promise<Body<'ledgerTx'>> {
    return this.api.call('ledgerTx', { params: { txHash } });
  }

  inclusionProof(seq: number, treeSize?: number): Promise<Body<'inclusionProof'>> {
    return this.api.call('inclusionProof', { query: { seq: String(seq), treeSize: text(treeSize) } });
  }

  consistencyProof(from: number, to?: number): Promise<Body<'consistencyProof'>> {
    return this.api.call('consistencyProof', { query: { from: String(from), to: text(to) } });
  }

  /** The export as lines of JSON text (docs/formats.md §8.6), read as they arrive. */
  async *exportLines(options: { fromHeight?: number } = {}): AsyncGenerator<string> {
    const response = await this.api.request('ledgerExport', { query: { fromHeight: text(options.fromHeight) } });
    if (!response.ok) {
      const body = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      throw errorOf(response.status, json);
    }
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let pending = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
        let end: number;
        while ((end = pending.indexOf('\n')) >= 0) {
          yield pending.slice(0, end);
          pending = pending.slice(end + 1);
        }
        if (done) break;
      }
      if (pending.length > 0) yield pending;
    } finally {
      reader.releaseLock();
    }
  }

  // ---- users ----------------------------------------------------------------------------------------------

  user(username: string): Promise<Body<'user'>> {
    return this.api.call('user', { params: { username } });
  }

  orgMembers(org: string, page?: PageInput): Promise<Body<'orgMembers'>> {
    return this.api.call('orgMembers', { params: { org }, query: pageQuery(page) });
  }

  // ---- directory and records ------------------------------------------------------------------------------

  directory(patient: string, page?: PageInput): Promise<Body<'directory'>> {
    return this.api.call('directory', { params: { patient }, query: pageQuery(page) });
  }

  record(recordId: string): Promise<Body<'record'>> {
    return this.api.call('record', { params: { recordId } });
  }

  version(recordId: string, version: number): Promise<Body<'recordVersion'>> {
    return this.api.call('recordVersion', { params: { recordId, version: String(version) } });
  }

  wrappedKey(recordId: string, version: number): Promise<Body<'wrappedKey'>> {
    return this.api.call('wrappedKey', { params: { recordId, version: String(version) } });
  }

  // ---- requests, grants, audit, notifications -------------------------------------------------------------

  requests(filter: { direction?: 'incoming' | 'outgoing'; status?: Body<'requests'>['items'][number]['status'] } & PageInput = {}): Promise<Body<'requests'>> {
    return this.api.call('requests', { query: { direction: filter.direction, status: filter.status, ...pageQuery(filter) } });
  }

  grants(filter: { direction?: 'issued' | 'received'; status?: Body<'grants'>['items'][number]['status'] } & PageInput = {}): Promise<Body<'grants'>> {
    return this.api.call('grants', { query: { direction: filter.direction, status: filter.status, ...pageQuery(filter) } });
  }

  recordAudit(recordId: string, page?: PageInput): Promise<Body<'recordAudit'>> {
    return this.api.call('recordAudit', { params: { recordId }, query: pageQuery(page) });
  }

  userAudit(username: string, page?: PageInput): Promise<Body<'userAudit'>> {
    return this.api.call('userAudit', { params: { username }, query: pageQuery(page) });
  }

  notifications(page?: PageInput): Promise<Body<'notifications'>> {
    return this.api.call('notifications', { query: pageQuery(page) });
  }

  /** Refused actions across the node, one kind a page, newest first: for the admins of the organisation running it. */
  refusals(kind: RefusalKindName, page?: PageInput): Promise<Body<'adminRefusals'>> {
    return this.api.call('adminRefusals', { query: { kind, ...pageQuery(page) } });
  }
}

/** Every item of a paged list, page after page (`fetchPage` gets the previous page's `next`). */
export async function* allPages<T>(fetchPage: (after: string | undefined) => Promise<{ items: T[]; next?: string }>): AsyncGenerator<T> {
  for (let after: string | undefined, first = true; first || after !== undefined; first = false) {
    const page = await fetchPage(after);
    yield* page.items;
    after = page.next;
  }
}

type ProvenEntry = Body<'user'>['keys'][number]['registeredBy'];
type LedgerHead = Body<'ledgerHead'>;

const refused = (what: string) => new DhlError('USER_VIEW_INVALID', `the user lookup does not prove what it says: ${what}`);

/** Checks an entry's inclusion proof under `head` (RFC 9162 §2.1.3.2) and returns the parsed transaction. */
export function verifyProvenEntry(hash: SyncHash, proven: ProvenEntry, head: LedgerHead) {
  if (proven.treeSize !== head.header.treeSize) throw refused('a proof is not in the tree of the head it came with');
  const tx = parseTx(hash, proven.entry.tx);
  const leaf = entryLeafHash(hash, { tx: tx.hash, outcome: proven.entry.outcome });
  verifyInclusion(hash, proven.entry.seq, proven.treeSize, leaf, proven.proof.map((h) => fromHex(h)), fromHex(head.header.treeRoot));
  return tx;
}

/**
 * Checks a user lookup against the head it carries: every key is in the
 * accepted RegisterUser or RotateKeys of that user that proves it (the SPKI
 * in its body, the key id its SHA-256), and every role's keys are those its
 * AssignRole names; each of those entries is in the log under the head.
 * Throws USER_VIEW_INVALID or the Merkle check's code; returns the view.
 */
export async function verifyUserView(hash: SyncHash, view: Body<'user'>): Promise<Body<'user'>> {
  for (const key of view.keys) {
    const tx = verifyProvenEntry(hash, key.registeredBy, view.head);
    const body = (tx.body ?? {}) as Record<string, unknown>;
    const owner = tx.header.type === 'RegisterUser' ? body.username : tx.header.actor;
    if (key.registeredBy.entry.outcome !== 'OK' || !['RegisterUser', 'RotateKeys'].includes(tx.header.type) || owner !== view.username) {
      throw refused(`key ${key.keyId.slice(0, 16)} is not registered to ${view.username} by the transaction named`);
    }
    if (body[`${key.use}Spki`] !== key.spki || body[`${key.use}KeyId`] !== key.keyId || (await keyIdOfSpki(fromBase64url(key.spki))) !== key.keyId) {
      throw refused(`key ${key.keyId.slice(0, 16)} differs from the one its transaction registers`);
    }
  }
  for (const role of view.roles) {
    if (!role.assignedBy) continue;
    const tx = verifyProvenEntry(hash, role.assignedBy, view.head);
    const body = (tx.body ?? {}) as Record<string, unknown>;
    if (role.assignedBy.entry.outcome !== 'OK' || tx.header.type !== 'AssignRole' || body.username !== view.username || body.role !== role.role ||
      body.org !== role.org || body.sigKeyId !== role.sigKeyId || body.encKeyId !== role.encKeyId) {
      throw refused(`the ${role.role} role is not the one its AssignRole names`);
    }
  }
  return view;
}
