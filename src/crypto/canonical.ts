/**
 * RFC 8785 (JCS) canonical JSON, restricted to the values DESIGN §13 allows in
 * signed JSON: strings, booleans, non-negative safe integers, arrays, objects
 * (and null only where a caller opts in, for state writes).
 */
import canonicalize from 'canonicalize';
import { utf8, concatBytes } from './bytes.ts';
import { cryptoError } from './errors.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CanonicalOptions {
  /** Allow `null` (state writes use it for deletion). */
  allowNull?: boolean;
}

function check(value: unknown, path: string, options: CanonicalOptions): void {
  if (typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0 || Object.is(value, -0)) {
      throw cryptoError('CANONICAL_JSON_INVALID', { path, reason: 'numbers must be non-negative safe integers' });
    }
    return;
  }
  if (value === null) {
    if (options.allowNull) return;
    throw cryptoError('CANONICAL_JSON_INVALID', { path, reason: 'null is not allowed here' });
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => check(item, `${path}[${i}]`, options));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) throw cryptoError('CANONICAL_JSON_INVALID', { path: `${path}.${k}`, reason: 'undefined' });
      check(v, `${path}.${k}`, options);
    }
    return;
  }
  throw cryptoError('CANONICAL_JSON_INVALID', { path, reason: `unsupported ${typeof value}` });
}

/** Canonical JSON text of a value restricted as DESIGN §13 says. */
export function canonicalJson(value: unknown, options: CanonicalOptions = {}): string {
  check(value, '$', options);
  return canonicalize(value) as string;
}

/** RFC 8785 for any JSON value (floats included): used only for the RFC's own test data. */
export function canonicalJsonUnrestricted(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw cryptoError('CANONICAL_JSON_INVALID', { path: '$', reason: 'not JSON' });
  return text;
}

export function canonicalBytes(value: unknown, options: CanonicalOptions = {}): Uint8Array {
  return utf8.encode(canonicalJson(value, options));
}

/** A domain tag (one line ending in "\n") followed by the canonical JSON of a value. */
export function taggedBytes(tag: DomainTag, value: unknown, options: CanonicalOptions = {}): Uint8Array {
  return concatBytes(utf8.encode(`${tag}\n`), canonicalBytes(value, options));
}

export const DOMAIN_TAGS = Object.freeze({
  genesis: 'dhl/genesis/v1',
  tx: 'dhl/tx/v1',
  manifest: 'dhl/manifest/v1',
  attest: 'dhl/attest/v1',
  login: 'dhl/login/v1',
  state: 'dhl/state/v1',
  wrap: 'dhl/wrap/v1',
  envelope: 'dhl/envelope/v1',
} as const);
export type DomainTag = (typeof DOMAIN_TAGS)[keyof typeof DOMAIN_TAGS];
