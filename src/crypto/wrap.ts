/**
 * DEK wrapping with RSA-OAEP-3072/SHA-256 (DESIGN §4, §13). The OAEP label binds
 * chain, record, version and the recipient's key id, so a wrapped key cannot be
 * replayed into another record, version, deployment or recipient.
 */
import { ALG, expectAlg } from './algorithms.ts';
import { asBufferSource, fromBase64url, toBase64url } from './bytes.ts';
import { taggedBytes, DOMAIN_TAGS } from './canonical.ts';
import { DEK_BYTES } from './envelope.ts';
import { cryptoError } from './errors.ts';
import { keyId as keyIdOf } from './keys.ts';

export interface WrapContext {
  chain: string;
  recordId: string;
  version: number;
}

export interface WrappedKey {
  recordId: string;
  version: number;
  /** Key id of the recipient's `enc` public key. */
  keyId: string;
  alg: typeof ALG.wrap;
  wrappedDek: string;
}

export function wrapLabel(ctx: WrapContext, recipientKeyId: string): Uint8Array {
  return taggedBytes(DOMAIN_TAGS.wrap, { chain: ctx.chain, keyId: recipientKeyId, recordId: ctx.recordId, version: ctx.version });
}

export async function wrapDek(dek: Uint8Array, recipient: CryptoKey, ctx: WrapContext): Promise<WrappedKey> {
  if (!(dek instanceof Uint8Array) || dek.length !== DEK_BYTES) throw cryptoError('ARGUMENT_INVALID', { argument: 'dek', expected: `${DEK_BYTES} bytes` });
  // The key id comes from the key itself, so a wrap can never be mislabelled.
  const keyId = await keyIdOf(recipient);
  const wrapped = await globalThis.crypto.subtle.encrypt(
    { name: 'RSA-OAEP', label: asBufferSource(wrapLabel(ctx, keyId)) },
    recipient,
    asBufferSource(dek),
  );
  return { recordId: ctx.recordId, version: ctx.version, keyId, alg: ALG.wrap, wrappedDek: toBase64url(new Uint8Array(wrapped)) };
}

/** Unwraps for the holder of `privateKey`; the label is rebuilt from the wrapped key's own fields and `chain`. */
export async function unwrapDek(wrapped: WrappedKey, privateKey: CryptoKey, chain: string): Promise<Uint8Array> {
  expectAlg(wrapped.alg, ALG.wrap, 'wrappedKey');
  let dek: ArrayBuffer;
  try {
    dek = await globalThis.crypto.subtle.decrypt(
      { name: 'RSA-OAEP', label: asBufferSource(wrapLabel({ chain, recordId: wrapped.recordId, version: wrapped.version }, wrapped.keyId)) },
      privateKey,
      asBufferSource(fromBase64url(wrapped.wrappedDek, 'wrappedDek')),
    );
  } catch (cause) {
    throw cryptoError('UNWRAP_FAILED', { recordId: String(wrapped.recordId), version: Number(wrapped.version) }, cause);
  }
  if (dek.byteLength !== DEK_BYTES) throw cryptoError('UNWRAP_FAILED', { recordId: wrapped.recordId, reason: 'length' });
  return new Uint8Array(dek);
}
