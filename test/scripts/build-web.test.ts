/** `npm start` rebuilds the web app when what the bundle is made of changed: by content, not by mtime. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceHash } from '../../scripts/build-web.ts';

test('the build hash changes with the content of web/, the browser-side src/ modules and the lockfile, not with mtimes or other files', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dhl-build-hash-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('web/index.html', '<!doctype html>');
  write('web/src/main.tsx', 'export {}');
  write('src/client/a.ts', 'export const a = 1;');
  write('src/node/n.ts', 'export const n = 1;');
  write('package-lock.json', '{}');
  const base = sourceHash(root);
  assert.match(base, /^[0-9a-f]{64}$/);

  utimesSync(join(root, 'web/src/main.tsx'), new Date(0), new Date(0));
  assert.equal(sourceHash(root), base, 'an mtime alone changes nothing');
  write('src/node/n.ts', 'export const n = 2;');
  assert.equal(sourceHash(root), base, 'the node side is not in the bundle');

  for (const [path, text] of [['web/src/main.tsx', 'export {};'], ['src/client/a.ts', 'export const a = 2;'], ['package-lock.json', '{ }'], ['web/src/new.ts', '']] as const) {
    const before = sourceHash(root);
    write(path, text);
    assert.notEqual(sourceHash(root), before, `${path} is part of the bundle`);
  }
});
