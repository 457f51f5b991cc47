/**
 * The checks the contract trusts its caller to have made (PRECHECKED in
 * apply.ts): the signer's key, key material in RegisterUser/RotateKeys bodies,
 * and manifest signatures. Every place that lets a transaction into the log or
 * re-executes one runs them: a node's admission, its block executor for the
 * batches other nodes proposed, verify of a data directory or an export, and
 * a browser or CLI checking what a node shows it. Deterministic: the answer
 * depends only on the transaction and the state, which only ever gains keys,
 * so a transaction that passed at admission passes again when its block runs.
 */
import { defineErrors, fromBase64url, importSpki, keyIdOfSpki, verifyManifest, isDhlError, type SignedManifest } from '../crypto/index.ts';
import { verifyTxSignature, type ParsedTx } from '../ledger/index.ts';
import { KEY } from './keys.ts';
import type { Json, StateView } from './types.ts';

/** Refusals of a precheck: admission answers them at the door (4xx), never ledgered. */
export const PRECHECK_ERRORS = defineErrors({
  ADMISSION_KEY_UNKNOWN: 'transaction is signed by a key not registered to its actor',
  ADMISSION_KEY_INVALID: 'a key in the transaction body is not a valid RSA-3072 key of its use, or its id is wrong',
  ADMISSION_MANIFEST_SIGNATURE_INVALID: 'the manifest signature does not verify under a registered key',
});
export type PrecheckErrorCode = keyof typeof PRECHECK_ERRORS.registry;
const precheckError = PRECHECK_ERRORS.make;

interface KeyRecord {
  keyId: string;
  username: string;
  use: 'sig' | 'enc';
  spki: string;
}

/** Imported public keys by key id: importing is the slow part of a lookup. */
export class KeyCache {
  private readonly keys = new Map<string, Promise<CryptoKey>>();
  constructor(private readonly limit = 10_000) {}

  get(use: 'sig' | 'enc', keyId: string, spki: string): Promise<CryptoKey> {
    const id = `${use}:${keyId}`;
    let key = this.keys.get(id);
    if (!key) {
      key = importSpki(use, fromBase64url(spki));
      key.catch(() => this.keys.delete(id));
      if (this.keys.size >= this.limit) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(id, key);
    }
    return key;
  }
}

function keyRecord(view: StateView, keyId: string): KeyRecord | undefined {
  const value = view.get(KEY.key(keyId)) as Json | undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as unknown as KeyRecord;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Checks a body's {encSpki, encKeyId, sigSpki, sigKeyId}: RSA-3072 keys of their use, ids = SHA-256(SPKI). */
async function checkBodyKeys(body: Record<string, unknown>, keys: KeyCache): Promise<CryptoKey | undefined> {
  const { encSpki, encKeyId, sigSpki, sigKeyId } = body;
  if (typeof encSpki !== 'string' || typeof sigSpki !== 'string' || typeof encKeyId !== 'string' || typeof sigKeyId !== 'string') {
    return undefined; // malformed: the contract rejects it as BODY_INVALID
  }
  try {
    if ((await keyIdOfSpki(fromBase64url(encSpki))) !== encKeyId || (await keyIdOfSpki(fromBase64url(sigSpki))) !== sigKeyId) {
      throw precheckError('ADMISSION_KEY_INVALID', { reason: 'key id' });
    }
    await keys.get('enc', encKeyId, encSpki);
    return await keys.get('sig', sigKeyId, sigSpki);
  } catch (err) {
    if (isDhlError(err, 'ADMISSION_KEY_INVALID')) throw err;
    throw precheckError('ADMISSION_KEY_INVALID', { reason: 'not an RSA-3072 key of its use' }, err);
  }
}

/**
 * Returns the public key that must have signed `tx` (the caller verifies the
 * signature with it), after the body checks of its type. Throws a typed
 * node error when the transaction must be refused at the door.
 */
export async function precheckTx(tx: ParsedTx, view: StateView, keys: KeyCache): Promise<CryptoKey> {
  const { type, actor, keyId } = tx.header;
  const body = tx.body;
  let signer: CryptoKey | undefined;
  if (type === 'RegisterUser') {
    // Signed by the key it registers.
    if (!isRecord(body) || body.sigKeyId !== keyId || body.username !== actor) throw precheckError('ADMISSION_KEY_UNKNOWN', { keyId });
    signer = await checkBodyKeys(body, keys);
    if (!signer) throw precheckError('ADMISSION_KEY_UNKNOWN', { keyId });
    return signer;
  }
  const record = keyRecord(view, keyId);
  if (!record || record.use !== 'sig' || record.username !== actor) throw precheckError('ADMISSION_KEY_UNKNOWN', { keyId });
  signer = await keys.get('sig', keyId, record.spki);
  if (type === 'RotateKeys' && isRecord(body)) await checkBodyKeys(body, keys);
  if ((type === 'AddRecord' || type === 'AddRecordVersion') && isRecord(body) && isRecord(body.manifest) && isRecord(body.manifestSig)) {
    const sig = body.manifestSig as unknown as SignedManifest['signature'];
    const author = typeof sig.keyId === 'string' ? keyRecord(view, sig.keyId) : undefined;
    if (!author || author.use !== 'sig') throw precheckError('ADMISSION_MANIFEST_SIGNATURE_INVALID', { reason: 'unknown key' });
    try {
      await verifyManifest({ manifest: body.manifest as unknown as SignedManifest['manifest'], signature: sig }, await keys.get('sig', author.keyId, author.spki));
    } catch (err) {
      // A malformed manifest is the contract's to reject (BODY_INVALID); a bad signature is refused here.
      if (!isDhlError(err, 'MANIFEST_INVALID')) throw precheckError('ADMISSION_MANIFEST_SIGNATURE_INVALID', { reason: isDhlError(err) ? err.code : 'error' }, err);
    }
  }
  return signer;
}

/** The precheck and the signature under the key it names: what admission requires of every transaction. */
export async function precheckAndVerify(tx: ParsedTx, view: StateView, keys: KeyCache): Promise<void> {
  await verifyTxSignature(tx, await precheckTx(tx, view, keys));
}
