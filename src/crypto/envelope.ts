/**
 * The record envelope (DESIGN §4, §13): a header chunk, then AES-256-GCM data
 * chunks in the STREAM construction of `age` (nonce = 11-byte big-endian chunk
 * counter ‖ last-chunk flag), so truncation, reordering, duplication, swaps,
 * a dropped last chunk and an appended chunk all fail. Both directions stream
 * in memory bounded by a few chunks, whatever the size.
 */
import { ALG } from './algorithms.ts';
import { canonicalJson, DOMAIN_TAGS } from './canonical.ts';
import { asBufferSource, concatBytes, readU32be, toHex, u32be, utf8 } from './bytes.ts';
import { ByteReader, type ByteSource } from './byte-reader.ts';
import { CipherRootBuilder, chunkLeafInput } from './cipher-root.ts';
import { cryptoError } from './errors.ts';
import { sha256 } from './hash.ts';

export const DEK_BYTES = 32;
export const GCM_TAG_BYTES = 16;
export const MIN_CHUNK_SIZE = 2 ** 6;
export const MAX_CHUNK_SIZE = 2 ** 24;
export const DEFAULT_CHUNK_SIZE = 2 ** 20;
/** Upper bound for the header's length field: a real header is ~200 bytes. */
const MAX_HEADER_BYTES = 4096;
const MAX_FILE_NAME_PREFIX_BYTES = 65536;
/** Chunks sealed or opened concurrently: keeps both cores busy, bounds memory. */
const PIPELINE_DEPTH = 4;

const ENVELOPE_TAG = utf8.encode(`${DOMAIN_TAGS.envelope}\n`);

export interface EnvelopeContext {
  chain: string;
  recordId: string;
  version: number;
}

export interface EnvelopeHeader extends EnvelopeContext {
  alg: typeof ALG.envelope;
  chunkSize: number;
}

/** One stored chunk: index 0 is the header, then the sealed data chunks. */
export interface StoredChunk {
  index: number;
  bytes: Uint8Array;
  /** Leaf input of `cipherRoot`: SHA-256 of `bytes`. */
  hash: Uint8Array;
}

export interface EnvelopeSummary {
  header: EnvelopeHeader;
  cipherRoot: string;
  /** Hex SHA-256 of each stored chunk, header first: what a downloader verifies against. */
  chunkHashes: string[];
  storedSize: number;
  contentSize: number;
}

export type { ByteSource };

export function generateDek(): Uint8Array<ArrayBuffer> {
  const dek = new Uint8Array(DEK_BYTES);
  globalThis.crypto.getRandomValues(dek);
  return dek;
}

export function isValidChunkSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= MIN_CHUNK_SIZE && n <= MAX_CHUNK_SIZE && (n & (n - 1)) === 0;
}

function checkContext(ctx: EnvelopeContext): void {
  if (typeof ctx.chain !== 'string' || !/^[0-9a-f]{64}$/.test(ctx.chain)) {
    throw cryptoError('ARGUMENT_INVALID', { argument: 'chain', expected: '64 hex' });
  }
  if (typeof ctx.recordId !== 'string' || !/^[0-9a-f]{32}$/.test(ctx.recordId)) {
    throw cryptoError('ARGUMENT_INVALID', { argument: 'recordId', expected: '32 hex' });
  }
  if (!Number.isSafeInteger(ctx.version) || ctx.version < 1) {
    throw cryptoError('ARGUMENT_INVALID', { argument: 'version', expected: 'integer >= 1' });
  }
}

/** The JCS part of the header; its SHA-256 is every data chunk's AAD. */
function headerJson(header: EnvelopeHeader): Uint8Array {
  return utf8.encode(
    canonicalJson({
      alg: header.alg,
      chunkSize: header.chunkSize,
      chain: header.chain,
      recordId: header.recordId,
      version: header.version,
    }),
  );
}

export function encodeEnvelopeHeader(header: EnvelopeHeader): Uint8Array {
  const json = headerJson(header);
  return concatBytes(u32be(ENVELOPE_TAG.length + json.length), ENVELOPE_TAG, json);
}

