/** DESIGN §1's scenario, through the contract alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { directory, mayRead, readState } from '../../src/contract/index.ts';
import { code, expectOk, standardWorld } from './builders.ts';

test('scenario: raj uploads and lists, meera requests, raj grants, meera reads, raj revokes, the next read is refused and ledgered', () => {
  const { w, meera, raj } = standardWorld();

  const fevers = w.addRecord(raj, 'raj', 'fevers');
  expectOk(fevers);
  expectOk(w.setListing(raj, fevers.recordId, true));

  const found = directory(w.state, 'meera', 'raj');
  assert.ok(found.ok);
  assert.deepEqual(found.entries.map((e) => [e.recordId, e.owner, e.listed]), [[fevers.recordId, 'raj', true]]);

  const request = expectOk(w.request(meera, 'raj', [fevers.recordId]));
  const requestId = request.tx.hash;
  assert.equal(readState.request(w.state, requestId)?.status, 'pending');

  expectOk(w.grant(raj, meera, [fevers.recordId], { requestId }));
  assert.equal(readState.request(w.state, requestId)?.status, 'granted');
  const decision = mayRead(w.state, 'meera', fevers.recordId, 1, w.time);
  assert.ok(decision.ok && decision.via === 'grant');

  assert.equal(code(w.read(meera, fevers.recordId)), 'OK');
  expectOk(w.revoke(raj, meera, undefined, true));
  const refused = w.read(meera, fevers.recordId);
  assert.equal(code(refused), 'READ_NOT_PERMITTED');
  // Ledgered: the refused read spent its nonce and nothing else.
  assert.deepEqual(refused.writes.map(([k]) => k), [`nonce/meera/${refused.tx.header.nonce}`]);
});
