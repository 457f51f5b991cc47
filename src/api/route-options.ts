/**
 * One Fastify route from a route spec of protocol/ — the JSON routes
 * (protocol/routes.ts, reads.ts) and the file routes (protocol/files.ts)
 * alike: its schemas (with every error answer its codes name), body limit,
 * rate limit and session guard, declared in one place so the two kinds of
 * route cannot drift apart.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponses, type ErrorCode } from '../protocol/index.ts';
import type { Sessions } from './sessions.ts';

/** What a route spec of either kind says about the route itself. */
export interface SpecBase {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly auth: 'open' | 'session';
  readonly summary: string;
  readonly tag: string;
  readonly errors: readonly ErrorCode[];
  readonly bodyLimit: number;
  readonly rateLimited: boolean;
}

/** The request and success-answer schemas, as Fastify (and the OpenAPI document) take them. */
export interface SpecSchemas {
  params?: unknown;
  querystring?: unknown;
  headers?: unknown;
  body?: unknown;
  response: Record<number, unknown>;
}

export function addSpecRoute(
  app: FastifyInstance,
  spec: SpecBase,
  schemas: SpecSchemas,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  sessions: Sessions,
): void {
  const { response, ...request } = schemas;
  app.route({
    method: spec.method,
    url: spec.url,
    bodyLimit: spec.bodyLimit,
    schema: {
      summary: spec.summary,
      tags: [spec.tag],
      ...Object.fromEntries(Object.entries(request).filter(([, schema]) => schema !== undefined)),
      response: { ...response, ...errorResponses(spec.errors) },
      ...(spec.auth === 'session' ? { security: [{ bearer: [] }, { cookie: [] }] } : {}),
    },
    ...(spec.rateLimited ? { config: { rateLimit: {} } } : {}),
    // Before the body is parsed or validated: without a session, a request learns nothing about its body.
    ...(spec.auth === 'session' ? { onRequest: sessions.require } : {}),
    handler: (req: FastifyRequest, reply: FastifyReply) => handler(req, reply),
  });
}
