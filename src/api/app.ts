/**
 * The HTTP API as a Fastify app (DESIGN §9, STYLE §1): `buildApp` wires the
 * node port, the accounts store, the set-up, login and sessions into routes
 * registered from protocol's route table, so every route has its schemas
 * and its declared errors. It does not listen: `server.ts` does, and tests
 * build this same app.
 */
import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { HelmetOptions } from 'helmet';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { ROUTES, type RouteName, type RouteSpec } from '../protocol/index.ts';
import { apiError, handleError } from './errors.ts';
import { Login } from './login.ts';
import { PrivateLogController } from './logging.ts';
import { dataDirPort, DEFAULT_KDF_COSTS, type Accounts, type KdfCosts, type NodeOptions } from './node-port.ts';
import { routeHandlers, type Handler } from './routes.ts';
import { apiSecurityHeaders, applySecurityHeaders, captureSecurityHeaders, isApiPath } from './security-headers.ts';
import { addSpecRoute } from './route-options.ts';
import { readHandlers } from './routes-reads.ts';
import { registerFileRoutes } from './routes-files.ts';
import { Sessions, type Clock } from './sessions.ts';
import { FirstRun } from './setup.ts';
import { isSpaRoute, registerWebApp, sendSpaIndex } from './web-app.ts';

export interface AppOptions {
  dataDir: string;
  /**
   * The origins this node serves (scheme://host:port; docs/api.md, "Origin").
   * Read on each request: the server adds its listening origins once it knows its port.
   */
  origins: ReadonlySet<string>;
  /** Served over TLS (directly or behind a TLS-terminating proxy): session cookies are `Secure`. */
  tls: boolean;
  /** Certificate and key when this process terminates TLS itself. */
  https?: { cert: Buffer; key: Buffer };
  /** First run: how many admins the genesis names, their organisation, this node's id. */
  setup?: { admins?: number; org?: string; nodeId?: string };
  clock?: Clock;
  sessionTtlMs?: number;
  challengeTtlMs?: number;
  /** TEST ONLY: cheaper Argon2id costs for vaults. The product always uses DEFAULT_KDF_COSTS. */
  testOnlyKdfCosts?: KdfCosts;
  /** Requests per window per client address on the rate-limited routes. */
  rateLimit?: { max: number; windowMs: number };
  /** Fastify's logger option (pino): tests pass a stream to read what was logged. */
  logger?: FastifyServerOptions['logger'];
  node?: NodeOptions;
  /** The built web app (web/dist) to serve at `/`; without it the node serves the API only. */
  web?: { root: string };
}

export interface DhlApp {
  app: FastifyInstance;
  /** The one-time setup token while the node awaits set-up (print it in the setup link's fragment). */
  setupToken?: string;
  setup: FirstRun;
  /** Whether the web app is served at `/`. */
  webApp: boolean;
}

/** Helmet's configuration for this node's answers: our CSP, HSTS only over TLS. */
export function helmetOptions(tls: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: { ...CONTENT_SECURITY_POLICY } },
    strictTransportSecurity: tls ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: true,
  };
}

const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const CHALLENGE_TTL_MS = 2 * 60 * 1000;
const DEFAULT_RATE_LIMIT = { max: 30, windowMs: 60_000 };

/**
 * Everything the page may load: our own scripts and styles, WebAssembly for
 * Argon2id (hash-wasm), nothing inline; frames only from blob: URLs (a
 * decrypted record, viewed in a sandboxed frame without scripts).
 */
export const CONTENT_SECURITY_POLICY = Object.freeze({
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  workerSrc: ["'self'"],
  frameSrc: ['blob:'],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
});

