/**
 * `apply(view, tx, block) → {outcome, writes}` (DESIGN §6): the access-control
 * contract. Pure and deterministic: no I/O, no clock but the block's, no
 * randomness; it never throws for any transaction, only for a malformed block
 * context (a caller bug). Deny by default: a type, field or situation no rule
 * accepts is a rejection with its own code.
 */
import { ALG } from '../crypto/algorithms.ts';
import { parseBody } from './bodies.ts';
import { KEY } from './keys.ts';
import { read } from './model.ts';
import { PATTERNS } from './parse.ts';
import { addRecord, addRecordVersion, setListing } from './rules/records.ts';
import { denyRequest, grantAccess, recordRead, requestAccess, revokeAccess } from './rules/access.ts';
import { reject, type Rule, type Scope } from './rules/scope.ts';
import { assignRole, registerUser, revokeRole, rotateKeys } from './rules/users.ts';
import { OK, type OutcomeCode } from './codes.ts';
import { finishBlock } from './nonces.ts';
import { OverlayView } from './state.ts';
import type { ActiveTxType, ApplyResult, BlockContext, BodyOf, ContractTx, Outcome, Rejected, StateView, StateWrite, TxType } from './types.ts';
import { RESERVED_TX_TYPES, TX_TYPES } from './types.ts';

/**
 * What the caller (admission and the chain verifier) must have checked before
 * calling `apply`, asynchronously with WebCrypto. The contract trusts these and
 * checks everything that depends on state.
 */
export const PRECHECKED = Object.freeze([
  'tx.hash is the SHA-256 of the signed bytes and the signature (DESIGN §13)',
  'header.bodyHash is the SHA-256 of JCS(body), and body is the parsed JSON of those bytes',
  'the signature over "dhl/tx/v1\\n" ‖ JCS(header) verifies under the sig key whose id is header.keyId (its SPKI from key/<keyId>, or, for RegisterUser, the body sigSpki)',
  'in RegisterUser and RotateKeys bodies, sigKeyId = SHA-256(sigSpki) and encKeyId = SHA-256(encSpki), each SPKI an RSA-3072 key of its use',
  'in AddRecord and AddRecordVersion, manifestSig verifies over "dhl/manifest/v1\\n" ‖ JCS(manifest) under manifestSig.keyId',
] as const);

const RULES: { [T in ActiveTxType]: Rule<BodyOf[T]> } = {
  RegisterUser: registerUser,
  AssignRole: assignRole,
  RevokeRole: revokeRole,
  RotateKeys: rotateKeys,
  AddRecord: addRecord,
  AddRecordVersion: addRecordVersion,
  SetListing: setListing,
  RequestAccess: requestAccess,
  DenyRequest: denyRequest,
  GrantAccess: grantAccess,
  RevokeAccess: revokeAccess,
  RecordRead: recordRead,
};

function isNat(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function checkBlockContext(block: BlockContext): void {
  if (typeof block?.chain !== 'string' || !PATTERNS.hex64.test(block.chain)) throw new TypeError('block.chain must be a hex chain id');
  if (!isNat(block.height) || !isNat(block.time)) throw new RangeError('block.height and block.time must be non-negative safe integers');
  const p = block.params;
  if (!isNat(p?.notAfterWindowMs) || !isNat(p.chunkSizeMax) || !isNat(p.maxGrantMs) || !isNat(p.maxBlockTxs) || p.maxBlockTxs < 1) {
    throw new RangeError('block.params are invalid');
  }
}

function isMatch(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value);
}

/** Exactly the header fields of DESIGN §13: the signed bytes cover all of them, so an extra field is a header we do not define. */
const HEADER_FIELDS: readonly string[] = Object.freeze(['v', 'chain', 'type', 'actor', 'keyId', 'alg', 'nonce', 'notAfter', 'time', 'bodyHash']);

function hasExactly(o: object, fields: readonly string[]): boolean {
  const keys = Object.keys(o);
  return keys.length === fields.length && fields.every((f) => Object.hasOwn(o, f));
}

/**
 * The whole header, checked by the contract itself: every node and every
 * verifier runs it, so what it accepts must not depend on the caller having
 * parsed with parseTx first (an extra field or another `alg` is HEADER_INVALID).
 */
