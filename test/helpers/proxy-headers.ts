/**
 * The headers a test proxy may pass on from the node's answer: all but the
 * hop-by-hop ones (RFC 9110 §7.6.1). Passing on the node's `Keep-Alive:
 * timeout=72` made a client keep an idle socket the proxy itself closes
 * after Node's default 5 s, so a request reusing it met ECONNRESET.
 */
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'] as const;

export function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}
