/**
 * A proxy in front of the node that keeps every request body as it left the
 * browser (issue 21): the browser talks only to the proxy, so what it sees
 * is everything the page sent, service-worker requests included (which
 * `page.route` would miss). The node is told the proxy's URL as its public
 * URL, so the origin the page signs at login is the proxy's.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { endToEndHeaders } from '../helpers/proxy-headers.ts';

export interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CaptureProxy {
  url: string;
  /** Every request so far, in arrival order. */
  captured: Captured[];
  /** Where to forward; set once the node listens. */
  target(url: string): void;
  /**
   * Holds the requests that match (they are captured, not forwarded) until
   * `drop` cuts them off: a network that stops mid-transfer, at a chosen place.
   */
  hold(match: (c: Captured) => boolean): { firstHeld: Promise<void>; drop(): void };
  /**
   * Edits the JSON answers to the requests that match before the browser
   * sees them (a node that lies), until the returned function is called.
   */
  rewrite<T>(match: (c: Captured) => boolean, edit: (answer: T) => void): () => void;
}

type Rewrite = { match: (c: Captured) => boolean; edit: (answer: unknown) => void };

/** The answer with `edit` applied to its JSON body (headers kept, its length recomputed). */
function rewritten(answer: IncomingMessage, res: ServerResponse, edit: (answer: unknown) => void): void {
  const parts: Buffer[] = [];
  answer.on('data', (c: Buffer) => parts.push(c));
  answer.on('end', () => {
    const json: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    edit(json);
    const body = Buffer.from(JSON.stringify(json));
    const { 'content-length': _length, etag: _etag, ...headers } = endToEndHeaders(answer.headers);
    res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': body.length, 'cache-control': 'no-store' }).end(body);
  });
}

export async function startCaptureProxy(t: TestContext): Promise<CaptureProxy> {
  let target: URL | undefined;
  const captured: Captured[] = [];
  let holding: { match: (c: Captured) => boolean; cut: (() => void)[]; onHeld: () => void } | undefined;
  let rewriting: Rewrite | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const c: Captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      captured.push(c);
      if (holding?.match(c)) {
        holding.cut.push(() => req.socket.destroy());
        holding.onHeld();
        return;
      }
      if (!target) {
        res.writeHead(503).end();
        return;
      }
      const edit = rewriting?.match(c) ? rewriting.edit : undefined;
      // An answer to edit is asked for whole and fresh: not compressed, never a 304.
      const { 'accept-encoding': _enc, 'if-none-match': _tag, ...plainHeaders } = req.headers;
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: edit ? plainHeaders : req.headers },
        (answer) => {
          if (edit && answer.statusCode === 200) return rewritten(answer, res, edit);
          res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => {
    server.closeAllConnections();
    server.close(() => done());
  }));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    captured,
    target: (url) => (target = new URL(url)),
    hold: (match) => {
      let onHeld = () => {};
      const firstHeld = new Promise<void>((resolve) => (onHeld = resolve));
      const h = { match, cut: [] as (() => void)[], onHeld: () => onHeld() };
      holding = h;
      return {
        firstHeld,
        drop: () => {
          if (holding === h) holding = undefined;
          for (const cut of h.cut.splice(0)) cut();
        },
      };
    },
    rewrite: (match, edit) => {
      const r: Rewrite = { match, edit: edit as (answer: unknown) => void };
      rewriting = r;
      return () => {
        if (rewriting === r) rewriting = undefined;
      };
    },
  };
}
