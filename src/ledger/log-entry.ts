/**
 * Log entries (DESIGN §5, §13): `{tx: txHash, outcome: code}` with code "OK" or
 * a stable rejection code, never reason text. Leaf input = SHA-256(JCS(entry)).
 */
import { canonicalBytes } from '../crypto/canonical.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { ledgerError } from './errors.ts';
import { leafHash } from './merkle.ts';
import { HEX64 } from './validate.ts';

export interface LogEntry {
  tx: string;
  outcome: string;
}

export const OUTCOME_OK = 'OK';
const OUTCOME_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

export function logEntry(tx: string, outcome: string): LogEntry {
  if (!HEX64.test(tx)) throw ledgerError('BLOCK_MALFORMED', { field: 'entry.tx' });
  if (!OUTCOME_CODE.test(outcome)) throw ledgerError('BLOCK_MALFORMED', { field: 'entry.outcome' });
  return { tx, outcome };
}

export function entryLeafInput(hash: SyncHash, entry: LogEntry): Uint8Array {
  return hash(canonicalBytes({ tx: entry.tx, outcome: entry.outcome }));
}

export function entryLeafHash(hash: SyncHash, entry: LogEntry): Uint8Array {
  return leafHash(hash, entryLeafInput(hash, entry));
}
