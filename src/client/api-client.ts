/**
 * A small typed HTTP client of the node's API (DESIGN §3, §9), on `fetch`
 * only, so the CLI and the browser share it. URLs, methods and types come from
 * protocol's route table; an error answer becomes a DhlError with the
 * answer's code (narrow it with `isDhlError(err, code)`) and its status.
 */
import { DhlError } from '../crypto/index.ts';
import { ROUTES, isErrorBody, type BodyOf, type RouteName } from '../protocol/index.ts';
import type { Static, TSchema } from 'typebox';

type Responses<N extends RouteName> = (typeof ROUTES)[N]['response'];
/** Every success answer of a route, tagged with its status. */
export type Answer<N extends RouteName> = {
  [S in keyof Responses<N>]: { status: S; body: Responses<N>[S] extends infer R extends TSchema ? Static<R> : never };
}[keyof Responses<N>];

export interface ApiClientOptions {
  /** The node's URL: scheme://host:port (a path after it is ignored). */
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  /** A bearer session token (the CLI keeps it after login). */
  token?: string;
  /** A cookie session's CSRF token (the browser): sent as x-dhl-csrf on every state-changing request. */
  csrfToken?: string;
}

/** The header a cookie session's state-changing requests carry (docs/api.md, "CSRF"). */
export const CSRF_HEADER = 'x-dhl-csrf';

export class ApiClient {
  /** The origin this client talks to: what it signs in a login challenge (docs/api.md, "Origin"). */
  readonly origin: string;
  token: string | undefined;
  csrfToken: string | undefined;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(o: ApiClientOptions) {
    this.origin = new URL(o.baseUrl).origin;
    this.token = o.token;
    this.csrfToken = o.csrfToken;
    this.fetchFn = o.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Calls a route; resolves with its success answer and status, rejects with a DhlError carrying the error's code. */
  async answer<N extends RouteName>(name: N, ...body: BodyOf<N> extends undefined ? [] : [BodyOf<N>]): Promise<Answer<N>> {
    const route = ROUTES[name];
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body.length > 0) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.csrfToken && route.method !== 'GET') headers[CSRF_HEADER] = this.csrfToken;
    const response = await this.fetchFn(`${this.origin}${route.url}`, {
      method: route.method,
      headers,
      ...(body.length > 0 ? { body: JSON.stringify(body[0]) } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.ok) return { status: response.status, body: json } as Answer<N>;
    if (isErrorBody(json)) throw new DhlError(json.code, json.message, { status: response.status });
    throw new DhlError('HTTP_ERROR', `the node answered ${response.status} without an error body`, { status: response.status });
  }

  /** Calls a route and resolves with the body of its success answer. */
  async call<N extends RouteName>(name: N, ...body: BodyOf<N> extends undefined ? [] : [BodyOf<N>]): Promise<Answer<N>['body']> {
    return (await this.answer(name, ...body)).body;
  }
}
