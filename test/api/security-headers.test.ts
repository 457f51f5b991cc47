/** The security headers captured from helmet once (src/api/security-headers.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import { helmetOptions } from '../../src/api/app.ts';
import { apiSecurityHeaders, applySecurityHeaders, captureSecurityHeaders, isApiPath } from '../../src/api/security-headers.ts';

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

test('API answers get the API set, with HSTS only over TLS; documents are everything outside /v1 and the docs page', () => {
  for (const tls of [false, true]) {
    const res = response();
    res.setHeader('X-Powered-By', 'something');
    applySecurityHeaders(res, apiSecurityHeaders(captureSecurityHeaders(helmetOptions(tls))));
    assert.equal(res.getHeader('x-powered-by'), undefined);
    assert.equal(res.getHeader('cache-control'), 'no-store');
    assert.equal(res.getHeader('strict-transport-security') !== undefined, tls);
  }
  for (const url of ['/v1/status', '/v1/ledger/proofs/inclusion?seq=1', '/v1/openapi.json', '/v1/files/x']) assert.ok(isApiPath(url), url);
  for (const url of ['/', '/index.html', '/assets/app.js', '/records', '/v1/docs', '/v1/docs/static/index.html', '/v1']) assert.ok(!isApiPath(url), url);
});
