/**
 * User key pairs (DESIGN §4): `enc` is RSA-OAEP-3072/SHA-256, `sig` is
 * RSA-PSS-3072/SHA-256. Key id = hex SHA-256 of the SPKI bytes.
 */
import { RSA_MODULUS_BITS, WEBCRYPTO_PARAMS } from './algorithms.ts';
import { asBufferSource, fromBase64url, toBase64url, toHex } from './bytes.ts';
import { cryptoError } from './errors.ts';
import { sha256 } from './hash.ts';

export type KeyUse = 'enc' | 'sig';

export interface UserKeyPairs {
  enc: CryptoKeyPair;
  sig: CryptoKeyPair;
}

const USAGES = {
  enc: { public: ['encrypt'] as KeyUsage[], private: ['decrypt'] as KeyUsage[] },
  sig: { public: ['verify'] as KeyUsage[], private: ['sign'] as KeyUsage[] },
};

export async function generateKeyPair(use: KeyUse): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(
    {
      ...WEBCRYPTO_PARAMS[use],
      modulusLength: RSA_MODULUS_BITS,
      publicExponent: new Uint8Array([1, 0, 1]),
    },
    true,
    [...USAGES[use].public, ...USAGES[use].private],
  );
}

export async function generateUserKeys(): Promise<UserKeyPairs> {
  const [enc, sig] = await Promise.all([generateKeyPair('enc'), generateKeyPair('sig')]);
  return { enc, sig };
}

function checkRsaKey(key: CryptoKey, use: KeyUse, type: KeyType): CryptoKey {
  const alg = key.algorithm as RsaHashedKeyAlgorithm;
  const hash = typeof alg.hash === 'string' ? alg.hash : alg.hash?.name;
  const exponent = alg.publicExponent ? toHex(alg.publicExponent) : '';
  if (
    alg.name !== WEBCRYPTO_PARAMS[use].name ||
    hash !== 'SHA-256' ||
    alg.modulusLength !== RSA_MODULUS_BITS ||
    exponent !== '010001' ||
    key.type !== type
  ) {
    throw cryptoError('KEY_INVALID', { use, expected: `${WEBCRYPTO_PARAMS[use].name}-${RSA_MODULUS_BITS} ${type}` });
  }
  return key;
}

export async function exportSpki(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', publicKey));
}

export async function importSpki(use: KeyUse, spki: Uint8Array): Promise<CryptoKey> {
  let key: CryptoKey;
  try {
    key = await globalThis.crypto.subtle.importKey('spki', asBufferSource(spki), WEBCRYPTO_PARAMS[use], true, USAGES[use].public);
  } catch (cause) {
    throw cryptoError('KEY_INVALID', { use, format: 'spki' }, cause);
  }
  return checkRsaKey(key, use, 'public');
}

export async function exportPkcs8(privateKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', privateKey));
}

export async function importPkcs8(use: KeyUse, pkcs8: Uint8Array, extractable = false): Promise<CryptoKey> {
  let key: CryptoKey;
  try {
    key = await globalThis.crypto.subtle.importKey('pkcs8', asBufferSource(pkcs8), WEBCRYPTO_PARAMS[use], extractable, USAGES[use].private);
  } catch (cause) {
    throw cryptoError('KEY_INVALID', { use, format: 'pkcs8' }, cause);
  }
  return checkRsaKey(key, use, 'private');
}

/** Key id: lowercase hex SHA-256 of the SPKI encoding. */
export async function keyIdOfSpki(spki: Uint8Array): Promise<string> {
  return toHex(await sha256(spki));
}

// Key ids are asked for on every wrap; a CryptoKey never changes, so remember them.
const keyIdCache = new WeakMap<CryptoKey, Promise<string>>();

export function keyId(publicKey: CryptoKey): Promise<string> {
  let id = keyIdCache.get(publicKey);
  if (!id) {
    id = exportSpki(publicKey).then(keyIdOfSpki);
    id.catch(() => keyIdCache.delete(publicKey));
    keyIdCache.set(publicKey, id);
  }
  return id;
}

/**
 * A key id for people to compare aloud: its first 160 bits as ten groups of four
 * upper-case hex digits (hex has no lookalike letters to confuse).
 */
export function fingerprint(keyIdHex: string): string {
  if (!/^[0-9a-f]{64}$/.test(keyIdHex)) throw cryptoError('ARGUMENT_INVALID', { argument: 'keyId', expected: '64 hex' });
  return keyIdHex.slice(0, 40).toUpperCase().match(/.{4}/g)!.join(' ');
}

export async function exportJwk(key: CryptoKey): Promise<JsonWebKey> {
  return globalThis.crypto.subtle.exportKey('jwk', key);
}

export async function importJwk(use: KeyUse, jwk: JsonWebKey): Promise<CryptoKey> {
  const isPrivate = typeof jwk === 'object' && jwk !== null && 'd' in jwk;
  let key: CryptoKey;
  try {
    key = await globalThis.crypto.subtle.importKey(
      'jwk',
      jwk,
      WEBCRYPTO_PARAMS[use],
      true,
      isPrivate ? USAGES[use].private : USAGES[use].public,
    );
  } catch (cause) {
    throw cryptoError('KEY_INVALID', { use, format: 'jwk' }, cause);
  }
  return checkRsaKey(key, use, isPrivate ? 'private' : 'public');
}

const PEM_LABEL = { public: 'PUBLIC KEY', private: 'PRIVATE KEY' } as const;

function toBase64(bytes: Uint8Array): string {
  return toBase64url(bytes).replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((3 - (bytes.length % 3)) % 3);
}

export function encodePem(kind: 'public' | 'private', der: Uint8Array): string {
  const body = toBase64(der).match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN ${PEM_LABEL[kind]}-----\n${body}\n-----END ${PEM_LABEL[kind]}-----\n`;
}

export function decodePem(kind: 'public' | 'private', pem: string): Uint8Array {
  const label = PEM_LABEL[kind];
  const match = typeof pem === 'string'
    ? pem.match(new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`))
    : null;
  if (!match) throw cryptoError('KEY_INVALID', { format: 'pem', expected: label });
  const b64 = match[1]!.replace(/\s+/g, '').replace(/=+$/, '');
  return fromBase64url(b64.replace(/\+/g, '-').replace(/\//g, '_'), 'pem');
}

export async function exportPem(key: CryptoKey): Promise<string> {
  return key.type === 'private' ? encodePem('private', await exportPkcs8(key)) : encodePem('public', await exportSpki(key));
}

export async function importPem(use: KeyUse, pem: string): Promise<CryptoKey> {
  return pem.includes(`BEGIN ${PEM_LABEL.private}`)
    ? importPkcs8(use, decodePem('private', pem), true)
    : importSpki(use, decodePem('public', pem));
}
