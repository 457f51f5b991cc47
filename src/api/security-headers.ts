/**
 * The security headers of every answer (docs/api.md). Documents — the web
 * app, its files, the API docs page — get helmet's whole set for our fixed
 * configuration; API answers (JSON, NDJSON, ciphertext), which no browser
 * renders as a page, get the set OWASP's REST Security Cheat Sheet names for
 * APIs (`apiSecurityHeaders`): the document-only headers (COOP, COEP,
 * Origin-Agent-Cluster, the legacy X-* toggles and the page CSP) do nothing
 * there but cost every read ~400 bytes and ten `setHeader` calls.
 *
 * Helmet's headers are captured once when the app is built, by
 * running helmet's middleware against a recorder, and set per request by a
 * loop. Helmet's chain of 13 middlewares built each value again on every
 * request (~10 µs of an answer; the reads bench's floor). Capturing is exact
 * here because nothing in the configuration depends on the request: the CSP
 * directives are constant strings (no nonces, no functions).
 */
import type { ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

export interface SecurityHeaders {
  /** Header name and value, in the order helmet set them. */
  readonly set: readonly (readonly [string, string])[];
  /** Headers helmet removes (X-Powered-By). */
  readonly removed: readonly string[];
}

export function captureSecurityHeaders(options: HelmetOptions): SecurityHeaders {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' ? Object.values(csp.directives ?? {}) : [];
  // A directive given as a function (a nonce) is computed per request: its header cannot be captured once.
  if (directives.some((d) => typeof d === 'function' || (Array.isArray(d) && d.some((v) => typeof v === 'function')))) {
    throw new TypeError('captureSecurityHeaders: a CSP directive depends on the request');
  }
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let done = false;
  helmet(options)({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  // Helmet's chain is synchronous; one that waited on something would depend on more than its options.
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be captured once');
  return Object.freeze({ set: Object.freeze(set.map((h) => Object.freeze(h))), removed: Object.freeze(removed) });
}

/**
 * An API answer's headers: nothing may load or frame it, its type is not
 * sniffed, no other origin may embed it, no cache keeps it (health data on
 * shared workstations), no referrer leaves with it; the documents' HSTS
 * (present under TLS) and removals, taken from their captured set so the two
 * cannot differ.
 */
export function apiSecurityHeaders(documents: SecurityHeaders): SecurityHeaders {
  const hsts = documents.set.filter(([name]) => name.toLowerCase() === 'strict-transport-security');
  const set: (readonly [string, string])[] = [
    ['Content-Security-Policy', "default-src 'none';frame-ancestors 'none'"],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cache-Control', 'no-store'],
    ...hsts,
  ];
  return Object.freeze({ set: Object.freeze(set.map((h) => Object.freeze(h))), removed: documents.removed });
}

/** Whether a request's answer is the API's (under /v1, not the docs page): anything else may be a document. */
export function isApiPath(url: string): boolean {
  return url.startsWith('/v1/') && !url.startsWith('/v1/docs');
}

/** Sets the captured headers on a raw response (raw, as helmet did: they survive error answers and streams). */
export function applySecurityHeaders(res: ServerResponse, headers: SecurityHeaders): void {
  for (const name of headers.removed) res.removeHeader(name);
  for (const [name, value] of headers.set) res.setHeader(name, value);
}
