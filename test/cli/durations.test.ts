import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { durationArg } from '../../src/cli/commands/access.ts';
import { duration, durationShort } from '../../src/cli/format.ts';

const H = 3_600_000;

test('--duration and --expires take days, hours or minutes with their unit; a bare number is refused with the units it could mean', () => {
  assert.equal(durationArg('30d'), 30 * 24 * H);
  assert.equal(durationArg('12h'), 12 * H);
  assert.equal(durationArg('90m'), 90 * 60_000);
  assert.throws(() => durationArg('30'), (err: unknown) => err instanceof InvalidArgumentError && /needs its unit: 30d, 30h or 30m/.test(err.message));
  for (const bad of ['0d', '-1d', '1w', '1.5d', 'd', '']) assert.throws(() => durationArg(bad), InvalidArgumentError, bad);
});

test('a duration reads as a person says it, and less than a day is never "0 days"', () => {
  assert.equal(duration(30 * 24 * H), '30 days');
  assert.equal(duration(24 * H), '1 day');
  assert.equal(duration(36 * H), '1.5 days');
  assert.equal(duration(2 * H), '2 hours');
  assert.equal(duration(90 * 60_000), '90 minutes');
  assert.equal(duration(1_000), '1 minute');
  assert.deepEqual([30 * 24 * H, 36 * H, 2 * H, 90 * 60_000].map(durationShort), ['30d', '36h', '2h', '90m']);
});
