/**
 * Access over the network (DESIGN §1 steps 3, 4 and 6; §2 "What revoke can
 * and cannot do"): a doctor requests; the patient's client approves by
 * unwrapping each record's DEK and re-wrapping it for the grantee's enc key
 * — a key the caller took from the ledger with its proofs (flows/keys.ts),
 * never one a node named — and signs the grant; either party closes a
 * pending request (deny, withdraw); the patient revokes, or revokes and
 * re-keys: the record's content sealed again under a fresh DEK as a new
 * version that is wrapped for the owner and the grantees still standing,
 * not for the revoked one.
 */
import { unwrapDek, wrapDek, type JsonValue, type WrappedKey } from '../../crypto/index.ts';
import type { TxResult } from '../../protocol/index.ts';
import { clientError } from '../errors.ts';
import { submitOk, type ClientContext } from './context.ts';
import { uploadRecord, type UploadInput, type Uploaded } from './records.ts';

/** A public key taken from the ledger: its owner's accepted RegisterUser/RotateKeys proven under a head the client accepted. */
export interface ProvenKey {
  username: string;
  use: 'enc' | 'sig';
  keyId: string;
  /** For people to compare (formats §2): shown where someone decides. */
  fingerprint: string;
  publicKey: CryptoKey;
}

export interface AccessRequest {
  patient: string;
  records: string[] | 'all';
  purpose: string;
  durationMs: number;
}

/** A doctor's request; its id is the transaction's hash. */
export async function requestAccess(ctx: ClientContext, request: AccessRequest): Promise<TxResult & { requestId: string }> {
  const result = await submitOk(ctx, 'RequestAccess', request as unknown as JsonValue);
  return { ...result, requestId: result.txHash };
}

/** What the patient grants on one record: its latest version and the DEK wrapped for the patient (from the ledger). */
export interface GrantedVersion {
  recordId: string;
  version: number;
  /** The version's DEK wrapped for one of the patient's enc keys. */
  ownWrap: WrappedKey;
}

export interface Approval {
  grantee: ProvenKey;
  requestId?: string;
  records: GrantedVersion[];
  scopes: ('read' | 'contribute')[];
  expiresAt: number;
}

/**
 * Grants access: for each record, the patient's own wrap is unwrapped here
 * and the DEK re-wrapped for the grantee's enc key, then the grant is
 * signed. Contribute-only grants carry no keys. Returns the wraps made (the
 * grantee reads with them) beside the answer.
 */
export async function approve(ctx: ClientContext, a: Approval): Promise<TxResult & { keys: WrappedKey[] }> {
  if (a.grantee.use !== 'enc') throw clientError('KEY_NOT_PROVEN', { username: a.grantee.username, reason: 'not an enc key' });
  const keys: WrappedKey[] = [];
  for (const r of a.records) {
    const own = await ctx.me.encKeyFor(r.ownWrap.keyId);
    if (!own) throw clientError('RECORD_NOT_READABLE', { recordId: r.recordId, version: r.version });
    const dek = await unwrapDek(r.ownWrap, own, ctx.chain);
    try {
      keys.push(await wrapDek(dek, a.grantee.publicKey, { chain: ctx.chain, recordId: r.recordId, version: r.version }));
    } finally {
      dek.fill(0);
    }
  }
  const body = {
    grantee: a.grantee.username, ...(a.requestId ? { requestId: a.requestId } : {}), expiresAt: a.expiresAt, scopes: a.scopes,
    keys: keys as unknown as JsonValue,
  };
  return { ...(await submitOk(ctx, 'GrantAccess', body as JsonValue)), keys };
}

/** The patient denies a pending request, or the doctor withdraws it (the contract tells which from the actor). */
export function closeRequest(ctx: ClientContext, r: { requestId: string; patient: string; doctor: string }): Promise<TxResult> {
  return submitOk(ctx, 'DenyRequest', { requestId: r.requestId, patient: r.patient, doctor: r.doctor });
}

export const deny = closeRequest;
export const withdraw = closeRequest;

/** Revokes a grantee's grants on these records (all of the patient's grants to them, and the contribute grant, when none are named). */
export function revoke(ctx: ClientContext, grantee: string, recordIds?: string[], rekey = false): Promise<TxResult> {
  return submitOk(ctx, 'RevokeAccess', { grantee, ...(recordIds ? { recordIds } : {}), ...(rekey ? { rekey: true } : {}) });
}

export interface Rekey {
  grantee: string;
  recordId: string;
  /** The version the new one follows. */
  latestVersion: number;
  /** The record's content again (the patient's client holds or has just decrypted it). */
  content: Pick<UploadInput, 'title' | 'mediaType' | 'fileName' | 'content' | 'contentSize' | 'chunkSize'>;
  /** Enc keys of the grantees who still stand (a new version must be wrapped for each), from the ledger. */
  standing: ProvenKey[];
}

/**
 * Revoke and re-key (DESIGN §2): revokes the grantee, then adds the next
 * version under a fresh DEK wrapped for the owner and `standing` only. The
 * old ciphertext stays until erasure; the revoked grantee can open no later
 * version.
 */
export async function revokeAndRekey(ctx: ClientContext, r: Rekey): Promise<{ revoked: TxResult; version: Uploaded & { result: TxResult } }> {
  if (r.standing.some((k) => k.username === r.grantee)) throw clientError('KEY_NOT_PROVEN', { username: r.grantee, reason: 'the revoked grantee is listed as standing' });
  const revoked = await revoke(ctx, r.grantee, [r.recordId], true);
  const version = await uploadRecord(ctx, { ...r.content, recordId: r.recordId, version: r.latestVersion + 1, readers: r.standing.map((k) => k.publicKey) });
  return { revoked, version };
}
