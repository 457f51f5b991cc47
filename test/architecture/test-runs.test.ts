/**
 * A test run leaves nothing behind (issue 16): scripts/run-tests.sh, which
 * `npm test` and `npm run test:slow` go through, gives the run a temp
 * directory of its own and fails when anything is left in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs one file as its own test run (without this runner's NODE_TEST_CONTEXT, which would make it report to us instead). */
function run(file: string) {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return spawnSync('bash', ['scripts/run-tests.sh', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
}

test('a test file that leaves a directory behind fails the run, and the run names what was left', () => {
  const r = run('test/architecture/fixtures/leaks.fixture.ts');
  assert.notEqual(r.status, 0, 'its own test passed, but the run must fail');
  assert.match(r.stderr, /left these in the temp directory[\s\S]*dhl-leaked-/);
});

test('a test file whose directories are removed by the temp helper passes the run', () => {
  const r = run('test/architecture/fixtures/tidy.fixture.ts');
  assert.equal(r.status, 0, r.stderr);
});
