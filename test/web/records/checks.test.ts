/** The verify page's checks (web/src/records/checks.ts): a failure marks its own check, the ones before it passed, the ones after it not reached. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientError } from '../../../src/client/errors.ts';
import { DhlError } from '../../../src/crypto/errors.ts';
import { CHECK_NAMES, checksOf, failedCheck, type Check } from '../../../web/src/records/checks.ts';

const IDS = Object.keys(CHECK_NAMES) as Check['id'][];
const proofFailed = (reason: string) => clientError('MANIFEST_NOT_PROVEN', { recordId: 'r', version: 1, reason });

test("each of verifyRecord's refusals belongs to the check that makes it", () => {
  const cases: [unknown, Check['id']][] = [
    [clientError('HEAD_INCONSISTENT', {}), 'head'],
    [new DhlError('HEAD_INVALID', 'x'), 'head'],
    [new DhlError('ATTESTATION_SIGNATURE_INVALID', 'x'), 'head'],
    [proofFailed('inclusion proof'), 'inclusion'],
    [proofFailed('the transaction was not accepted'), 'inclusion'],
    [proofFailed('the proof is not in the tree of the head'), 'inclusion'],
    [clientError('KEY_NOT_PROVEN', { username: 'raj', reason: 'no such key' }), 'author-key'],
    [proofFailed('manifest signature'), 'manifest-signature'],
    [proofFailed('another chain'), 'manifest-signature'],
    [proofFailed('the block does not hold the entry'), 'block'],
    [proofFailed('the block holds another transaction there'), 'block'],
    [proofFailed('the transaction does not add this version'), 'block'],
  ];
  for (const [err, id] of cases) assert.equal(failedCheck(err), id, String((err as Error).message));
});

test('all five pass, in the order they are made, when nothing failed', () => {
  const checks = checksOf({ head: 'h', inclusion: 'i', 'author-key': 'a', 'manifest-signature': 'm', block: 'b' });
  assert.deepEqual(checks.map((c) => c.id), IDS);
  assert.ok(checks.every((c) => c.state === 'passes'));
  assert.deepEqual(checks.map((c) => c.detail), ['h', 'i', 'a', 'm', 'b']);
});

test('a failure: the checks before it pass, it fails with its reason, the ones after it are not checked', () => {
  const checks = checksOf({}, { err: proofFailed('manifest signature') });
  assert.deepEqual(checks.map((c) => c.state), ['passes', 'passes', 'passes', 'fails', 'not checked']);
  assert.match(checks[3]!.detail, /\(manifest signature\)$/);
  assert.match(checks[4]!.detail, /not reached/);
});
