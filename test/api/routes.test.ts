import { test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { ERROR_STATUS, FILE_ROUTES, ROUTES, openApiPath, pathParams, type RouteName, type RouteSpec } from '../../src/protocol/index.ts';
import { Reads } from '../../src/client/reads.ts';
import { assertDeclaredError, completeSetup, loginAs, startTestNode } from './helpers.ts';

const OPEN: RouteName[] = ['status', 'setupJoin', 'setupRegister', 'register', 'prelogin', 'loginStart', 'loginFinish', 'ledgerHead'];

test('only status, set-up, register, prelogin, login and the signed head are open: every other route answers 401 without a session (before its params, query or body are looked at), with a body its schema allows', async (t) => {
  const n = await startTestNode(t);
  await completeSetup(n);
  const names = Object.keys(ROUTES) as RouteName[];
  assert.deepEqual(names.filter((r) => ROUTES[r].auth === 'open').sort(), [...OPEN].sort(), 'the open routes are exactly these');
  for (const name of names.filter((r) => ROUTES[r].auth === 'session')) {
    const r = ROUTES[name];
    for (const headers of <Record<string, string>[]>[{}, { authorization: `Bearer ${'A'.repeat(43)}` }, { cookie: `dhl_session=${'B'.repeat(43)}` }, { authorization: 'Basic x' }]) {
      const response = await fetch(`${n.url}${r.url}`, {
        method: r.method, headers: { ...headers, ...(r.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(r.method === 'POST' ? { body: '{}' } : {}),
      });
      assert.equal(response.status, 401, `${name} with ${JSON.stringify(headers)}`);
      assertDeclaredError(name, 401, await response.json());
    }
  }
});

test('the OpenAPI document is valid OpenAPI 3.1 (swagger-parser), lists every route of the table with its path and query parameters, answer media type and errors, and nothing else', async (t) => {
  const n = await startTestNode(t);
  type Op = { responses: Record<string, { content?: Record<string, unknown> }>; security?: unknown; parameters?: { in: string; name: string; required?: boolean }[] };
  const doc = (await (await fetch(`${n.url}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, Op>> };
  assert.equal(doc.openapi, '3.1.0');
  await SwaggerParser.validate(structuredClone(doc) as never);
  const served = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  // The file routes (protocol/files.ts) are served too; test/api/files.test.ts checks their entries.
  const table = [...Object.values(ROUTES), ...Object.values(FILE_ROUTES)].map((r) => `${r.method} ${openApiPath(r.url)}`).sort();
  assert.deepEqual(served, table);
  for (const [name, r] of Object.entries(ROUTES)) {
    const op = doc.paths[openApiPath(r.url)]![r.method.toLowerCase()]!;
    for (const status of Object.keys(r.response)) assert.ok(op.responses[status], `${name} ${status}`);
    for (const code of r.errors) assert.ok(op.responses[String(ERROR_STATUS[code])], `${name}: no ${ERROR_STATUS[code]} answer for ${code}`);
    assert.equal(Boolean(op.security), r.auth === 'session', `${name}: security declared iff a session is needed`);
    const declared = (where: string) => (op.parameters ?? []).filter((p) => p.in === where).map((p) => p.name).sort();
    const spec: RouteSpec = r;
    assert.deepEqual(declared('path'), pathParams(r.url).sort(), `${name}: path parameters`);
    assert.ok((op.parameters ?? []).filter((p) => p.in === 'path').every((p) => p.required), `${name}: path parameters are required`);
    assert.deepEqual(declared('query'), Object.keys((spec.query as { properties?: object } | undefined)?.properties ?? {}).sort(), `${name}: query parameters`);
    assert.deepEqual(Object.keys(op.responses['200']?.content ?? {}), [spec.produces ?? 'application/json'], `${name}: the media type of its answer`);
  }
});

test('the docs page is served from the node itself (no CDN) under the strict CSP', async (t) => {
  const n = await startTestNode(t);
  const page = await fetch(`${n.url}/v1/docs/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /swagger-ui/i);
  assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'no third-party origin in the page');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script (the CSP would block it)');
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const bundle = await fetch(`${n.url}/v1/docs/static/swagger-ui-bundle.js`);
  assert.equal(bundle.status, 200);
  assert.ok((await bundle.arrayBuffer()).byteLength > 100_000, 'the bundle itself, from the node');
});

test('the rate-limited routes answer 429 RATE_LIMITED with Retry-After past their limit; status is not limited', async (t) => {
  const n = await startTestNode(t, { app: { rateLimit: { max: 3, windowMs: 60_000 } } });
  const prelogin = () => fetch(`${n.url}/v1/login/prelogin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"raj"}' });
  for (let i = 0; i < 3; i++) assert.notEqual((await prelogin().then(async (r) => (await r.text(), r.status))), 429, `request ${i + 1} is within the limit`);
  const limited = await prelogin();
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  const body = await limited.json();
  assertDeclaredError('prelogin', 429, body);
  assert.equal((body as { code: string }).code, 'RATE_LIMITED');
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${n.url}/v1/status`).then(async (r) => (await r.text(), r.status))), 200);
});

test("each rate-limit trip is in the node's refusal log, for the node's admin: the client address, the route's pattern (not its URL), newest first", async (t) => {
  // Counted per route: set-up joins four times, one login prelogins once; the prelogins below trip the limit.
  const n = await startTestNode(t, { app: { rateLimit: { max: 4, windowMs: 60_000 } } });
  const { chainId, admins } = await completeSetup(n);
  const { api } = await loginAs(n, chainId, admins[0]!.username, admins[0]!.passphrase);
  const prelogin = () => fetch(`${n.url}/v1/login/prelogin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"nobody"}' }).then(async (r) => (await r.text(), r.status));
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push(await prelogin());
  assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
  const page = await new Reads(api).refusals('rate-limit');
  assert.equal(page.items.length, 3, 'one row per 429');
  for (const item of page.items) {
    assert.equal(item.kind, 'rate-limit');
    if (item.kind !== 'rate-limit') continue;
    assert.equal(item.route, 'POST /v1/login/prelogin');
    assert.equal(item.client, '127.0.0.1');
    assert.equal(item.username, undefined, 'prelogin carries no session');
  }
  assert.ok(page.items.every((i, k) => k === 0 || (i as { id: number }).id < (page.items[k - 1] as { id: number }).id), 'newest first');
});

test('every answer carries the security headers: API answers (an answer, an error, an unknown route) the API set with no-store, the docs page the documents\' set', async (t) => {
  const n = await startTestNode(t);
  for (const path of ['/v1/status', '/v1/session', '/v1/no-such-route', '/v1/ledger/blocks/1', '/v1/openapi.json']) {
    const response = await fetch(`${n.url}${path}`);
    await response.arrayBuffer();
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'", path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-origin', path);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(response.headers.get('cache-control'), 'no-store', `${path}: no cache keeps an API answer`);
    assert.equal(response.headers.get('cross-origin-embedder-policy'), null, `${path}: document-only headers stay off API answers`);
    assert.equal(response.headers.get('strict-transport-security'), null, `${path}: no HSTS on plain loopback HTTP`);
    assert.equal(response.headers.get('x-powered-by'), null, path);
  }
  const docs = await fetch(`${n.url}/v1/docs/`);
  await docs.arrayBuffer();
  assert.match(docs.headers.get('content-security-policy') ?? '', /^default-src 'none';script-src 'self' 'wasm-unsafe-eval';/);
  assert.equal(docs.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.equal(docs.headers.get('x-frame-options'), 'SAMEORIGIN');
  assert.equal(docs.headers.get('strict-transport-security'), null);
});
