/**
 * Blocks (DESIGN §5, §13). A header is a tree head: `treeRoot` is the log root
 * after the block. Block hash = SHA-256("dhl/block/v1\n" ‖ JCS(header)). The
 * state digest chains the hash of each block's writes, so any divergence shows
 * at the first differing block and a verifier without bodies can still check it.
 */
import { compareUtf8, concatBytes, fromHex, toHex, utf8 } from '../crypto/bytes.ts';
import { canonicalBytes, DOMAIN_TAGS, type JsonValue } from '../crypto/canonical.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { ledgerError } from './errors.ts';
import { exactKeys, HEX64, int, isObject, str, type Fail } from './validate.ts';

/**
 * DESIGN §13 lists no tag for block headers; one is added here so a block hash
 * can never equal the hash of any other tagged structure.
 */
export const BLOCK_TAG = 'dhl/block/v1';

export interface BlockHeader {
  chain: string;
  height: number;
  prevHash: string;
  time: number;
  firstSeq: number;
  entryCount: number;
  entriesRoot: string;
  treeSize: number;
  treeRoot: string;
  changesHash: string;
  stateDigest: string;
}

const FIELDS = ['chain', 'height', 'prevHash', 'time', 'firstSeq', 'entryCount', 'entriesRoot', 'treeSize', 'treeRoot', 'changesHash', 'stateDigest'] as const;

export function parseBlockHeader(value: unknown): BlockHeader {
  const fail: Fail = (field) => ledgerError('BLOCK_MALFORMED', { field });
  if (!isObject(value)) throw fail('header');
  exactKeys(value, FIELDS, fail, 'header.');
  for (const f of ['chain', 'prevHash', 'entriesRoot', 'treeRoot', 'changesHash', 'stateDigest'] as const) str(value[f], HEX64, `header.${f}`, fail);
  int(value.height, 'header.height', fail, 1);
  int(value.time, 'header.time', fail);
  int(value.firstSeq, 'header.firstSeq', fail);
  int(value.entryCount, 'header.entryCount', fail, 1);
  int(value.treeSize, 'header.treeSize', fail, 1);
  if (value.treeSize !== (value.firstSeq as number) + (value.entryCount as number)) throw fail('header.treeSize');
  return { ...(value as unknown as BlockHeader) };
}

export function blockHeaderBytes(header: BlockHeader): Uint8Array {
  return concatBytes(utf8.encode(`${BLOCK_TAG}\n`), canonicalBytes(parseBlockHeader(header)));
}

export function blockHash(hash: SyncHash, header: BlockHeader): string {
  return toHex(hash(blockHeaderBytes(header)));
}

/** A state write: a key and its new value, or null for deletion. */
export type StateWrite = readonly [string, JsonValue | null];

/** Sorts writes by the UTF-8 bytes of their keys (DESIGN §13); a key may appear once. */
export function sortWrites(writes: readonly StateWrite[]): StateWrite[] {
  const sorted = [...writes].sort((a, b) => compareUtf8(a[0], b[0]));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]![0] === sorted[i - 1]![0]) throw ledgerError('BLOCK_MALFORMED', { field: 'writes', key: sorted[i]![0].slice(0, 80) });
  }
  return sorted;
}

/** changesHash = SHA-256(JCS(writes)) over the block's final writes, sorted. */
export function changesHashOf(hash: SyncHash, writes: readonly StateWrite[]): string {
  const sorted = sortWrites(writes);
  return toHex(hash(canonicalBytes(sorted.map(([k, v]) => [k, v]), { allowNull: true })));
}

/** stateDigest(0) = SHA-256("dhl/state/v1\n" ‖ chain id as 32 raw bytes). */
export function initialStateDigest(hash: SyncHash, chainId: string): string {
  return toHex(hash(concatBytes(utf8.encode(`${DOMAIN_TAGS.state}\n`), fromHex(chainId, 'chainId'))));
}

/** stateDigest(h) = SHA-256(stateDigest(h−1) ‖ changesHash(h)), both as 32 raw bytes. */
export function nextStateDigest(hash: SyncHash, previous: string, changesHash: string): string {
  return toHex(hash(concatBytes(fromHex(previous, 'stateDigest'), fromHex(changesHash, 'changesHash'))));
}

