/**
 * The scenario's steps as one call each, reading what they need from the
 * ledger through the node's read routes and proving it (ledger.ts) before
 * anything is signed: list a record, look up a directory, approve a request
 * (keys re-wrapped for the doctor's proven key, its fingerprint returned for
 * display), read a record (verify, receipt, download, decrypt), add a version
 * (wrapped for the grantees still standing), revoke and re-key, contribute to
 * a patient's chart, and the audit trail and notifications.
 */
import type { TxResult } from '../../protocol/index.ts';
import type { Reads } from '../reads.ts';
import { clientError } from '../errors.ts';
import { approve, requestAccess, revokeAndRekey, type AccessRequest, type ProvenKey, type Rekey } from './access.ts';
import { submitOk, type ClientContext } from './context.ts';
import { allPages, ownWrap, provenKey, verifyRecord, type VerifiedVersion } from './ledger.ts';
import { readRecord, uploadRecord, type UploadInput } from './records.ts';

type RequestItem = Awaited<ReturnType<Reads['requests']>>['items'][number];

/** SetListing: the patient lists (or unlists) a record in the doctors' directory. */
export function setListing(ctx: ClientContext, recordId: string, listed: boolean): Promise<TxResult> {
  return submitOk(ctx, 'SetListing', { recordId, listed });
}

/** A patient's directory as this reader may see it, every page. */
export async function directory(reads: Reads, patient: string) {
  const entries = [];
  for await (const e of allPages((after) => reads.directory(patient, { after }))) entries.push(e);
  return entries;
}

/** Requests the reader received or made, optionally of one status, every page. */
export async function requests(reads: Reads, filter: { direction?: 'incoming' | 'outgoing'; status?: RequestItem['status'] } = {}) {
  const items: RequestItem[] = [];
  for await (const r of allPages((after) => reads.requests({ ...filter, after }))) items.push(r);
  return items;
}

export { requestAccess };
export type { AccessRequest };

/**
 * Approves a doctor's request: the records it names ("all": every record of
 * the patient's chart), each at its latest version with the patient's own
 * wrap from the ledger, re-wrapped for the doctor's enc key proven from the
 * ledger (an active doctor whose role vouches for it). `grantee` is that key
 * as the patient saw and confirmed it (provenKey with the doctor role): the
 * wraps are for exactly it, never for a key proven again after the decision
 * (should the doctor have rotated in between, the contract refuses the grant
 * instead of the records going to a key nobody confirmed). Without it, the key
 * is proven here and its fingerprint returned for display.
 */
export async function approveRequest(
  ctx: ClientContext,
  reads: Reads,
  request: Pick<RequestItem, 'requestId' | 'doctor' | 'records' | 'durationMs'>,
  o: { scopes?: ('read' | 'contribute')[]; expiresAt?: number; grantee?: ProvenKey } = {},
): Promise<TxResult & { grantee: ProvenKey; keys: Awaited<ReturnType<typeof approve>>['keys'] }> {
  if (o.grantee && (o.grantee.username !== request.doctor || o.grantee.use !== 'enc')) {
    throw clientError('KEY_NOT_PROVEN', { user: request.doctor, reason: `the confirmed key is ${o.grantee.username}'s ${o.grantee.use} key` });
  }
  const grantee = o.grantee ?? (await provenKey(ctx, reads, request.doctor, 'enc', { role: 'doctor' }));
  const scopes = o.scopes ?? ['read'];
  const ids = !scopes.includes('read') ? [] : request.records === 'all' ? (await directory(reads, ctx.me.username)).map((e) => e.recordId) : request.records;
  const records = [];
  for (const recordId of ids) {
    const latest = (await reads.record(recordId)).latestVersion;
    records.push({ recordId, version: latest, ownWrap: await ownWrap(reads, recordId, latest) });
  }
  const result = await approve(ctx, { grantee, requestId: request.requestId, records, scopes, expiresAt: o.expiresAt ?? ctx.now() + request.durationMs });
  return { ...result, grantee };
}

/**
 * Reads a version end to end (DESIGN §1 step 5): verify (manifest signature,
 * inclusion proof, block hash), then the read itself — the RecordRead
 * transaction, the download, the check against cipherRoot, decryption. The
 * first bytes of the ciphertext come back as an excerpt to show.
 */
export async function readFromLedger(
  ctx: ClientContext,
  reads: Reads,
  recordId: string,
  version: number,
  sink: (content: Uint8Array) => void | Promise<void>,
  o: { signal?: AbortSignal } = {},
): Promise<Awaited<ReturnType<typeof readRecord>> & { verified: VerifiedVersion }> {
  const verified = await verifyRecord(ctx, reads, recordId, version);
  const wrappedKey = await ownWrap(reads, recordId, version);
  const read = await readRecord(ctx, { recordId, version, signedManifest: verified.signedManifest, authorSigKey: verified.author.publicKey, wrappedKey, sink, ...o });
  return { ...read, verified };
}

/** The enc keys of the doctors whose read grants on the record still stand (a new version must be wrapped for each). */
export async function standingGrantees(ctx: ClientContext, reads: Reads, recordId: string, except?: string): Promise<ProvenKey[]> {
  const names = new Set<string>();
  for await (const g of allPages((after) => reads.grants({ direction: 'issued', status: 'active', after }))) {
    if (g.scopes.includes('read') && g.records.includes(recordId) && g.grantee !== except) names.add(g.grantee);
  }
  const keys = [];
  for (const name of [...names].sort()) keys.push(await provenKey(ctx, reads, name, 'enc', { role: 'doctor' }));
  return keys;
}

type Content = Pick<UploadInput, 'title' | 'mediaType' | 'fileName' | 'content' | 'contentSize' | 'chunkSize' | 'resume' | 'signal'>;

/** A new version of one of the patient's records, wrapped for the owner and every standing grantee. */
export async function addVersion(ctx: ClientContext, reads: Reads, recordId: string, content: Content) {
  const latest = (await reads.record(recordId)).latestVersion;
  const standing = await standingGrantees(ctx, reads, recordId);
  return uploadRecord(ctx, { ...content, recordId, version: latest + 1, readers: standing.map((k) => k.publicKey) });
}

/** Revoke and re-key (DESIGN §2): the new version is wrapped for the owner and the grantees still standing, never for `grantee`. */
export async function revokeAndRekeyFromLedger(ctx: ClientContext, reads: Reads, grantee: string, recordId: string, content: Rekey['content']) {
  const latest = (await reads.record(recordId)).latestVersion;
  const standing = await standingGrantees(ctx, reads, recordId, grantee);
  return revokeAndRekey(ctx, { grantee, recordId, latestVersion: latest, content, standing });
}

/** A doctor adds a record to a patient's chart under their contribute grant: wrapped for the patient's proven enc key and their own. */
export async function contribute(ctx: ClientContext, reads: Reads, patient: string, content: Content) {
  const owner = await provenKey(ctx, reads, patient, 'enc');
  return uploadRecord(ctx, { ...content, patient, readers: [owner.publicKey] });
}

/** The audit trail of a record (its owner) or a user, newest first, every page. */
export async function auditTrail(reads: Reads, subject: { record: string } | { user: string }) {
  const items = [];
  const page = 'record' in subject ? (after?: string) => reads.recordAudit(subject.record, { after }) : (after?: string) => reads.userAudit(subject.user, { after });
  for await (const item of allPages(page)) items.push(item);
  return items;
}

/** The reader's notifications (the first page: newest first) and failed logins since the last login. */
export function notifications(reads: Reads) {
  return reads.notifications();
}
