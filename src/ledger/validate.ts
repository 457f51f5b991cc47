/** Small labelled checks for untrusted JSON (STYLE §7), shared by the ledger's parsers. */
import { DhlError } from '../crypto/errors.ts';
import { USERNAME_PATTERN } from '../crypto/manifest.ts';

export const HEX64 = /^[0-9a-f]{64}$/;
export const HEX32 = /^[0-9a-f]{32}$/;
export const B64URL = /^[A-Za-z0-9_-]+$/;
/** One definition of a username for every layer (crypto's, DESIGN §2). */
export const USERNAME = USERNAME_PATTERN;
export const ORG_OR_NODE_ID = /^[a-z0-9._-]{2,64}$/;

export type Fail = (field: string) => DhlError;

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

export function exactKeys(x: Record<string, unknown>, keys: readonly string[], fail: Fail, prefix = ''): void {
  for (const k of Object.keys(x)) if (!keys.includes(k)) throw fail(`${prefix}${k}`);
  for (const k of keys) if (!(k in x)) throw fail(`${prefix}${k}`);
}

export function str(x: unknown, pattern: RegExp, field: string, fail: Fail): string {
  if (typeof x !== 'string' || !pattern.test(x)) throw fail(field);
  return x;
}

export function int(x: unknown, field: string, fail: Fail, min = 0): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || Object.is(x, -0)) throw fail(field);
  return x;
}