export async function buildApp(o: AppOptions): Promise<DhlApp> {
  const clock = o.clock ?? { now: () => Date.now() };
  const kdf = o.testOnlyKdfCosts ?? DEFAULT_KDF_COSTS;
  const origins = o.origins;
  const port = dataDirPort(o.dataDir, o.node);
  const accounts: Accounts = port.openAccounts();
  let started: Awaited<ReturnType<typeof FirstRun.start>>;
  try {
    started = await FirstRun.start({
      port, accounts, clock, kdf, admins: o.setup?.admins ?? 2, org: o.setup?.org ?? 'clinic', nodeId: o.setup?.nodeId ?? 'node1',
    });
  } catch (err) {
    accounts.close();
    throw err;
  }
  const { setup } = started;
  const sessions = new Sessions({ accounts, clock, ttlMs: o.sessionTtlMs ?? SESSION_TTL_MS, origins, secure: o.tls });
  const login = new Login({ accounts, clock, ledger: () => setup.ledger(), kdf, origins, challengeTtlMs: o.challengeTtlMs ?? CHALLENGE_TTL_MS });

  let webApp = false;
  const app = Fastify({
    ...(o.https ? { https: o.https } : {}),
    logger: o.logger ?? true,
    logController: new PrivateLogController(),
    // Our own ids: a client-sent x-request-id is not trusted into the logs.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // A malformed URL escape or an over-long path parameter (before any route is matched) is one of our errors too, never Fastify's own body.
    frameworkErrors: (err, request, reply) => handleError(err, request, reply),
    // Plain JSON Schema validation: no coercion, no silent removal of unknown fields, no defaults.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  // Graceful close: answers still in flight end their connection, so closing waits for them and not for keep-alive timeouts.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // JSON only: Fastify's default text/plain parser would hand a string to a route expecting an object.
  app.removeContentTypeParser('text/plain');
  app.addHook('onClose', async () => {
    await setup.close();
    accounts.close();
  });

  try {
    await app.register(fastifyCookie);
    // Documents get helmet's headers for this fixed configuration, captured once; API answers the API set (security-headers.ts).
    const documentHeaders = captureSecurityHeaders(helmetOptions(o.tls));
    const apiHeaders = apiSecurityHeaders(documentHeaders);
    app.addHook('onRequest', (request, reply, done) => {
      applySecurityHeaders(reply.raw, isApiPath(request.url) ? apiHeaders : documentHeaders);
      done();
    });
    const limit = o.rateLimit ?? DEFAULT_RATE_LIMIT;
    await app.register(fastifyRateLimit, {
      global: false,
      max: limit.max,
      timeWindow: limit.windowMs,
      errorResponseBuilder: () => Object.assign(apiError('RATE_LIMITED'), { statusCode: 429 }),
      // Each trip goes in the node's refusal log (the admin's view); the 429 is answered even if the log cannot take it.
      onExceeded: (request, key) => recordTrip(accounts, request, key, clock.now()),
    });
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Dynamic Health Ledger node API',
          version: '1',
          description: 'Errors are `{code, message}`; each route lists the codes it may answer with. See docs/api.md.',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'a bearer session token (CLI)' },
            cookie: { type: 'apiKey', in: 'cookie', name: 'dhl_session', description: 'a session cookie (browser); state-changing requests also send x-dhl-csrf' },
          },
        },
      },
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/v1/docs', staticCSP: false });

    app.setErrorHandler(handleError);
    webApp = o.web ? await registerWebApp(app, o.web.root) : false;
    app.setNotFoundHandler((request, reply) => {
      if (webApp && isSpaRoute(request)) return sendSpaIndex(reply);
      return reply.code(404).send({ code: 'ROUTE_NOT_FOUND', message: 'no such route' });
    });

    app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    const handlers: Record<RouteName, Handler> = {
      ...routeHandlers({ setup, login, sessions, accounts, clock, kdf, status: () => statusOf(setup, kdf) }),
      ...readHandlers({ setup, accounts }),
    };
    for (const name of Object.keys(ROUTES) as RouteName[]) addRoute(app, ROUTES[name], handlers[name], sessions);
    await registerFileRoutes(app, { files: () => setup.ledger().files, sessions });
    await app.ready();
  } catch (err) {
    await app.close();
    throw err;
  }
  return { app, setup, webApp, ...(started.token ? { setupToken: started.token } : {}) };
}

/** A rate-limit trip into the refusal log: the client address the limit counts by, the route's pattern (never the URL), the session's user if any. */
function recordTrip(accounts: Accounts, request: FastifyRequest, client: string, now: number): void {
  try {
    const username = request.session?.username;
    accounts.refusals.record({ kind: 'rate-limit', at: now, client, route: `${request.method} ${request.routeOptions.url ?? '?'}`, ...(username ? { username } : {}) });
  } catch (err) {
    request.log.warn({ errName: (err as Error)?.name, errCode: (err as { code?: unknown })?.code }, 'refusal log: a rate-limit trip was not recorded');
  }
}

function statusOf(setup: FirstRun, kdf: KdfCosts) {
  const ledger = setup.anyLedger;
  const head = ledger?.head();
  return {
    service: 'dhl' as const,
    apiVersion: 1 as const,
    setup: setup.current,
    ...(ledger ? { chainId: ledger.chainId } : {}),
    ...(head ? { head: { height: head.height, blockHash: head.blockHash, time: head.time, treeSize: head.treeSize, treeRoot: head.treeRoot, stateDigest: head.stateDigest } } : {}),
    kdf: { ...kdf },
  };
}

/**
 * A streamed answer's schema by media type (Fastify does not serialise a
 * stream; the schema documents it in the OpenAPI document).
 */
function successResponses(spec: RouteSpec): Record<number, unknown> {
  if (!spec.produces) return { ...spec.response };
  return Object.fromEntries(Object.entries(spec.response).map(([status, schema]) => [status, { description: spec.summary, content: { [spec.produces!]: { schema } } }]));
}

/** One route from its spec (route-options.ts): streamed answers documented by media type. */
function addRoute(app: FastifyInstance, spec: RouteSpec, handler: Handler, sessions: Sessions): void {
  addSpecRoute(app, spec, { params: spec.params, querystring: spec.query, body: spec.body, response: successResponses(spec) }, handler, sessions);
}
