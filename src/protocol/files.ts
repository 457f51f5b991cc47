/**
 * Encrypted files over HTTP (DESIGN §4, §8; docs/api.md "Files"): the route
 * table of resumable uploads and ranged downloads, with their schemas. Every
 * byte that travels here is ciphertext: stored chunks of an envelope going
 * up, a version's stored blob coming down. No file name, type or title is
 * ever sent in the clear beside them.
 *
 * An upload is per-chunk PUTs (docs/decisions.md says why not tus): create
 * it with the most bytes it will store (reserved against the quota), PUT each
 * stored chunk at its index with its SHA-256 as an RFC 9530 `Content-Digest`,
 * then complete it with the `cipherRoot` its chunks must build. Its status
 * lists the chunks the node holds, with their hashes, so an interrupted
 * upload continues from there.
 *
 * Pure: no `node:` imports, nothing of ours outside protocol/ (DESIGN §3).
 */
import { Type, type Static, type TSchema } from 'typebox';
import type { ErrorCode } from './errors.ts';
import { pathParams } from './route-spec.ts';
import { Hex32, Hex64, Int } from './schemas.ts';

const closed = <P extends Record<string, TSchema>>(properties: P, options: { description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/** Stored chunks are at most 2^24 + 16 bytes (formats §4: chunkSize ≤ 2^24, plus the GCM tag); the header at most 4100. */
export const MAX_STORED_CHUNK_BYTES = 2 ** 24 + 16;
/** The smallest stored blob: a minimal header and one sealed chunk. */
export const MIN_BLOB_BYTES = 38;

/** RFC 9530 Content-Digest with SHA-256 (base64 of the 32-byte digest, between colons). */
export const CONTENT_DIGEST_PATTERN = '^sha-256=:[A-Za-z0-9+/]{43}=:$';
/** One byte range, `bytes=first-last` or `bytes=first-` (RFC 9110 §14.1.2): what a resuming download asks for. */
export const RANGE_PATTERN = '^bytes=[0-9]{1,15}-[0-9]{0,15}$';

export const UploadId = Type.String({ pattern: '^[0-9a-f]{32}$', description: 'an upload id (16 random bytes, hex)' });
const Index = Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$', description: 'a stored chunk index: 0 is the header chunk' });
const Version = Type.String({ pattern: '^[1-9][0-9]{0,8}$', description: 'a record version, from 1' });

export const UploadState = Type.Union([Type.Literal('receiving'), Type.Literal('complete'), Type.Literal('referenced')], {
  description: 'receiving: chunks arriving; complete: stored, no record names it yet (it expires); referenced: a record version names it',
});

export const CreateUploadRequest = closed({
  declaredSize: Type.Integer({ minimum: MIN_BLOB_BYTES, maximum: Number.MAX_SAFE_INTEGER, description: 'the most stored bytes (header and sealed chunks) the blob will have: reserved against the quota' }),
});

export const HeldChunk = closed({ index: Int('stored chunk index'), sha256: Hex64 });

export const UploadStatus = closed({
  uploadId: UploadId,
  state: UploadState,
  declaredSize: Int(),
  storedSize: Type.Optional(Int('bytes stored, once complete')),
  cipherRoot: Type.Optional(Hex64),
  chunks: Type.Array(HeldChunk, { description: 'while receiving: every stored chunk the node holds, with its SHA-256; resume from these' }),
  createdAt: Int(),
  expiresAt: Type.Optional(Int('when an incomplete or orphan upload expires (ms); absent once a record names it')),
});

export const ChunkAccepted = closed({ index: Int(), held: Int('stored chunks the node holds for this upload') });

export const CompleteUploadRequest = closed({
  cipherRoot: Hex64,
  chunkCount: Type.Integer({ minimum: 2, maximum: Number.MAX_SAFE_INTEGER, description: 'stored chunks, header included' }),
});

export const UploadCompleted = closed({ cipherRoot: Hex64, storedSize: Int(), chunkCount: Int() });
export const UploadCancelled = closed({ cancelled: Type.Literal(true) });
export const StorageUsage = closed({
  usedBytes: Int('stored blobs of this user plus the declared size of each upload still receiving'),
  quotaBytes: Int(),
  receiving: Int('uploads in progress'),
  maxReceiving: Int(),
});

/** A binary body or answer: `application/octet-stream`, ciphertext only. */
export const Binary = Type.Unsafe<Uint8Array>({ type: 'string', contentMediaType: 'application/octet-stream', description: 'ciphertext bytes' });

export interface FileRouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify's pattern, `:name` for a path parameter. */
  readonly url: string;
  readonly auth: 'session';
  readonly summary: string;
  readonly tag: 'files';
  readonly params?: TSchema;
  /** Headers the route reads (others are allowed). */
  readonly headers?: TSchema;
  /** A JSON body, or `binary` for an `application/octet-stream` one. */
  readonly body?: TSchema | 'binary';
  /** Success answers by status: JSON schemas, or `binary` for a streamed `application/octet-stream` answer. */
  readonly response: Readonly<Record<number, TSchema | 'binary'>>;
  readonly errors: readonly ErrorCode[];
  readonly bodyLimit: number;
  readonly rateLimited: boolean;
}

const ALWAYS: ErrorCode[] = ['INTERNAL', 'NODE_AWAITING_SETUP', 'SESSION_REQUIRED', 'SESSION_EXPIRED', 'REQUEST_INVALID'];
const JSON_BODY: ErrorCode[] = ['REQUEST_NOT_JSON', 'REQUEST_TOO_LARGE', 'MEDIA_TYPE_UNSUPPORTED'];
const BINARY_BODY: ErrorCode[] = ['REQUEST_TOO_LARGE', 'MEDIA_TYPE_UNSUPPORTED'];
const CSRF: ErrorCode[] = ['CSRF_FAILED', 'ORIGIN_NOT_ACCEPTED'];
/** Writes reach the node's stores. */
const STORAGE: ErrorCode[] = ['NODE_STOPPED', 'NODE_STORAGE_FAILED'];

type FileRouteInput = Omit<FileRouteSpec, 'auth' | 'tag' | 'errors' | 'bodyLimit' | 'rateLimited'> & { errors: ErrorCode[]; bodyLimit?: number; rateLimited?: boolean };

function fileRoute<const S extends FileRouteInput>(spec: S): S & Pick<FileRouteSpec, 'auth' | 'tag' | 'errors' | 'bodyLimit' | 'rateLimited'> {
  const named = pathParams(spec.url);
  const declared = Object.keys((spec.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
  if (named.length !== declared.length || !named.every((n) => declared.includes(n))) throw new TypeError(`route ${spec.method} ${spec.url}: path parameters differ from its params schema`);
  const errors = [...new Set([...ALWAYS, ...(spec.body === 'binary' ? BINARY_BODY : spec.body ? JSON_BODY : []),
    ...(spec.method === 'GET' ? [] : CSRF), ...(spec.rateLimited ? ['RATE_LIMITED' as const] : []), ...spec.errors])];
  return Object.freeze({ ...spec, auth: 'session', tag: 'files', errors: Object.freeze(errors), bodyLimit: spec.bodyLimit ?? 4096, rateLimited: spec.rateLimited ?? false });
}

export const FILE_ROUTES = Object.freeze({
  createUpload: fileRoute({
    method: 'POST', url: '/v1/files/uploads', rateLimited: true,
    summary: 'Starts a resumable upload of one stored envelope, reserving its declared size against the uploader\'s quota.',
    body: CreateUploadRequest, response: { 201: UploadStatus }, errors: ['UPLOAD_QUOTA_EXCEEDED', ...STORAGE],
  }),
  uploadStatus: fileRoute({
    method: 'GET', url: '/v1/files/uploads/:uploadId',
    summary: 'An upload of the session user: its state, and while receiving every chunk the node holds with its SHA-256 (resume from these).',
    params: closed({ uploadId: UploadId }), response: { 200: UploadStatus }, errors: ['UPLOAD_NOT_FOUND', ...STORAGE],
  }),
  putChunk: fileRoute({
    method: 'PUT', url: '/v1/files/uploads/:uploadId/chunks/:index', bodyLimit: MAX_STORED_CHUNK_BYTES,
    summary: 'One stored chunk (index 0: the envelope header), with its SHA-256 as Content-Digest. Verified before anything is stored; the same bytes again change nothing.',
    params: closed({ uploadId: UploadId, index: Index }),
    headers: Type.Object({ 'content-digest': Type.String({ pattern: CONTENT_DIGEST_PATTERN, description: 'RFC 9530: sha-256=:<base64>:' }) }),
    body: 'binary', response: { 200: ChunkAccepted },
    errors: [
      'UPLOAD_NOT_FOUND', 'UPLOAD_CHUNK_DIGEST_MISMATCH', 'UPLOAD_CHUNK_INVALID', 'UPLOAD_CHUNK_OUT_OF_ORDER', 'UPLOAD_CHUNK_CONFLICT',
      'UPLOAD_NOT_RECEIVING', 'UPLOAD_TOO_LARGE', ...STORAGE,
    ],
  }),
  completeUpload: fileRoute({
    method: 'POST', url: '/v1/files/uploads/:uploadId/complete',
    summary: 'Ends an upload: every chunk up to chunkCount held, building cipherRoot; the blob is then durable and an AddRecord may name it.',
    params: closed({ uploadId: UploadId }), body: CompleteUploadRequest, response: { 200: UploadCompleted },
    errors: ['UPLOAD_NOT_FOUND', 'UPLOAD_INCOMPLETE', 'UPLOAD_ROOT_MISMATCH', 'UPLOAD_NOT_RECEIVING', ...STORAGE],
  }),
  cancelUpload: fileRoute({
    method: 'DELETE', url: '/v1/files/uploads/:uploadId',
    summary: 'Drops an upload still receiving, or a complete one that no record names (freeing its quota).',
    params: closed({ uploadId: UploadId }), response: { 200: UploadCancelled }, errors: ['UPLOAD_NOT_FOUND', 'UPLOAD_IN_USE', ...STORAGE],
  }),
  storageUsage: fileRoute({
    method: 'GET', url: '/v1/files/usage',
    summary: "The session user's stored and reserved bytes against the node's quota.", response: { 200: StorageUsage }, errors: [],
  }),
  downloadCiphertext: fileRoute({
    method: 'GET', url: '/v1/files/records/:recordId/versions/:version',
    summary: "A version's stored ciphertext, whole or one byte range: only against the reader's accepted RecordRead of that version within the receipt window, and only while they may read it (checked again before every piece sent).",
    params: closed({ recordId: Hex32, version: Version }),
    headers: Type.Object({ range: Type.Optional(Type.String({ pattern: RANGE_PATTERN, description: 'one range: bytes=first-last or bytes=first-' })) }),
    response: { 200: 'binary', 206: 'binary' },
    errors: ['RESOURCE_NOT_FOUND', 'READ_DENIED', 'READ_RECEIPT_REQUIRED', 'RANGE_INVALID', 'BLOB_NOT_FOUND'],
  }),
});

export type FileRouteName = keyof typeof FILE_ROUTES;

/** A file route's JSON body type. */
export type FileBodyOf<N extends FileRouteName> = (typeof FILE_ROUTES)[N] extends { body: infer B extends TSchema } ? Static<B> : undefined;
/** A file route's JSON answer for one status. */
export type FileAnswerOf<N extends FileRouteName, S extends keyof (typeof FILE_ROUTES)[N]['response']> =
  (typeof FILE_ROUTES)[N]['response'][S] extends infer R extends TSchema ? Static<R> : never;
