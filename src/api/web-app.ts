/**
 * The web app served at `/` (issue 21): the built SPA from a directory
 * (web/dist), under the same CSP as the API. Paths the SPA routes itself
 * (`/login`, `/setup`, …) get its index.html; `/v1/…`, files under
 * `/assets/` and anything with a file extension never do — an unknown API
 * route stays a JSON 404, and a missing asset a 404, not a page.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const INDEX = 'index.html';
/** Hashed file names (Vite): a file never changes under its name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function isSpaRoute(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0]!;
  if (path === '/v1' || path.startsWith('/v1/') || path.startsWith('/assets/')) return false;
  // A file name (an extension, or a dotfile such as the build's .source-hash) is a missing file, not a page.
  return !/\.[A-Za-z0-9]+$/.test(path) && !/\/\./.test(path);
}

/** Registers the SPA when its build exists; answers whether it did. */
export async function registerWebApp(app: FastifyInstance, root: string): Promise<boolean> {
  if (!existsSync(join(root, INDEX))) return false;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: [INDEX],
    // Dotfiles (the build's .source-hash) are not served: a 404 like any missing file.
    dotfiles: 'ignore',
    // index.html names the current hashed assets: always revalidated. The assets themselves never change.
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.endsWith(`/${INDEX}`) ? 'no-cache' : IMMUTABLE);
    },
    schemaHide: true,
  });
  return true;
}

export function sendSpaIndex(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-cache').sendFile(INDEX);
}
