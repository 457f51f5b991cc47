/**
 * The node serves the web app at `/` (issue 21): the build's files under the
 * API's CSP, index.html for the SPA's own paths, never for `/v1` or a missing
 * asset. A small stand-in build (two files) keeps this test fast; the real
 * build is what the browser tests load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestNode } from './helpers.ts';

function fakeBuild(t: { after(fn: () => void): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'dhl-web-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>DHL</title><script type="module" src="/assets/app-1.js"></script>');
  writeFileSync(join(root, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(root, '.source-hash'), 'abc\n');
  return root;
}

test('the web app is served at / under the CSP; the SPA paths get index.html, /v1 and missing assets never do', async (t) => {
  const n = await startTestNode(t, { app: { web: { root: fakeBuild(t) } } });
  for (const path of ['/', '/login', '/setup', '/records/abc']) {
    const r = await fetch(`${n.url}${path}`);
    assert.equal(r.status, 200, path);
    assert.match(await r.text(), /<title>DHL<\/title>/, path);
    assert.equal(r.headers.get('cache-control'), 'no-cache', `${path}: index.html is always revalidated`);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /frame-src blob:/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  }
  const asset = await fetch(`${n.url}/assets/app-1.js`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  assert.equal(await asset.text(), 'console.log(1)');

  for (const path of ['/v1/nothing', '/v1', '/assets/missing.js', '/favicon.ico']) {
    const r = await fetch(`${n.url}${path}`);
    assert.equal(r.status, 404, path);
    assert.deepEqual(await r.json(), { code: 'ROUTE_NOT_FOUND', message: 'no such route' }, path);
  }
  const dotfile = await fetch(`${n.url}/.source-hash`);
  assert.equal(dotfile.status, 404, 'dotfiles are not served');
  await dotfile.text();
  const post = await fetch(`${n.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(post.status, 404, 'only GET and HEAD fall back to the app');
  await post.text();
  assert.equal((await fetch(`${n.url}/v1/status`).then((r) => r.json()) as { service: string }).service, 'dhl');
});

test('without a build the node serves the API only: / is a JSON 404', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dhl-web-empty-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const n = await startTestNode(t, { app: { web: { root } } });
  assert.equal(n.node.dhl.webApp, false);
  const r = await fetch(`${n.url}/login`);
  assert.equal(r.status, 404);
  assert.equal((await r.json() as { code: string }).code, 'ROUTE_NOT_FOUND');
  await fetch(`${n.url}/v1/status`).then((s) => s.text());
});
