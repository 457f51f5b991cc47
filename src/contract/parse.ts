/**
 * Small labelled checks for untrusted bodies (STYLE §7). A failing check throws
 * `BodyInvalid` naming the field; `apply` turns it into the BODY_INVALID
 * outcome, so no exception ever leaves the contract. Objects must have exactly
 * the listed fields: an unknown field is a rejection, not something ignored.
 */
import { USERNAME_PATTERN } from '../crypto/manifest.ts';
import { HIDDEN_CHAR_RANGES } from './hidden-chars.ts';

export class BodyInvalid extends Error {
  constructor(readonly field: string) {
    super(`invalid field ${field}`);
    this.name = 'BodyInvalid';
  }
}

export const PATTERNS = Object.freeze({
  username: USERNAME_PATTERN,
  org: /^[a-z0-9._-]{2,64}$/,
  /** SHA-256 hashes and key ids. */
  hex64: /^[0-9a-f]{64}$/,
  /** Record ids and nonces: 128 bits. */
  hex32: /^[0-9a-f]{32}$/,
  base64url: /^[A-Za-z0-9_-]+$/,
});

export const LIMITS = Object.freeze({
  /** Items in any list of a body (wrapped keys, record ids). */
  listItems: 1024,
  purposeChars: 1000,
  /** Generous for RSA-3072 (~560 characters), room for post-quantum hybrids later. */
  spkiChars: 8192,
  wrappedDekChars: 8192,
  sigChars: 8192,
  algChars: 64,
});

/**
 * Does `value` hold a code point a person does not see or that reorders what
 * they see (controls, tab and newline included; format characters such as
 * zero-width spaces and joiners, bidi marks and overrides, BOM; line and
 * paragraph separators; a lone surrogate)? Decided from the fixed table of one
 * Unicode version (hidden-chars.ts), never from the engine's own Unicode data.
 */
export function hasHiddenChar(value: string): boolean {
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    let lo = 0;
    let hi = HIDDEN_CHAR_RANGES.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [first, last] = HIDDEN_CHAR_RANGES[mid]!;
      if (cp < first) hi = mid - 1;
      else if (cp > last) lo = mid + 1;
      else return true;
    }
  }
  return false;
}

function fail(field: string): never {
  throw new BodyInvalid(field);
}

/** A plain object with exactly `required` and possibly `optional` fields. */
export function object(value: unknown, field: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(field);
  for (const k of Object.keys(value)) if (!required.includes(k) && !optional.includes(k)) fail(`${field}.${k}`);
  for (const k of required) if (!Object.hasOwn(value, k)) fail(`${field}.${k}`);
  return value as Record<string, unknown>;
}

export function matching(value: unknown, field: string, pattern: RegExp, maxChars = Infinity): string {
  if (typeof value !== 'string' || value.length > maxChars || !pattern.test(value)) fail(field);
  return value;
}

export const username = (value: unknown, field: string) => matching(value, field, PATTERNS.username);
export const org = (value: unknown, field: string) => matching(value, field, PATTERNS.org);
export const hex64 = (value: unknown, field: string) => matching(value, field, PATTERNS.hex64);
export const hex32 = (value: unknown, field: string) => matching(value, field, PATTERNS.hex32);
export const base64url = (value: unknown, field: string, maxChars: number) => matching(value, field, PATTERNS.base64url, maxChars);

/** Free text a person wrote (a purpose): bounded, one line, no hidden characters. */
export function text(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxChars || hasHiddenChar(value)) fail(field);
  return value;
}

export function integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(field);
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field);
  return value;
}

export function oneOf<const T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(field);
  return value as T;
}

/** A non-empty list of at most LIMITS.listItems items, each checked by `item`. */
export function list<T>(value: unknown, field: string, item: (v: unknown, field: string) => T, minItems = 1): T[] {
  if (!Array.isArray(value) || value.length < minItems || value.length > LIMITS.listItems) fail(field);
  return value.map((v, i) => item(v, `${field}[${i}]`));
}

/** A list whose items are distinct strings (record ids, scopes). */
export function distinct<T extends string>(items: T[], field: string): T[] {
  if (new Set(items).size !== items.length) fail(field);
  return items;
}
