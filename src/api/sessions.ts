/**
 * Sessions (DESIGN §9): browsers hold an httpOnly, SameSite=Strict cookie
 * (Secure under TLS); the CLI a bearer token. Either is 32 random bytes the
 * node keeps only as a SHA-256. A cookie is sent by the browser on its own, so
 * a state-changing request with one must also carry the session's CSRF token
 * in the `x-dhl-csrf` header (a cross-site page can neither read it nor set a
 * custom header without a CORS preflight this node never grants), and an
 * `Origin` header, when present, must be one this node serves. Bearer tokens
 * are never sent ambiently and need neither.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import { apiError } from './errors.ts';
import type { Accounts, Session, SessionKind } from './node-port.ts';

export const SESSION_COOKIE = 'dhl_session';
export const CSRF_HEADER = 'x-dhl-csrf';
/** The cookie's scope: the API only. */
const COOKIE_PATH = '/v1';

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

export interface Clock {
  now(): number;
}

export interface SessionOptions {
  accounts: Accounts;
  clock: Clock;
  ttlMs: number;
  /** Origins this node serves (scheme://host:port). */
  origins: ReadonlySet<string>;
  /** Served over TLS: cookies get `Secure`. */
  secure: boolean;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function presented(request: FastifyRequest): { token: string; kind: SessionKind } | undefined {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const m = BEARER.exec(auth);
    return m ? { token: m[1]!, kind: 'bearer' } : { token: '', kind: 'bearer' };
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  return cookie !== undefined ? { token: TOKEN.test(cookie) ? cookie : '', kind: 'cookie' } : undefined;
}

export class Sessions {
  constructor(private readonly o: SessionOptions) {}

  /**
   * onRequest hook of every route declared `auth: 'session'`. Callback-style,
   * not async: it decides synchronously, and an async hook costs every read a
   * promise and a microtask turn.
   */
  readonly require = (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    let refusal: Error | undefined;
    try {
      request.session = this.check(request);
    } catch (err) {
      refusal = err as Error;
    }
    done(refusal);
  };

  private check(request: FastifyRequest): Session {
    const given = presented(request);
    if (!given) throw apiError('SESSION_REQUIRED');
    const found = given.token ? this.o.accounts.findSession(given.token, this.o.clock.now()) : undefined;
    // A token of the other kind is no session: a cookie must not dodge the CSRF check as a bearer token.
    if (found === undefined || found === 'expired' || found.kind !== given.kind) throw apiError('SESSION_EXPIRED');
    if (given.kind === 'cookie' && request.method !== 'GET' && request.method !== 'HEAD') {
      const origin = request.headers.origin;
      if (origin !== undefined && !this.o.origins.has(origin)) throw apiError('ORIGIN_NOT_ACCEPTED');
      const csrf = request.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !this.o.accounts.isCsrfTokenValid(found.id, csrf)) throw apiError('CSRF_FAILED');
    }
    return found;
  }

  /** Opens a session; a cookie session is set on the reply and answered with its CSRF token. */
  open(reply: FastifyReply, username: string, kind: SessionKind): { expiresAt: number; token?: string; csrfToken?: string } {
    const { token, session } = this.o.accounts.createSession(username, kind, this.o.clock.now(), this.o.ttlMs);
    if (kind === 'bearer') return { expiresAt: session.expiresAt, token };
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true, sameSite: 'strict', secure: this.o.secure, path: COOKIE_PATH, expires: new Date(session.expiresAt),
    });
    return { expiresAt: session.expiresAt, csrfToken: this.o.accounts.csrfToken(session.id) };
  }

  close(reply: FastifyReply, session: Session): void {
    this.o.accounts.deleteSession(session.id);
    if (session.kind === 'cookie') reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure: this.o.secure });
  }
}
