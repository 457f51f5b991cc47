/**
 * Admission's blob check for AddRecord and AddRecordVersion (DESIGN §8:
 * upload precedes AddRecord). A record version is admitted only when its
 * blob is stored complete on this node and belongs to it:
 *
 * - complete: the node recorded the verified upload (its `blobs` row), the
 *   file is there with the recorded size, and its header chunk is the one
 *   the upload was verified against (chunk hash 0);
 * - its own: the stored envelope header names the manifest's chain,
 *   recordId, version and chunkSize, and the manifest's `size` fits the
 *   blob's chunk count (formats §4). The header is leaf 0 of cipherRoot,
 *   so one blob can belong to one record version only.
 *
 * Node-local by design: a block ordered by another node may name a blob not
 * replicated here yet; the block executor and `verify` never run this check
 * (verify reports such a version as not yet replicated).
 */
import { createHash } from 'node:crypto';
import { contentSizeRange, parseManifest, type EnvelopeHeader, type Manifest } from '../crypto/index.ts';
import type { ParsedTx } from '../ledger/index.ts';
import { nodeError } from './errors.ts';

/** What admission reads about a stored blob. */
export interface StoredBlobs {
  /** The node's record of a verified upload (its `blobs` row), if any. */
  row(cipherRoot: string): { storedSize: number; chunkSize: number; chunkHashes: readonly string[] } | undefined;
  /** The stored file's header chunk and size; throws when the file is absent or does not start with a header. */
  header(cipherRoot: string): Promise<{ header: EnvelopeHeader; bytes: Uint8Array; fileSize: number }>;
}

const RECORD_TYPES: ReadonlySet<string> = new Set(['AddRecord', 'AddRecordVersion']);

/** The manifest an AddRecord/AddRecordVersion body names, or undefined when malformed (the contract rejects it: BODY_INVALID). */
function manifestOf(tx: ParsedTx): Manifest | undefined {
  const body = tx.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  try {
    return parseManifest((body as Record<string, unknown>).manifest);
  } catch {
    return undefined;
  }
}

/** A stored blob as far as a manifest can be compared with it: its header chunk, stored size and chunk count. */
export interface BlobShape {
  header: EnvelopeHeader;
  headerBytes: number;
  storedSize: number;
  chunkCount: number;
}

/**
 * The first manifest field the stored blob disagrees with (undefined when
 * none): the header's chain, recordId, version and chunkSize, and `size`
 * against the range the chunk count allows (formats §4). Shared by
 * admission and `verify`.
 */
export function blobMismatch(manifest: Manifest, blob: BlobShape): 'chain' | 'recordId' | 'version' | 'chunkSize' | 'size' | undefined {
  for (const field of ['chain', 'recordId', 'version', 'chunkSize'] as const) if (blob.header[field] !== manifest[field]) return field;
  const sizes = contentSizeRange(blob);
  return manifest.size < sizes.min || manifest.size > sizes.max ? 'size' : undefined;
}

/** Refuses (ADMISSION_BLOB_MISSING, ADMISSION_BLOB_MISMATCH) a record version whose blob is not stored complete here or is another's. */
export async function checkRecordBlob(tx: ParsedTx, blobs: StoredBlobs): Promise<void> {
  if (!RECORD_TYPES.has(tx.header.type)) return;
  const manifest = manifestOf(tx);
  if (!manifest) return;
  const cipherRoot = manifest.cipherRoot;
  const row = blobs.row(cipherRoot);
  if (!row) throw nodeError('ADMISSION_BLOB_MISSING', { cipherRoot, reason: 'not uploaded' });
  let stored: Awaited<ReturnType<StoredBlobs['header']>>;
  try {
    stored = await blobs.header(cipherRoot);
  } catch {
    throw nodeError('ADMISSION_BLOB_MISSING', { cipherRoot, reason: 'file missing or unreadable' });
  }
  const headerHash = createHash('sha256').update(stored.bytes).digest('hex');
  if (stored.fileSize !== row.storedSize || headerHash !== row.chunkHashes[0]) {
    throw nodeError('ADMISSION_BLOB_MISSING', { cipherRoot, reason: 'file differs from the verified upload' });
  }
  const field = blobMismatch(manifest, {
    header: stored.header, headerBytes: stored.bytes.length, storedSize: row.storedSize, chunkCount: row.chunkHashes.length,
  });
  if (field) throw nodeError('ADMISSION_BLOB_MISMATCH', { cipherRoot, field });
}
