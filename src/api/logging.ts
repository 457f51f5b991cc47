/**
 * What the node logs about requests (DESIGN §2, issue 17): one line per
 * request with its id, method, route pattern, status and time. Never the URL
 * (query strings, names in paths), headers, bodies, usernames, titles,
 * ciphertext or keys. Fastify's own request lines (which carry the URL) are
 * replaced by this one.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class PrivateLogController extends LogController {
  constructor() {
    super({ disableRequestLogging: true });
  }

  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(_error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  }
}
