/**
 * Encrypted files over HTTP, the client's half (DESIGN §4, §8; protocol/files.ts):
 * typed calls of the file routes on `fetch` (Node and browsers alike, no
 * `node:` imports), a chunk sender that keeps a few stored chunks in flight
 * while the envelope is still being sealed (memory: that window, whatever the
 * file's size), and a ciphertext stream that resumes with an HTTP range after
 * a cut. Only ciphertext crosses here; file names and types stay sealed.
 *
 * Retries follow STYLE §14: a chunk is sent again only after a network error
 * or a 429/503 answer (a few times, immediately), never after a refusal.
 */
import { canonicalJson, DhlError, encodeEnvelopeHeader, GCM_TAG_BYTES, toBase64url, utf8, type ChunkSink, type EnvelopeHeader } from '../crypto/index.ts';
import { FILE_ROUTES, urlOf, type FileAnswerOf, type FileBodyOf, type FileRouteName } from '../protocol/index.ts';
import { jsonAnswer, type ApiClient } from './api-client.ts';
import { clientError } from './errors.ts';

export interface TransferOptions {
  fetch?: typeof globalThis.fetch;
  /** A cookie session's CSRF token (the browser); bearer sessions need none. */
  csrfToken?: string;
  /** Stored chunks in flight at once while uploading. */
  parallel?: number;
  /** Times a chunk or a download is tried again after a network error or a 429/503. */
  retries?: number;
}

const DEFAULT_PARALLEL = 4;
const DEFAULT_RETRIES = 3;
/** Bytes asked for per download request. */
const DEFAULT_RANGE_BYTES = 8 * 2 ** 20;

/** The stored size of an envelope (formats §4): header, then one sealed chunk per chunkSize of the plaintext stream. */
export function storedSizeOf(header: EnvelopeHeader, fileName: string, contentSize: number): number {
  const prefix = 4 + utf8.encode(canonicalJson({ fileName })).length;
  const stream = prefix + contentSize;
  const chunks = Math.max(1, Math.ceil(stream / header.chunkSize));
  return encodeEnvelopeHeader(header).length + stream + chunks * GCM_TAG_BYTES;
}

/** RFC 9530 Content-Digest of a chunk, from its SHA-256. */
export function contentDigest(sha256: Uint8Array): string {
  const b64 = toBase64url(sha256).replace(/-/g, '+').replace(/_/g, '/');
  return `sha-256=:${b64}${'='.repeat((4 - (b64.length % 4)) % 4)}:`;
}

type Params = Readonly<Record<string, string | number>>;

