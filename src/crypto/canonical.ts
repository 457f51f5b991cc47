/**
 * RFC 8785 (JCS) canonical JSON, restricted to the values DESIGN §13 allows in
 * signed JSON: strings, booleans, non-negative safe integers, arrays, objects
 * (and null only where a caller opts in, for state writes). Strings and keys
 * must be well-formed Unicode (no lone surrogate: RFC 8785 §3.2.2.2, I-JSON
 * RFC 7493 §2.1), and arrays and objects nest at most MAX_JSON_DEPTH deep, so
 * no walk over a value can exhaust the stack.
 */
import canonicalize from 'canonicalize';
import { utf8, concatBytes } from './bytes.ts';
import { cryptoError } from './errors.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Deepest nesting of arrays and objects in signed JSON (the top-level value is
 * depth 1). Our deepest structure, a block with its transactions, is 6 deep.
 */
export const MAX_JSON_DEPTH = 32;

/** A lone (unpaired) UTF-16 surrogate: not a Unicode scalar value, so no UTF-8 encoding exists for it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

export interface CanonicalOptions {
  /** Allow `null` (state writes use it for deletion). */
  allowNull?: boolean;
}

function invalid(path: string, reason: string): never {
  throw cryptoError('CANONICAL_JSON_INVALID', { path, reason });
}

function check(value: unknown, path: string, options: CanonicalOptions, depth: number): void {
  if (typeof value === 'boolean') return;
  if (typeof value === 'string') {
    if (!isWellFormedText(value)) invalid(path, 'a lone surrogate');
    return;
  }
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
    if (depth > MAX_JSON_DEPTH) invalid(path, `nested deeper than ${MAX_JSON_DEPTH}`);
    value.forEach((item, i) => check(item, `${path}[${i}]`, options, depth + 1));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    if (depth > MAX_JSON_DEPTH) invalid(path, `nested deeper than ${MAX_JSON_DEPTH}`);
    for (const [k, v] of Object.entries(value)) {
      // The key is named by position, not text: a malformed key may not even print.
      if (!isWellFormedText(k)) invalid(path, 'a key with a lone surrogate');
      if (v === undefined) invalid(`${path}.${k}`, 'undefined');
      check(v, `${path}.${k}`, options, depth + 1);
    }
    return;
  }
  throw cryptoError('CANONICAL_JSON_INVALID', { path, reason: `unsupported ${typeof value}` });
}

/** Canonical JSON text of a value restricted as DESIGN §13 says. */
export function canonicalJson(value: unknown, options: CanonicalOptions = {}): string {
  check(value, '$', options, 1);
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
