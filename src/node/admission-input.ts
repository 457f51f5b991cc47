/**
 * What the node's door takes from outside, checked before anything walks it
 * recursively, encodes it or binds it into SQL (DESIGN §5 admission): a
 * submitted transaction as JSON text or a JSON value, and a directory query.
 * Every refusal is a typed error with a stable code (ADMISSION_REFUSALS),
 * never a TypeError, RangeError or SQLite error.
 */
import { isDhlError, MAX_JSON_DEPTH, utf8 } from '../crypto/index.ts';
import { ledgerError } from '../ledger/index.ts';
import { DIRECTORY_PAGE_MAX } from './derived-rows.ts';
import { nodeError } from './errors.ts';

/**
 * The codes `submit` refuses a transaction with, before it is ledgered: the
 * node's own (size, JSON, keys, load) and the ledger's transaction format and
 * signature codes (docs/formats.md §8.2). The HTTP layer maps each to a 4xx/503.
 */
export const ADMISSION_REFUSALS = Object.freeze([
  'TX_TOO_LARGE', 'TX_NOT_JSON', 'ADMISSION_KEY_UNKNOWN', 'ADMISSION_KEY_INVALID', 'ADMISSION_MANIFEST_SIGNATURE_INVALID',
  'ADMISSION_BLOB_MISSING', 'ADMISSION_BLOB_MISMATCH', 'NODE_OVERLOADED', 'ACTOR_RATE_LIMITED', 'NODE_STOPPED', 'NODE_DATABASE_CORRUPT',
  'TX_MALFORMED', 'TX_CHAIN_MISMATCH', 'TX_BODY_HASH_MISMATCH', 'TX_SIGNATURE_INVALID',
] as const);

/** UTF-8 takes 1 to 3 bytes per UTF-16 unit: encode only when the length alone does not decide. */
function checkSize(text: string, maxTxBytes: number): void {
  if (text.length > maxTxBytes || (text.length * 3 > maxTxBytes && utf8.encode(text).length > maxTxBytes)) {
    throw nodeError('TX_TOO_LARGE', { max: maxTxBytes });
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks a value without recursion: JSON values only (strings, finite numbers,
 * booleans, null, arrays, plain objects), each object once (a cycle or a shared
 * reference is not JSON text), at most MAX_JSON_DEPTH deep.
 */
function checkJsonValue(root: unknown): void {
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw nodeError('TX_NOT_JSON', { reason: 'a number JSON cannot write' });
      continue;
    }
    if (typeof value !== 'object') throw nodeError('TX_NOT_JSON', { reason: `a ${typeof value}` });
    if (!Array.isArray(value) && !isPlainObject(value)) throw nodeError('TX_NOT_JSON', { reason: 'not a plain object' });
    if (seen.has(value)) throw nodeError('TX_NOT_JSON', { reason: 'a cycle or shared reference' });
    seen.add(value);
    if (depth > MAX_JSON_DEPTH) throw ledgerError('TX_MALFORMED', { field: '$', reason: `nested deeper than ${MAX_JSON_DEPTH}` });
    for (const item of Array.isArray(value) ? value : Object.values(value)) stack.push([item, depth + 1]);
  }
}

/**
 * A submitted transaction as a JSON value: JSON text (parsed; V8's parser does
 * not recurse) or a value (walked iteratively, then encoded to measure it),
 * within `maxTxBytes` of JSON. Nesting within the transaction is bounded again
 * by canonical JSON when parseTx encodes the body.
 */
export function admissionJson(input: unknown, maxTxBytes: number): unknown {
  if (typeof input === 'string') {
    checkSize(input, maxTxBytes);
    try {
      return JSON.parse(input);
    } catch {
      throw nodeError('TX_NOT_JSON');
    }
  }
  try {
    checkJsonValue(input);
  } catch (err) {
    if (isDhlError(err)) throw err;
    // A getter or proxy that throws while being read: not a JSON value.
    throw nodeError('TX_NOT_JSON', { reason: 'unreadable value' }, err);
  }
  checkSize(JSON.stringify(input), maxTxBytes);
  return input;
}

export interface PageOptions {
  /** The `next` of the previous page; absent for the first page. */
  after?: number;
  /** 1 … DIRECTORY_PAGE_MAX entries; 100 when absent. */
  limit?: number;
}

export interface DirectoryQuery {
  viewer: string;
  patient: string;
  page: PageOptions;
}

const invalid = (field: string, details: Record<string, number> = {}) => nodeError('QUERY_INVALID', { field, ...details });

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw invalid(field, { min, max });
  return value;
}

/** A directory query as a caller gives it: two names and paging integers in range, or QUERY_INVALID naming the field. */
export function directoryQuery(viewer: unknown, patient: unknown, page: unknown): DirectoryQuery {
  if (typeof viewer !== 'string') throw invalid('viewer');
  if (typeof patient !== 'string') throw invalid('patient');
  if (page !== undefined && (typeof page !== 'object' || page === null || Array.isArray(page))) throw invalid('page');
  const { after, limit } = (page ?? {}) as Record<string, unknown>;
  const checked: PageOptions = {};
  if (after !== undefined) checked.after = integerIn(after, 'after', 0, Number.MAX_SAFE_INTEGER);
  if (limit !== undefined) checked.limit = integerIn(limit, 'limit', 1, DIRECTORY_PAGE_MAX);
  return { viewer, patient, page: checked };
}