export class FileTransfer {
  readonly parallel: number;
  readonly retries: number;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(readonly api: ApiClient, private readonly o: TransferOptions = {}) {
    this.fetchFn = o.fetch ?? globalThis.fetch.bind(globalThis);
    this.parallel = o.parallel ?? DEFAULT_PARALLEL;
    this.retries = o.retries ?? DEFAULT_RETRIES;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.api.token) h.authorization = `Bearer ${this.api.token}`;
    if (this.o.csrfToken) h['x-dhl-csrf'] = this.o.csrfToken;
    return h;
  }

  /** One JSON call of a file route: its answer's body, or the node's error as a DhlError with its code and status. */
  private async call<N extends FileRouteName, S extends keyof (typeof FILE_ROUTES)[N]['response']>(
    name: N,
    params: Params,
    body?: FileBodyOf<N>,
    extra: { headers?: Record<string, string>; raw?: Uint8Array; signal?: AbortSignal } = {},
  ): Promise<FileAnswerOf<N, S>> {
    const route = FILE_ROUTES[name];
    const headers = this.headers(extra.headers);
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (extra.raw) headers['content-type'] = 'application/octet-stream';
    const response = await this.fetchFn(`${this.api.origin}${urlOf(route, params)}`, {
      method: route.method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : extra.raw ? { body: extra.raw as Uint8Array<ArrayBuffer> } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
    });
    return (await jsonAnswer(response)) as FileAnswerOf<N, S>;
  }

  createUpload(declaredSize: number) {
    return this.call<'createUpload', 201>('createUpload', {}, { declaredSize });
  }

  status(uploadId: string) {
    return this.call<'uploadStatus', 200>('uploadStatus', { uploadId });
  }

  complete(uploadId: string, cipherRoot: string, chunkCount: number) {
    return this.call<'completeUpload', 200>('completeUpload', { uploadId }, { cipherRoot, chunkCount });
  }

  cancel(uploadId: string) {
    return this.call<'cancelUpload', 200>('cancelUpload', { uploadId });
  }

  usage() {
    return this.call<'storageUsage', 200>('storageUsage', {});
  }

  /** One stored chunk with its digest; tried again after a network error or 429/503, never after a refusal. */
  async putChunk(uploadId: string, index: number, bytes: Uint8Array, sha256: Uint8Array, signal?: AbortSignal) {
    const digest = contentDigest(sha256);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call<'putChunk', 200>('putChunk', { uploadId, index }, undefined, { headers: { 'content-digest': digest }, raw: bytes, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (signal?.aborted || attempt >= this.retries || !retryable(err)) throw interrupted(err, { index });
      }
    }
  }

  /**
   * A sink for `encryptEnvelope` that sends each stored chunk not already
   * held, with up to `parallel` in flight; `drain()` waits for the rest.
   * The first failure stops the sink (the envelope's encryption then ends).
   */
  chunkSender(uploadId: string, signal?: AbortSignal): { sink: ChunkSink; drain(): Promise<void>; sent(): number } {
    const inFlight = new Set<Promise<unknown>>();
    let failure: unknown;
    let sent = 0;
    const sink: ChunkSink = async (chunk) => {
      if (failure !== undefined) throw failure;
      if (chunk.alreadyStored) return;
      const p = this.putChunk(uploadId, chunk.index, chunk.bytes, chunk.hash, signal).then(
        () => void sent++,
        (err: unknown) => void (failure ??= err),
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      while (inFlight.size >= this.parallel) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
    };
    return {
      sink,
      async drain() {
        await Promise.all(inFlight);
        if (failure !== undefined) throw failure;
      },
      sent: () => sent,
    };
  }

  /**
   * A version's stored ciphertext as a byte stream from byte `from`, asked
   * for in ranges of `rangeBytes` (each one checked by the node against the
   * receipt and "may read now" again). A range cut off mid-way is asked for
   * again from the byte reached, a few times; a refusal (a revoked grant, an
   * expired receipt) ends the stream with the node's error.
   */
  async *ciphertext(recordId: string, version: number, o: { from?: number; signal?: AbortSignal; rangeBytes?: number } = {}): AsyncGenerator<Uint8Array> {
    const url = `${this.api.origin}${urlOf(FILE_ROUTES.downloadCiphertext, { recordId, version })}`;
    const window = o.rangeBytes ?? DEFAULT_RANGE_BYTES;
    let offset = o.from ?? 0;
    let total: number | undefined;
    let failures = 0;
    const again = (err: unknown) => {
      if (o.signal?.aborted || ++failures > this.retries || !retryable(err)) throw interrupted(err, { offset });
    };
    while (total === undefined || offset < total) {
      let response: Response;
      try {
        response = await this.fetchFn(url, {
          headers: this.headers({ accept: 'application/octet-stream', range: `bytes=${offset}-${offset + window - 1}` }),
          ...(o.signal ? { signal: o.signal } : {}),
        });
        if (!response.ok) await jsonAnswer(response);
      } catch (err) {
        again(err);
        continue;
      }
      total = totalOf(response);
      if (total === undefined) throw clientError('ANSWER_INVALID', { reason: 'no Content-Range' });
      const reader = response.body?.getReader();
      if (!reader) throw clientError('ANSWER_INVALID', { reason: 'no body' });
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          offset += value.length;
          yield value;
        }
        failures = 0;
      } catch (err) {
        // Cut mid-body: the next range starts at the byte reached.
        again(err);
      } finally {
        reader.releaseLock();
      }
    }
  }
}

/** The blob's size from a 206's Content-Range. */
function totalOf(response: Response): number | undefined {
  const m = /^bytes \d+-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Worth trying again: no answer at all (a network error), or the node said "later". */
function retryable(err: unknown): boolean {
  if (!(err instanceof DhlError)) return true;
  return err.details.status === 429 || err.details.status === 503;
}

function interrupted(err: unknown, details: Record<string, number>): unknown {
  return err instanceof DhlError ? err : clientError('TRANSFER_INTERRUPTED', details, err);
}

