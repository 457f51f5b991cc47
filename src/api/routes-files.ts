/**
 * The file routes (protocol/files.ts) as Fastify handlers: resumable uploads
 * and ranged, gated downloads of ciphertext. Each handler adapts one request
 * to the node's files port for the session user; the node decides (chunk
 * checks, quota, receipts, "may read now"). Binary bodies are parsed only in
 * the chunk route's own scope, within the per-chunk limit: every other route
 * of the API stays JSON only.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FILE_ROUTES, type FileBodyOf, type FileRouteName, type FileRouteSpec } from '../protocol/index.ts';
import { ChunkBuffers } from './chunk-buffers.ts';
import { apiError } from './errors.ts';
import { addSpecRoute } from './route-options.ts';
import { isDhlError, type FilesPort } from './node-port.ts';
import type { Sessions } from './sessions.ts';

export interface FileRouteDeps {
  /** The open ledger's files port (NODE_AWAITING_SETUP before set-up completes). */
  files: () => FilesPort;
  sessions: Sessions;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const OCTET = 'application/octet-stream';
/** Chunk bodies kept for reuse: a few in flight per uploader, 16 MiB chunks at most (the genesis' chunkSizeMax). */
const CHUNK_BUFFER_BYTES = 64 * 2 ** 20;
const binarySchema = { description: 'ciphertext bytes', contentMediaType: OCTET } as const;

const params = (request: FastifyRequest) => request.params as Record<string, string>;
const body = <N extends FileRouteName>(request: FastifyRequest, _route: N) => request.body as FileBodyOf<N>;
const user = (request: FastifyRequest) => request.session!.username;

/** `sha-256=:<base64>:` (RFC 9530) as lowercase hex. */
function digestHex(header: string): string {
  return Buffer.from(header.slice('sha-256=:'.length, -1), 'base64').toString('hex');
}

/** `bytes=a-b` or `bytes=a-` (the schema checked the form); `b` may lie past the blob's end. */
function parseRange(header: string): { start: number; end?: number } {
  const [first, last] = header.slice('bytes='.length).split('-') as [string, string];
  return { start: Number(first), ...(last === '' ? {} : { end: Number(last) }) };
}

function handlers(d: FileRouteDeps, buffers: ChunkBuffers): Record<FileRouteName, Handler> {
  return {
    createUpload: async (request, reply) => {
      const view = await d.files().createUpload(user(request), body(request, 'createUpload').declaredSize);
      return reply.code(201).send(view);
    },

    uploadStatus: async (request) => d.files().uploadStatus(user(request), params(request).uploadId!),

    putChunk: async (request) => {
      const p = params(request);
      const bytes = request.body;
      if (!(bytes instanceof Uint8Array)) throw apiError('MEDIA_TYPE_UNSUPPORTED');
      const digest = digestHex(request.headers['content-digest'] as string);
      try {
        return await d.files().putChunk(user(request), p.uploadId!, Number(p.index), bytes, digest);
      } finally {
        // Hashed and written (or refused): the node holds no reference to the bytes once putChunk has settled.
        buffers.give(bytes as Buffer);
      }
    },

    completeUpload: async (request) => {
      const req = body(request, 'completeUpload');
      return d.files().completeUpload(user(request), params(request).uploadId!, req.cipherRoot, req.chunkCount);
    },

    cancelUpload: async (request) => {
      await d.files().cancelUpload(user(request), params(request).uploadId!);
      return { cancelled: true };
    },

    storageUsage: async (request) => d.files().usage(user(request)),

    downloadCiphertext: async (request, reply) => {
      const p = params(request);
      const files = d.files();
      const reader = user(request);
      const version = Number(p.version);
      const rangeHeader = request.headers.range;
      const wanted = typeof rangeHeader === 'string' ? parseRange(rangeHeader) : undefined;
      const open = (range?: { start: number; end: number }) =>
        files.openCiphertext(reader, p.recordId!, version, range).catch((err: unknown) => {
          // RFC 9110 §15.5.17: a 416 names the representation's size.
          if (isDhlError(err, 'RANGE_INVALID') && typeof err.details.size === 'number') reply.header('content-range', `bytes */${err.details.size}`);
          throw err;
        });
      // The blob's size is known once it is open: a range is clamped to it (RFC 9110 §14.1.2), `bytes=a-` runs to its end.
      let stream = await open(wanted && { start: wanted.start, end: wanted.start });
      if (wanted) {
        const end = Math.min(wanted.end ?? Number.MAX_SAFE_INTEGER, stream.blobSize - 1);
        stream.close();
        stream = await open({ start: wanted.start, end });
      }
      reply
        .header('content-type', OCTET)
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'no-store')
        .header('content-length', String(stream.end - stream.start + 1))
        .header('x-dhl-receipt', stream.receipt);
      if (wanted) reply.code(206).header('content-range', `bytes ${stream.start}-${stream.end}/${stream.blobSize}`);
      // A revoke mid-way makes the stream throw: the connection is cut and the client sees a short body.
      return reply.send(Readable.from(stream, { objectMode: false }));
    },
  };
}

