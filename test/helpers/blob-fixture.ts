/** Stored envelopes for blob-store tests: real `encryptEnvelope` output, kept chunk by chunk. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { concatBytes, encryptEnvelope, generateDek, randomBytes, utf8 } from '../../src/crypto/index.ts';
import type { EnvelopeSummary } from '../../src/crypto/index.ts';
import { tempDir } from './temp.ts';

export const BLOB_CHAIN = 'ab'.repeat(32);
export const BLOB_RECORD_ID = 'cd'.repeat(16);
export const BLOB_FILE_NAME = 'x.bin';
/** Bytes the plaintext stream carries before the content: u32be(m) ‖ JCS({fileName}). */
export const FILE_NAME_PREFIX_BYTES = 4 + utf8.encode(JSON.stringify({ fileName: BLOB_FILE_NAME })).length;

export interface TestBlob {
  summary: EnvelopeSummary;
  /** The stored chunks, header first. */
  chunks: Uint8Array[];
  /** All stored bytes, as uploaded. */
  bytes: Uint8Array;
  chunkSize: number;
  expected: { cipherRoot: string; chunkHashes: string[] };
}

export async function makeBlob(contentSize: number, chunkSize: number, version = 1): Promise<TestBlob> {
  const content = randomBytes(contentSize);
  const chunks: Uint8Array[] = [];
  const summary = await encryptEnvelope(
    { chain: BLOB_CHAIN, recordId: BLOB_RECORD_ID, version, dek: generateDek(), fileName: BLOB_FILE_NAME, chunkSize },
    [content],
    (chunk) => void chunks.push(Uint8Array.from(chunk.bytes)),
  );
  return {
    summary,
    chunks,
    bytes: concatBytes(...chunks),
    chunkSize,
    expected: { cipherRoot: summary.cipherRoot, chunkHashes: [...summary.chunkHashes] },
  };
}

/** Content size whose plaintext stream fills exactly `k` data chunks. */
export function exactMultipleContentSize(chunkSize: number, k: number): number {
  return k * chunkSize - FILE_NAME_PREFIX_BYTES;
}

/** The stored chunk (0 = header) holding byte `offset` of a stored blob. */
export function chunkIndexOf(blob: TestBlob, offset: number): number {
  const headerBytes = blob.chunks[0]!.length;
  return offset < headerBytes ? 0 : 1 + Math.floor((offset - headerBytes) / (blob.chunkSize + 16));
}

export async function* streamOf(pieces: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield piece;
}

export function tempDataDir(): string {
  return tempDir('blobs');
}

/** Every regular file under `dir`, relative paths, sorted. */
export function filesUnder(dir: string, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out.sort();
}

export async function collectBytes(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(Uint8Array.from(part));
  return concatBytes(...parts);
}