function headerWellFormed(tx: ContractTx): boolean {
  const h = (tx as { header?: unknown } | null)?.header as Record<string, unknown> | undefined;
  return (
    typeof tx === 'object' && tx !== null && isMatch(tx.hash, PATTERNS.hex64) &&
    typeof h === 'object' && h !== null && !Array.isArray(h) && hasExactly(h, HEADER_FIELDS) && h.v === 1 &&
    isMatch(h.chain, PATTERNS.hex64) && typeof h.type === 'string' && isMatch(h.actor, PATTERNS.username) &&
    isMatch(h.keyId, PATTERNS.hex64) && h.alg === ALG.sign && isMatch(h.nonce, PATTERNS.hex32) &&
    isNat(h.notAfter) && isNat(h.time) && isMatch(h.bodyHash, PATTERNS.hex64)
  );
}

/**
 * Checks that come before the replay nonce is spent: a transaction failing
 * them is for another chain or time, or a replay, and writes nothing.
 */
function checkEnvelope(view: StateView, tx: ContractTx, block: BlockContext): Rejected | undefined {
  if (!headerWellFormed(tx)) return reject('HEADER_INVALID');
  const h = tx.header;
  if (h.chain !== block.chain) return reject('CHAIN_MISMATCH');
  // Expiry is judged by block time, never by the client's header.time.
  if (h.notAfter < block.time) return reject('TX_EXPIRED');
  if (h.notAfter > block.time + block.params.notAfterWindowMs) return reject('NOT_AFTER_TOO_FAR');
  // A nonce is remembered until its notAfter (then pruned, nonces.ts); after that the TX_EXPIRED check refuses a replay anyway.
  const usedUntil = view.get(KEY.nonce(h.actor, h.nonce));
  if (typeof usedUntil === 'number' && usedUntil >= block.time) return reject('NONCE_REPLAYED');
  return undefined;
}

function isActiveType(type: string): type is ActiveTxType {
  return Object.hasOwn(TX_TYPES, type) && !RESERVED_TX_TYPES.includes(type as TxType);
}

function runRule<T extends ActiveTxType>(type: T, scope: Scope, rawBody: unknown): Outcome {
  const parsed = parseBody(type, rawBody);
  if (!parsed.ok) return { ok: false, code: 'BODY_INVALID', field: parsed.field };
  return (RULES[type] as Rule<BodyOf[T]>)(scope, parsed.body);
}

/** Type, actor and key, then the type's rule. */
function decide(state: OverlayView, tx: ContractTx, block: BlockContext): Outcome {
  const { type, actor, keyId } = tx.header;
  if (RESERVED_TX_TYPES.includes(type as TxType)) return reject('TYPE_NOT_SUPPORTED');
  if (!isActiveType(type)) return reject('TYPE_UNKNOWN');
  if (type !== TX_TYPES.RegisterUser) {
    const user = read.user(state, actor);
    if (!user) return reject('ACTOR_UNKNOWN');
    // The precheck proved header.keyId signed; only the actor's current sig key may act for them.
    if (user.sigKeyId !== keyId) return reject('KEY_NOT_CURRENT');
  }
  return runRule(type, { state, tx, block, actor, now: block.time }, tx.body);
}

export function apply(view: StateView, tx: ContractTx, block: BlockContext): ApplyResult {
  checkBlockContext(block);
  const refused = checkEnvelope(view, tx, block);
  if (refused) return { outcome: refused, writes: [] };
  const nonceWrite: StateWrite = [KEY.nonce(tx.header.actor, tx.header.nonce), tx.header.notAfter];
  const state = new OverlayView(view);
  const outcome = decide(state, tx, block);
  // A rejected transaction still spends its nonce: signed intent is decided once, so a refused
  // transaction cannot take effect later when the state has changed (without relying on the node's dedup by hash).
  if (!outcome.ok) return { outcome, writes: [nonceWrite] };
  state.set(nonceWrite[0], nonceWrite[1] as number);
  return { outcome, writes: state.writes() };
}

export interface BatchResult {
  /** Each transaction's outcome code, in order. */
  outcomes: OutcomeCode[];
  /** The batch's final writes, one per key, sorted. */
  writes: StateWrite[];
  /** The state after the batch: `view` with the writes applied. */
  after: StateView;
}

/**
 * Applies a block's transactions in order over one overlay (each sees the
 * writes of those before it), then the block's end (nonces.ts): the writes of
 * a whole block, as it commits and hashes them.
 */
export function applyBatch(view: StateView, txs: readonly ContractTx[], block: BlockContext): BatchResult {
  const overlay = new OverlayView(view);
  const outcomes: OutcomeCode[] = [];
  for (const tx of txs) {
    const result = apply(overlay, tx, block);
    overlay.apply(result.writes);
    outcomes.push(result.outcome.ok ? OK : result.outcome.code);
  }
  finishBlock(overlay, block);
  return { outcomes, writes: overlay.writes(), after: overlay };
}
