/**
 * The browser upload benchmark's options and its place in `npm run bench`
 * (benchmarks are not run in CI: this checks what can go wrong before one
 * starts, and the profile summary's arithmetic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benches } from '../../bench/benches.ts';
import { parseArgs, profileBreakdown } from '../../bench/browser-upload.ts';

test('npm run bench -- browser-upload dispatches to the browser upload benchmark', async () => {
  assert.ok('browser-upload' in benches);
  const bench = await benches['browser-upload']!();
  assert.equal(bench.run, (await import('../../bench/browser-upload.ts')).run);
});

test('browser-upload defaults to 64 and 256 MiB, one run, no profile; --sizes-mib, --runs and --profile set them', () => {
  assert.deepEqual(parseArgs([]), { sizesMiB: [64, 256], runs: 1, profile: false });
  assert.deepEqual(parseArgs(['--sizes-mib', '8,32', '--runs', '3', '--profile']), { sizesMiB: [8, 32], runs: 3, profile: true });
  assert.deepEqual(parseArgs(['--profile', '--runs', '2']), { sizesMiB: [64, 256], runs: 2, profile: true });
});

test('browser-upload refuses an unknown option, a size that is not a positive number, and a run count that is not a whole positive number', () => {
  assert.throws(() => parseArgs(['--size', '64']), /unknown option --size/);
  assert.throws(() => parseArgs(['--sizes-mib', '64,x']), /--sizes-mib needs a comma-separated list of positive numbers/);
  assert.throws(() => parseArgs(['--sizes-mib', '0']), /positive numbers/);
  assert.throws(() => parseArgs(['--sizes-mib']), /positive numbers/);
  assert.throws(() => parseArgs(['--runs', '1.5']), /--runs needs a whole number/);
  assert.throws(() => parseArgs(['--runs', '-1']), /--runs needs a positive number/);
});

test("a CPU profile's self time is charged to the function and the script each sample landed on, largest first", () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('seal', 'http://127.0.0.1:1/assets/envelope-abc.js?v=1', 9) },
      { id: 4, callFrame: frame('send', 'http://127.0.0.1:1/assets/envelope-abc.js', 20) },
    ],
    // timeDeltas[i] is the interval before sample i: sample i's time is timeDeltas[i + 1].
    samples: [3, 2, 4, 3, 2],
    timeDeltas: [0, 3000, 1000, 2000, 3000, 5000],
  };
  const b = profileBreakdown(profile);
  assert.equal(b.totalMs, 14);
  assert.deepEqual(b.byFunction[0], { name: 'seal envelope-abc.js:10', ms: 6, share: 0.429 });
  assert.deepEqual(b.byScript, [
    { name: 'envelope-abc.js', ms: 8, share: 0.571 },
    { name: '(idle)', ms: 6, share: 0.429 },
  ]);
});
