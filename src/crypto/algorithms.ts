/**
 * Algorithm names carried in every header, wrapped key and signature (crypto
 * agility, DESIGN §4). JOSE names where JOSE has one: RSA-OAEP-256 is OAEP with
 * SHA-256 and MGF1-SHA-256; PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a
 * 32-byte salt.
 */
import { cryptoError } from './errors.ts';

export const ALG = Object.freeze({
  wrap: 'RSA-OAEP-256',
  sign: 'PS256',
  envelope: 'A256GCM-STREAM',
} as const);

export const RSA_MODULUS_BITS = 3072;
export const PSS_SALT_LENGTH = 32;

export const WEBCRYPTO_PARAMS = Object.freeze({
  enc: { name: 'RSA-OAEP', hash: 'SHA-256' },
  sig: { name: 'RSA-PSS', hash: 'SHA-256' },
} as const);

export function expectAlg(actual: unknown, expected: string, where: string): void {
  if (actual !== expected) {
    throw cryptoError('ALG_UNKNOWN', { where, alg: typeof actual === 'string' ? actual.slice(0, 64) : typeof actual });
  }
}
