import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NODE_FLAGS } from '../../src/cli/node-flags.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const flags = NODE_FLAGS.join(' ');

test('every npm script that starts the product or times it runs tsx with the product\'s Node flags before its entry file', () => {
  const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.start!, new RegExp(`&& tsx ${flags} src/cli/main\\.ts serve$`));
  assert.equal(scripts.dhl, `tsx ${flags} src/cli/main.ts`);
  assert.equal(scripts.bench, `tsx ${flags} bench/run.ts`);
});

test('the installed dhl command starts node with the product\'s Node flags, and this Node takes them', () => {
  assert.equal(readFileSync(join(REPO, 'bin/dhl.js'), 'utf8').split('\n')[0], `#!/usr/bin/env -S node ${flags}`);
  // Run as an installed command runs: through its first line, on the node first in PATH (this test's).
  const ran = spawnSync(join(REPO, 'bin/dhl.js'), ['--help'], {
    cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
  assert.equal(ran.status, 0, ran.stderr);
  assert.match(ran.stdout, /^Usage: dhl /m);
});