/** Parses the bytes after the length prefix: tag, then canonical JSON, checked field by field. */
function parseHeaderBody(body: Uint8Array): EnvelopeHeader {
  const invalid = (reason: string) => cryptoError('ENVELOPE_HEADER_INVALID', { reason });
  for (let i = 0; i < ENVELOPE_TAG.length; i++) if (body[i] !== ENVELOPE_TAG[i]) throw invalid('domain tag');
  let text: string;
  let parsed: unknown;
  try {
    text = utf8.decode(body.subarray(ENVELOPE_TAG.length));
    parsed = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('not an object');
  const h = parsed as Record<string, unknown>;
  if (typeof h.alg !== 'string') throw invalid('alg');
  if (h.alg !== ALG.envelope) throw cryptoError('ALG_UNKNOWN', { where: 'envelope', alg: h.alg.slice(0, 64) });
  if (!isValidChunkSize(h.chunkSize)) throw invalid('chunkSize');
  const keys = Object.keys(h).sort().join(',');
  if (keys !== 'alg,chain,chunkSize,recordId,version') throw invalid('fields');
  const header = h as unknown as EnvelopeHeader;
  try {
    checkContext(header);
  } catch {
    throw invalid('context fields');
  }
  // One header, one byte string: a re-encoding must give the same bytes.
  if (canonicalJson(header) !== text) throw invalid('not canonical JSON');
  return header;
}

function nonceFor(counter: number, last: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  // 11-byte big-endian counter: the high 3 bytes stay zero below 2^53 chunks.
  view.setUint32(3, Math.floor(counter / 2 ** 32), false);
  view.setUint32(7, counter >>> 0, false);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** The 12-byte GCM nonce of data chunk `counter` (exported for test vectors and docs). */
export function chunkNonce(counter: number, last: boolean): Uint8Array {
  return nonceFor(counter, last);
}

async function importDek(dek: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  if (!(dek instanceof Uint8Array) || dek.length !== DEK_BYTES) {
    throw cryptoError('ARGUMENT_INVALID', { argument: 'dek', expected: `${DEK_BYTES} bytes` });
  }
  return globalThis.crypto.subtle.importKey('raw', asBufferSource(dek), { name: 'AES-GCM' }, false, [usage]);
}

/** Runs async jobs with up to `depth` in flight, delivering results in order. */
class OrderedPipeline<T> {
  private readonly pending: Promise<T>[] = [];
  constructor(
    private readonly depth: number,
    private readonly deliver: (value: T) => void | Promise<void>,
  ) {}

  async push(job: Promise<T>): Promise<void> {
    // Mark rejections handled now; they surface in order when awaited below.
    job.catch(() => undefined);
    this.pending.push(job);
    if (this.pending.length >= this.depth) await this.deliver(await this.pending.shift()!);
  }

  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.deliver(await this.pending.shift()!);
  }
}

/**
 * Re-cuts a byte stream into pieces of exactly `size` bytes (the last may be
 * shorter), filling two buffers in turn: a piece stays as it was until the
 * piece after the next is asked for. encryptEnvelope holds one piece back and
 * seals it when the next arrives; `subtle.encrypt` takes its copy of the
 * bytes before it returns (WebCrypto: "get a copy of the bytes held by the
 * data parameter" is a synchronous step), so a buffer is free again by the
 * time it is refilled — two buffers per file instead of one per chunk (at
 * 1 MiB chunks, the allocations were what drove garbage collection).
 */
async function* rechunk(source: ByteSource, size: number): AsyncGenerator<Uint8Array> {
  const buffers = [new Uint8Array(size), new Uint8Array(size)];
  let turn = 0;
  let buffer = buffers[0]!;
  let filled = 0;
  for await (const piece of source) {
    if (!(piece instanceof Uint8Array)) throw cryptoError('ARGUMENT_INVALID', { argument: 'source', expected: 'Uint8Array pieces' });
    let offset = 0;
    while (offset < piece.length) {
      const n = Math.min(size - filled, piece.length - offset);
      buffer.set(piece.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield buffer;
        turn ^= 1;
        buffer = buffers[turn]!;
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

async function* withPrefix(prefix: Uint8Array, source: ByteSource): AsyncGenerator<Uint8Array> {
  yield prefix;
  yield* source;
}

export interface EncryptOptions extends EnvelopeContext {
  dek: Uint8Array;
  fileName: string;
  chunkSize?: number;
  /**
   * Resume (DESIGN §13): hashes of the chunks the node already holds. Each
   * re-encrypted chunk is compared; a mismatch throws RESUME_MISMATCH and the
   * caller starts over with a fresh DEK. Matching chunks are still delivered,
   * flagged `alreadyStored`, so the caller skips sending them.
   */
  storedChunkHashes?: readonly string[];
}

export type ChunkSink = (chunk: StoredChunk & { alreadyStored: boolean }) => void | Promise<void>;

/**
 * Encrypts `source` (the file content) into stored chunks, handing each to
 * `sink` in order; resolves with the header, `cipherRoot` and chunk hashes.
 */
export async function encryptEnvelope(options: EncryptOptions, source: ByteSource, sink: ChunkSink): Promise<EnvelopeSummary> {
  checkContext(options);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!isValidChunkSize(chunkSize)) throw cryptoError('ARGUMENT_INVALID', { argument: 'chunkSize', expected: 'power of two 2^6..2^24' });
  if (typeof options.fileName !== 'string') throw cryptoError('ARGUMENT_INVALID', { argument: 'fileName', expected: 'string' });
  const header: EnvelopeHeader = {
    alg: ALG.envelope,
    chunkSize,
    chain: options.chain,
    recordId: options.recordId,
    version: options.version,
  };
  const key = await importDek(options.dek, 'encrypt');
  const aad = await sha256(headerJson(header));
  const fileNameJson = utf8.encode(canonicalJson({ fileName: options.fileName }));
  if (fileNameJson.length > MAX_FILE_NAME_PREFIX_BYTES) throw cryptoError('ARGUMENT_INVALID', { argument: 'fileName', expected: 'shorter name' });
  const prefix = concatBytes(u32be(fileNameJson.length), fileNameJson);

  const rootBuilder = new CipherRootBuilder();
  const chunkHashes: string[] = [];
  let storedSize = 0;
  const stored = options.storedChunkHashes ?? [];
  const deliver = async (chunk: StoredChunk): Promise<void> => {
    const hex = toHex(chunk.hash);
    const already = stored[chunk.index];
    if (already !== undefined && already !== hex) throw cryptoError('RESUME_MISMATCH', { chunk: chunk.index });
    rootBuilder.addLeafInput(chunk.hash);
    chunkHashes.push(hex);
    storedSize += chunk.bytes.length;
    await sink({ ...chunk, alreadyStored: already !== undefined });
  };

  const headerBytes = encodeEnvelopeHeader(header);
  await deliver({ index: 0, bytes: headerBytes, hash: await chunkLeafInput(headerBytes) });

  const seal = async (plain: Uint8Array, counter: number, last: boolean): Promise<StoredChunk> => {
    const sealed = new Uint8Array(
      await globalThis.crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonceFor(counter, last), additionalData: asBufferSource(aad), tagLength: 128 },
        key,
        asBufferSource(plain),
      ),
    );
    return { index: counter + 1, bytes: sealed, hash: await chunkLeafInput(sealed) };
  };

  const pipeline = new OrderedPipeline<StoredChunk>(PIPELINE_DEPTH, deliver);
  let contentSize = -prefix.length;
  let counter = 0;
  let held: Uint8Array | undefined;
  // Hold one piece back: only the next piece tells whether it is the last.
  for await (const piece of rechunk(withPrefix(prefix, source), chunkSize)) {
    contentSize += piece.length;
    if (held) await pipeline.push(seal(held, counter++, false));
    held = piece;
  }
  await pipeline.push(seal(held!, counter, true));
  await pipeline.drain();

  return { header, cipherRoot: toHex(await rootBuilder.root()), chunkHashes, storedSize, contentSize };
}

export interface DecryptOptions {
  dek: Uint8Array;
  /** The chain, record and version the caller expects; a header naming others is refused. */
  expect?: EnvelopeContext;
  /** When given, the stored chunks must build this root before the last content is released. */
  cipherRoot?: string;
  onHeader?: (header: EnvelopeHeader) => void;
}

export interface DecryptResult {
  header: EnvelopeHeader;
  fileName: string;
  contentSize: number;
  cipherRoot: string;
}

/** Reads and checks the header chunk of a stored envelope. */
export async function readEnvelopeHeader(reader: { read(n: number): Promise<Uint8Array> }): Promise<{ header: EnvelopeHeader; bytes: Uint8Array }> {
  const lengthBytes = await reader.read(4);
  if (lengthBytes.length < 4) throw cryptoError('ENVELOPE_TRUNCATED', { at: 'header' });
  const n = readU32be(lengthBytes);
  if (n <= ENVELOPE_TAG.length || n > MAX_HEADER_BYTES) throw cryptoError('ENVELOPE_HEADER_INVALID', { reason: 'length' });
  const body = await reader.read(n);
  if (body.length < n) throw cryptoError('ENVELOPE_TRUNCATED', { at: 'header' });
  return { header: parseHeaderBody(body), bytes: concatBytes(lengthBytes, body) };
}

/** The shortest file-name prefix: u32be(m) ‖ JCS({fileName: ""}), whose JCS part is 15 bytes. */
const MIN_FILE_NAME_PREFIX_BYTES = 4 + utf8.encode('{"fileName":""}').length;

/**
 * The content sizes (a manifest's `size`) a stored envelope of this shape can
 * carry (formats §4): the plaintext stream is the bytes after the header less
 * one 16-byte tag per data chunk, and it is u32be(m) ‖ JCS({fileName}) ‖
 * content with 15 ≤ m ≤ 65536. The file name is sealed, so only this range is
 * known without the key. `max` < `min` when no content size fits.
 */
export function contentSizeRange(shape: { storedSize: number; headerBytes: number; chunkCount: number }): { min: number; max: number } {
  const stream = shape.storedSize - shape.headerBytes - GCM_TAG_BYTES * (shape.chunkCount - 1);
  return { min: Math.max(0, stream - 4 - MAX_FILE_NAME_PREFIX_BYTES), max: stream - MIN_FILE_NAME_PREFIX_BYTES };
}

export function parseEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  if (bytes.length < 4 || readU32be(bytes) !== bytes.length - 4) throw cryptoError('ENVELOPE_HEADER_INVALID', { reason: 'length' });
  return parseHeaderBody(bytes.subarray(4));
}

/** Splits the decrypted stream into the file-name prefix and the content. */
class PayloadSplitter {
  private prefix: Uint8Array[] = [];
  private prefixLength = 0;
  private needed = -1;
  fileName: string | undefined;
  contentSize = 0;

  constructor(private readonly sink: (content: Uint8Array) => void | Promise<void>) {}

  async push(plain: Uint8Array): Promise<void> {
    if (this.fileName === undefined) {
      this.prefix.push(plain);
      this.prefixLength += plain.length;
      const all = this.prefixLength >= 4 ? concatBytes(...this.prefix) : undefined;
      if (!all) return;
      if (this.needed < 0) {
        this.needed = 4 + readU32be(all);
        if (this.needed - 4 > MAX_FILE_NAME_PREFIX_BYTES) throw cryptoError('ENVELOPE_PAYLOAD_INVALID', { reason: 'file name length' });
      }
      if (all.length < this.needed) {
        this.prefix = [all];
        return;
      }
      this.fileName = parseFileName(all.subarray(4, this.needed));
      this.prefix = [];
      plain = all.subarray(this.needed);
      if (plain.length === 0) return;
    }
    this.contentSize += plain.length;
    await this.sink(plain);
  }
}

function parseFileName(json: Uint8Array): string {
  try {
    const text = utf8.decode(json);
    const value = JSON.parse(text) as unknown;
    if (
      typeof value === 'object' && value !== null && !Array.isArray(value) &&
      Object.keys(value).length === 1 && typeof (value as { fileName?: unknown }).fileName === 'string' &&
      canonicalJson(value) === text
    ) {
      return (value as { fileName: string }).fileName;
    }
  } catch {
    // fall through to the typed error
  }
  throw cryptoError('ENVELOPE_PAYLOAD_INVALID', { reason: 'file name' });
}

/**
 * Decrypts a stored envelope (header + sealed chunks, cut anywhere), handing
 * content to `sink` in order. Every chunk is authenticated before its bytes
 * are released; the stream's end is authenticated by the last-chunk flag.
 */
export async function decryptEnvelope(
  source: ByteSource,
  options: DecryptOptions,
  sink: (content: Uint8Array) => void | Promise<void>,
): Promise<DecryptResult> {
  const key = await importDek(options.dek, 'decrypt');
  const reader = new ByteReader(source, { notBytes: () => cryptoError('ARGUMENT_INVALID', { argument: 'source', expected: 'Uint8Array pieces' }) });
  const { header, bytes: headerBytes } = await readEnvelopeHeader(reader);
  if (options.expect) {
    checkContext(options.expect);
    const e = options.expect;
    if (header.chain !== e.chain || header.recordId !== e.recordId || header.version !== e.version) {
      throw cryptoError('ENVELOPE_CONTEXT_MISMATCH', { recordId: header.recordId, version: header.version });
    }
  }
  options.onHeader?.(header);
  const aad = asBufferSource(await sha256(headerJson(header)));
  const rootBuilder = new CipherRootBuilder();
  rootBuilder.addLeafInput(await chunkLeafInput(headerBytes));

  const open = async (sealed: Uint8Array, counter: number, last: boolean): Promise<Uint8Array> => {
    const attempt = async (flag: boolean) =>
      new Uint8Array(
        await globalThis.crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: nonceFor(counter, flag), additionalData: aad, tagLength: 128 },
          key,
          asBufferSource(sealed),
        ),
      );
    try {
      return await attempt(last);
    } catch {
      // The other flag opening the chunk tells a cut stream from a tampered one.
      const otherOpens = sealed.length >= GCM_TAG_BYTES && (await attempt(!last).then(() => true, () => false));
      if (otherOpens) throw cryptoError(last ? 'ENVELOPE_TRUNCATED' : 'ENVELOPE_TRAILING_DATA', { chunk: counter + 1 });
      throw cryptoError('ENVELOPE_CHUNK_AUTH_FAILED', { chunk: counter + 1 });
    }
  };

  const splitter = new PayloadSplitter(sink);
  // Each job opens a chunk and hashes its stored bytes; delivery, in order,
  // extends cipherRoot and releases the plaintext.
  const pipeline = new OrderedPipeline<[Uint8Array, Uint8Array]>(PIPELINE_DEPTH, async ([plain, leafInput]) => {
    rootBuilder.addLeafInput(leafInput);
    await splitter.push(plain);
  });
  const sealedSize = header.chunkSize + GCM_TAG_BYTES;
  // Stored chunks are read into a ring of buffers: one is refilled only after
  // the job that opened and hashed it has been delivered (the pipeline holds
  // at most PIPELINE_DEPTH - 1 jobs when the next chunk is read), instead of
  // a fresh buffer per chunk (the allocations drove garbage collection).
  const ring = Array.from({ length: PIPELINE_DEPTH + 1 }, () => new Uint8Array(sealedSize));
  let counter = 0;
  for (;;) {
    const sealed = await reader.read(sealedSize, ring[counter % ring.length]);
    // No chunk seals an empty plaintext, so a tag-sized tail is a cut stream.
    if (sealed.length <= GCM_TAG_BYTES) throw cryptoError('ENVELOPE_TRUNCATED', { chunk: counter + 1 });
    const last = sealed.length < sealedSize || (await reader.atEnd());
    if (last && options.cipherRoot !== undefined) {
      // Checked before the last chunk is released, so no caller ever holds a
      // "complete" file that is not the blob it asked for.
      await pipeline.drain();
      rootBuilder.addLeafInput(await chunkLeafInput(sealed));
      if (toHex(await rootBuilder.root()) !== options.cipherRoot) throw cryptoError('CIPHER_ROOT_MISMATCH', { chunks: counter + 2 });
      await splitter.push(await open(sealed, counter, last));
      break;
    }
    await pipeline.push(Promise.all([open(sealed, counter, last), chunkLeafInput(sealed)]));
    counter++;
    if (last) break;
  }
  await pipeline.drain();
  if (splitter.fileName === undefined) throw cryptoError('ENVELOPE_PAYLOAD_INVALID', { reason: 'missing file name' });
  return { header, fileName: splitter.fileName, contentSize: splitter.contentSize, cipherRoot: toHex(await rootBuilder.root()) };
}
