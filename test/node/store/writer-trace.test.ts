import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir, removeTempDir } from '../../helpers/temp.ts';

const CHILD = new URL('./writer-trace-child.ts', import.meta.url).pathname;

test('a write transaction whose trace line meets a full non-blocking pipe waits for the reader and commits (EAGAIN is not a failed commit)', async (t) => {
  const dir = tempDir('writer-trace');
  t.after(() => removeTempDir(dir));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, join(dir, 'ledger.sqlite')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  while (!stderr.includes('full') && child.exitCode === null) await sleep(20);
  // The writer thread now meets the full pipe: before the fix its first "B" failed the transaction at once.
  await sleep(300);
  assert.equal(child.exitCode, null, `the child is still waiting, not failed: ${stderr}`);
  let out = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => (out += d));
  child.stdout.resume();
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.match(stderr, /committed/);
  assert.ok(out.endsWith('B\nC\nB\nC\nB\nC\n'), `the trace lines follow the filler: …${JSON.stringify(out.slice(-24))}`);
});
