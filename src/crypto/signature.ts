/** RSA-PSS-3072/SHA-256 signatures, salt 32 bytes (JOSE "PS256"). */
import { ALG, expectAlg, PSS_SALT_LENGTH } from './algorithms.ts';
import { asBufferSource, fromBase64url, toBase64url } from './bytes.ts';
import { cryptoError } from './errors.ts';

const PSS = { name: 'RSA-PSS', saltLength: PSS_SALT_LENGTH } as const;

export async function signBytes(privateKey: CryptoKey, bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.sign(PSS, privateKey, asBufferSource(bytes)));
}

export async function verifyBytes(publicKey: CryptoKey, signature: Uint8Array, bytes: Uint8Array): Promise<boolean> {
  try {
    return await globalThis.crypto.subtle.verify(PSS, publicKey, asBufferSource(signature), asBufferSource(bytes));
  } catch {
    return false;
  }
}

/** A detached signature as it travels in JSON: algorithm, signer's key id, base64url bytes. */
export interface DetachedSignature {
  alg: typeof ALG.sign;
  keyId: string;
  sig: string;
}

export async function signDetached(privateKey: CryptoKey, keyId: string, bytes: Uint8Array): Promise<DetachedSignature> {
  return { alg: ALG.sign, keyId, sig: toBase64url(await signBytes(privateKey, bytes)) };
}

/** Throws SIGNATURE_INVALID (or ALG_UNKNOWN) unless `signature` is valid for `bytes`. */
export async function assertDetached(publicKey: CryptoKey, signature: DetachedSignature, bytes: Uint8Array, where: string): Promise<void> {
  expectAlg(signature.alg, ALG.sign, where);
  let raw: Uint8Array;
  try {
    raw = fromBase64url(signature.sig, 'sig');
  } catch {
    throw cryptoError('SIGNATURE_INVALID', { where, reason: 'encoding' });
  }
  if (!(await verifyBytes(publicKey, raw, bytes))) throw cryptoError('SIGNATURE_INVALID', { where, keyId: signature.keyId });
}