/**
 * A chunk's body into one buffer of its declared length (Content-Length is
 * required and bounded by the route's limit): no list of pieces to concatenate,
 * one copy of the bytes fewer than Fastify's own buffer parser, and the
 * buffer one taken back from an earlier chunk of that length.
 */
function collectBody(buffers: ChunkBuffers, request: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: Buffer) => void): void {
  const limit = request.routeOptions.bodyLimit ?? 0;
  const declared = Number(request.headers['content-length']);
  let settled = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (settled) return;
    settled = true;
    if (err) {
      payload.removeAllListeners('data');
      payload.resume();
    }
    done(err, body);
  };
  if (request.headers['content-length'] === undefined || !Number.isSafeInteger(declared) || declared < 0) return finish(apiError('REQUEST_INVALID'));
  if (declared > limit) return finish(apiError('REQUEST_TOO_LARGE'));
  const body = buffers.take(declared);
  let filled = 0;
  payload.on('data', (piece: Buffer) => {
    if (filled + piece.length > declared) return finish(apiError('REQUEST_INVALID'));
    piece.copy(body, filled);
    filled += piece.length;
  });
  payload.on('end', () => finish(filled === declared ? null : apiError('REQUEST_INVALID'), body));
  payload.on('error', (err: Error) => finish(err));
}

/** Registers every file route with its schemas, body parsing, rate limit and session guard. */
export async function registerFileRoutes(app: FastifyInstance, deps: FileRouteDeps): Promise<void> {
  const buffers = new ChunkBuffers(CHUNK_BUFFER_BYTES);
  const handle = handlers(deps, buffers);
  const names = Object.keys(FILE_ROUTES) as FileRouteName[];
  const specs: Record<FileRouteName, FileRouteSpec> = FILE_ROUTES;
  await app.register(async (json) => {
    for (const name of names.filter((n) => specs[n].body !== 'binary')) addFileRoute(json, specs[name], handle[name], deps.sessions);
  });
  await app.register(async (binary) => {
    // Only ciphertext is accepted here: no JSON, no text, no forms.
    binary.removeAllContentTypeParsers();
    binary.addContentTypeParser(OCTET, (request, payload, done) => collectBody(buffers, request, payload, done));
    for (const name of names.filter((n) => specs[n].body === 'binary')) addFileRoute(binary, specs[name], handle[name], deps.sessions);
  });
}

function addFileRoute(app: FastifyInstance, spec: FileRouteSpec, handler: Handler, sessions: Sessions): void {
  const binary = { content: { [OCTET]: { schema: binarySchema } } };
  const response = Object.fromEntries(Object.entries(spec.response).map(([status, schema]) => [status, schema === 'binary' ? { description: 'ciphertext', ...binary } : schema]));
  addSpecRoute(app, spec, { params: spec.params, headers: spec.headers, body: spec.body === 'binary' ? binary : spec.body, response }, handler, sessions);
}
