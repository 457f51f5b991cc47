/**
 * What a route of the HTTP API is (DESIGN §9, STYLE §7): its method, URL
 * pattern, whether it needs a session, the schemas of its path parameters,
 * query string and body, its success answers and every error code it may
 * answer with. `route()` adds the codes every route of a kind may answer with
 * and checks, when the table is built, that the URL's `:name` parameters are
 * exactly the properties of its params schema. Route groups (routes.ts,
 * reads.ts, files.ts) are built with it and composed into one table.
 *
 * Path parameters and query strings are text on the wire, so their schemas are
 * strings with patterns; the layer below parses and bounds the numbers (no
 * coercion: `?limit=1e3`, `?limit=` and `?limit=1&limit=2` are refused).
 */
import type { Static, TSchema } from 'typebox';
import type { ErrorCode } from './errors.ts';

export type Auth = 'open' | 'session';
export type Tag = 'service' | 'setup' | 'account' | 'ledger' | 'users' | 'records' | 'access' | 'audit';

export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** Fastify's pattern: path parameters as `:name`. */
  readonly url: string;
  readonly auth: Auth;
  readonly summary: string;
  readonly tag: Tag;
  /** The path parameters (an object schema whose properties are the URL's `:name`s). */
  readonly params?: TSchema;
  /** The query string (an object schema; unknown keys are refused). */
  readonly query?: TSchema;
  readonly body?: TSchema;
  /** Success answers by status. */
  readonly response: Readonly<Record<number, TSchema>>;
  /**
   * The media type of the success answer when it is not one JSON document
   * (a streamed export: `application/x-ndjson`); such an answer is streamed,
   * not serialised through the response schema.
   */
  readonly produces?: string;
  /** Every error code this route may answer with (their statuses come from the error table). */
  readonly errors: readonly ErrorCode[];
  /** Largest request body in bytes. */
  readonly bodyLimit: number;
  /** Whether @fastify/rate-limit guards the route. */
  readonly rateLimited: boolean;
}

/** Any route may fail this way. */
const ALWAYS: ErrorCode[] = ['INTERNAL'];
/** A POST route: its body is parsed as JSON. */
const BODY: ErrorCode[] = ['REQUEST_INVALID', 'REQUEST_NOT_JSON', 'REQUEST_TOO_LARGE', 'MEDIA_TYPE_UNSUPPORTED'];
/** A route with path parameters or a query string: they are checked against their schemas. */
const INPUT: ErrorCode[] = ['REQUEST_INVALID'];
const SESSION: ErrorCode[] = ['SESSION_REQUIRED', 'SESSION_EXPIRED'];
/** A state-changing route a browser may call with its cookie. */
const CSRF: ErrorCode[] = ['CSRF_FAILED', 'ORIGIN_NOT_ACCEPTED'];

const KiB = 1024;
export const SMALL_BODY = 4 * KiB;

export type RouteInput = Omit<RouteSpec, 'errors' | 'bodyLimit' | 'rateLimited'> & { errors: ErrorCode[]; bodyLimit?: number; rateLimited?: boolean };
export type BuiltRoute<S extends RouteInput> = Omit<S, 'errors'> & Pick<RouteSpec, 'errors' | 'bodyLimit' | 'rateLimited'>;

const PARAM = /:([A-Za-z][A-Za-z0-9]*)/g;

/** The `:name` parameters of a URL pattern, in order. */
export function pathParams(url: string): string[] {
  return [...url.matchAll(PARAM)].map((m) => m[1]!);
}

/** A route with its common error codes added (by method, input, auth and rate limit) and its defaults filled in. */
export function route<const S extends RouteInput>(spec: S): BuiltRoute<S> {
  const named = pathParams(spec.url);
  const declared = Object.keys((spec.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
  if (named.length !== declared.length || !named.every((n) => declared.includes(n))) {
    throw new TypeError(`route ${spec.method} ${spec.url}: path parameters (${named.join(', ')}) differ from its params schema (${declared.join(', ')})`);
  }
  const errors = [...new Set([...ALWAYS, ...(spec.method === 'POST' ? BODY : []), ...(spec.params || spec.query ? INPUT : []),
    ...(spec.auth === 'session' ? SESSION : []), ...(spec.auth === 'session' && spec.method !== 'GET' ? CSRF : []),
    ...(spec.rateLimited ? ['RATE_LIMITED' as const] : []), ...spec.errors])];
  return Object.freeze({ ...spec, errors: Object.freeze(errors), bodyLimit: spec.bodyLimit ?? SMALL_BODY, rateLimited: spec.rateLimited ?? false });
}

/** The OpenAPI form of a URL pattern: `/v1/users/:username` → `/v1/users/{username}`. */
export function openApiPath(url: string): string {
  return url.replace(PARAM, '{$1}');
}

/**
 * A route's URL with its path parameters filled in (each percent-encoded) and
 * its query string (keys with undefined values left out). A parameter the
 * pattern names and `params` lacks is a TypeError: a caller bug.
 */
export function urlOf(spec: Pick<RouteSpec, 'url'>, params: Readonly<Record<string, string | number>> = {}, query: Readonly<Record<string, string | number | undefined>> = {}): string {
  const path = spec.url.replace(PARAM, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`urlOf ${spec.url}: missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.append(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

type SchemaOf<R, K extends 'params' | 'query' | 'body'> = R extends { [P in K]: infer S extends TSchema } ? Static<S> : undefined;

/** What a caller sends to a route: each of params, query and body that the route declares. */
export type RequestParts<R> = (SchemaOf<R, 'params'> extends undefined ? {} : { params: SchemaOf<R, 'params'> }) &
  (SchemaOf<R, 'query'> extends undefined ? {} : { query?: SchemaOf<R, 'query'> }) &
  (SchemaOf<R, 'body'> extends undefined ? {} : { body: SchemaOf<R, 'body'> });
