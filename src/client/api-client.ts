/**
 * A small typed HTTP client of the node's API (DESIGN §3, §9), on `fetch`
 * only, so the CLI and the browser share it. URLs, methods and types come from
 * protocol's route table; an error answer becomes a DhlError with the
 * answer's code (narrow it with `isDhlError(err, code)`) and its status.
 */
import { DhlError } from '../crypto/index.ts';
import { ROUTES, isErrorBody, urlOf, type BodyOf, type ParamsOf, type QueryOf, type RequestOf, type RouteName, type RouteSpec } from '../protocol/index.ts';
import type { Static, TSchema } from 'typebox';

type Responses<N extends RouteName> = (typeof ROUTES)[N]['response'];
/** Every success answer of a route, tagged with its status. */
export type Answer<N extends RouteName> = {
  [S in keyof Responses<N>]: { status: S; body: Responses<N>[S] extends infer R extends TSchema ? Static<R> : never };
}[keyof Responses<N>];

/**
 * What a call of a route takes: for a route with path parameters,
 * `{params, query?, body?}`; with only a query string, the same, optional;
 * otherwise its body, if it has one.
 */
export type CallArgs<N extends RouteName> = ParamsOf<N> extends undefined
  ? QueryOf<N> extends undefined
    ? BodyOf<N> extends undefined ? [] : [body: BodyOf<N>]
    : [input?: RequestOf<N>]
  : [input: RequestOf<N>];

export interface ApiClientOptions {
  /** The node's URL: scheme://host:port (a path after it is ignored). */
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  /** A bearer session token (the CLI keeps it after login). */
  token?: string;
}

export class ApiClient {
  /** The origin this client talks to: what it signs in a login challenge (docs/api.md, "Origin"). */
  readonly origin: string;
  token: string | undefined;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(o: ApiClientOptions) {
    this.origin = new URL(o.baseUrl).origin;
    this.token = o.token;
    this.fetchFn = o.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * Sends a request to a route and returns the raw response (a streamed
   * answer is read by the caller); the URL comes from the route table.
   */
  async request<N extends RouteName>(name: N, ...args: CallArgs<N>): Promise<Response> {
    const route: RouteSpec = ROUTES[name];
    const parts = route.params || route.query
      ? ((args[0] ?? {}) as { params?: Record<string, string | number>; query?: Record<string, string | number | undefined>; body?: unknown })
      : { body: args[0] };
    const headers: Record<string, string> = { accept: route.produces ?? 'application/json' };
    if (parts.body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return this.fetchFn(`${this.origin}${urlOf(route, parts.params, parts.query)}`, {
      method: route.method,
      headers,
      ...(parts.body !== undefined ? { body: JSON.stringify(parts.body) } : {}),
    });
  }

  /** Calls a route; resolves with its success answer and status, rejects with a DhlError carrying the error's code. */
  async answer<N extends RouteName>(name: N, ...args: CallArgs<N>): Promise<Answer<N>> {
    const response = await this.request(name, ...args);
    return { status: response.status, body: await jsonAnswer(response) } as Answer<N>;
  }

  /** Calls a route and resolves with the body of its success answer. */
  async call<N extends RouteName>(name: N, ...args: CallArgs<N>): Promise<Answer<N>['body']> {
    return (await this.answer(name, ...args)).body;
  }
}

/** A 2xx's JSON body (undefined when empty or not JSON), or the error answer as a DhlError with its code and status. */
export async function jsonAnswer(response: Response): Promise<unknown> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json;
  throw errorOf(response.status, json);
}

/** An error answer as a DhlError with its code and status (HTTP_ERROR when the body is not one of ours). */
export function errorOf(status: number, body: unknown): DhlError {
  if (isErrorBody(body)) return new DhlError(body.code, body.message, { status });
  return new DhlError('HTTP_ERROR', `the node answered ${status} without an error body`, { status });
}
