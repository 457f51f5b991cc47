/** The security headers captured from helmet once (src/api/security-headers.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import { helmetOptions } from '../../src/api/app.ts';
import { applySecurityHeaders, captureSecurityHeaders } from '../../src/api/security-headers.ts';

const response = () => new ServerResponse(new IncomingMessage(new Socket()));

test("the captured headers are exactly what helmet's middleware sets on a response, over plain HTTP and over TLS (HSTS), and X-Powered-By goes", () => {
  for (const tls of [false, true]) {
    const byHelmet = response();
    byHelmet.setHeader('X-Powered-By', 'something');
    let called = false;
    helmet(helmetOptions(tls))(byHelmet.req, byHelmet, () => void (called = true));
    assert.ok(called);
    const captured = response();
    captured.setHeader('X-Powered-By', 'something');
    applySecurityHeaders(captured, captureSecurityHeaders(helmetOptions(tls)));
    assert.deepEqual(captured.getHeaders(), byHelmet.getHeaders());
    assert.equal(captured.getHeader('x-powered-by'), undefined);
    assert.equal(captured.getHeader('strict-transport-security') !== undefined, tls);
    assert.match(String(captured.getHeader('content-security-policy')), /^default-src 'none';/);
  }
});

test('a configuration whose headers depend on the request cannot be captured: a CSP nonce function is refused', () => {
  assert.throws(() => captureSecurityHeaders({ contentSecurityPolicy: { directives: { scriptSrc: [(_req, res) => `'nonce-${String((res as { locals?: unknown }).locals)}'`] } } }), TypeError);
});
