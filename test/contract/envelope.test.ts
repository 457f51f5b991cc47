/** Rules every transaction meets before its type's rule: chain, time window, replay nonce, type, actor key, body shape. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { apply, isRejectCode, KEY, MemoryStateView, PRECHECKED, TX_TYPES, type ContractTx } from '../../src/contract/index.ts';
import type { ParsedTx } from '../../src/ledger/index.ts';
import { PARAMS, code, expectOk, hex32, standardWorld } from './builders.ts';

test('notAfter is accepted from the block time up to block time + notAfterWindowMs, both edges included', () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: true }, { notAfter: w.time })), 'OK');
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: true }, { notAfter: w.time + PARAMS.notAfterWindowMs })), 'OK');
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: true }, { notAfter: w.time - 1 })), 'TX_EXPIRED');
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: true }, { notAfter: w.time + PARAMS.notAfterWindowMs + 1 })), 'NOT_AFTER_TOO_FAR');
});

test("expiry is judged by block time, never by the client's header.time", () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  // A client clock years off changes nothing.
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: true }, { time: 0 })), 'OK');
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: true }, { time: w.time + 10 ** 11 })), 'OK');
  // The same transaction applied once the block time passed its notAfter is refused.
  const tx = w.tx(raj, 'SetListing', { recordId, listed: false }, { notAfter: w.time + 1000, time: w.time });
  w.advance(1001);
  assert.equal(code(w.submit(tx)), 'TX_EXPIRED');
});

test('an (actor, nonce) pair is refused while remembered, whatever the type or hash, and writes nothing', () => {
  const { w, raj, sara } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const first = expectOk(w.setListing(raj, recordId));
  const nonce = first.tx.header.nonce;
  assert.equal(w.get(KEY.nonce('raj', nonce)), first.tx.header.notAfter, 'the nonce is stored with its notAfter');
  const replay = w.send(raj, 'RecordRead', { recordId, version: 1 }, { nonce });
  assert.equal(code(replay), 'NONCE_REPLAYED');
  assert.deepEqual(replay.writes, []);
  // Another actor's nonce space is separate.
  assert.equal(code(w.send(sara, 'RecordRead', { recordId, version: 1 }, { nonce })), 'READ_NOT_PERMITTED');
});

test('a nonce may be used again once the block time has passed the notAfter it was remembered until', () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const first = expectOk(w.setListing(raj, recordId));
  w.advance(first.tx.header.notAfter - w.time + 1);
  assert.equal(code(w.send(raj, 'SetListing', { recordId, listed: false }, { nonce: first.tx.header.nonce })), 'OK');
});

test('two transactions with one nonce in the same block: the second is a replay (the overlay sees the first)', () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const a = w.tx(raj, 'SetListing', { recordId, listed: true });
  const b = w.tx(raj, 'SetListing', { recordId, listed: false }, { nonce: a.header.nonce });
  assert.deepEqual(w.submitBlock([a, b]).map(code), ['OK', 'NONCE_REPLAYED']);
});

test('a rejected transaction still spends its nonce, so it can never be accepted later', () => {
  const { w, raj, meera } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const read = w.tx(meera, 'RecordRead', { recordId, version: 1 });
  assert.equal(code(w.submit(read)), 'READ_NOT_PERMITTED');
  expectOk(w.grant(raj, meera, [recordId]));
  assert.equal(code(w.submit({ ...read, hash: 'ab'.repeat(32) })), 'NONCE_REPLAYED');
});

test('deny by default: an unknown type is TYPE_UNKNOWN, the reserved EmergencyAccess and EraseRecord are TYPE_NOT_SUPPORTED', () => {
  const { w, raj } = standardWorld();
  assert.equal(code(w.send(raj, 'Frobnicate', {})), 'TYPE_UNKNOWN');
  assert.equal(code(w.send(raj, 'toString', {})), 'TYPE_UNKNOWN', 'no prototype lookups');
  assert.equal(code(w.send(raj, 'EmergencyAccess', { recordId: hex32('x') })), 'TYPE_NOT_SUPPORTED');
  assert.equal(code(w.send(raj, 'EraseRecord', { recordId: hex32('x') })), 'TYPE_NOT_SUPPORTED');
});

test("header.keyId must be the actor's current sig key: not a rotated-out key, not the enc key, not another user's", () => {
  const { w, raj, sara } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const body = { recordId, listed: true };
  assert.equal(code(w.send(raj, 'SetListing', body, { keyId: raj.encKeyId })), 'KEY_NOT_CURRENT');
  assert.equal(code(w.send(raj, 'SetListing', body, { keyId: sara.sigKeyId })), 'KEY_NOT_CURRENT');
  const old = raj.sigKeyId;
  expectOk(w.rotate(raj));
  assert.equal(code(w.send(raj, 'SetListing', body, { keyId: old })), 'KEY_NOT_CURRENT');
  assert.equal(code(w.send(raj, 'SetListing', body)), 'OK');
});

test('a body with a missing, extra or mistyped field is BODY_INVALID and names the field', () => {
  const { w, raj } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'r'));
  const cases: [unknown, string][] = [
    [{ recordId }, 'body.listed'],
    [{ recordId, listed: true, extra: 1 }, 'body.extra'],
    [{ recordId: recordId.toUpperCase(), listed: true }, 'recordId'],
    [[recordId, true], 'body'],
    [null, 'body'],
    [JSON.parse(`{"recordId":"${recordId}","listed":true,"__proto__":{}}`), 'body.__proto__'],
  ];
  for (const [body, field] of cases) {
    const result = w.send(raj, 'SetListing', body);
    assert.deepEqual(result.outcome, { ok: false, code: 'BODY_INVALID', field });
  }
});

test('apply never throws on hostile transactions: any header or body gives a registered code and at most the nonce write', () => {
  const { w } = standardWorld();
  const header = fc.record({
    v: fc.oneof(fc.constant(1), fc.anything()),
    chain: fc.oneof(fc.constant('c0'.repeat(32)), fc.string()),
    type: fc.oneof(fc.constantFrom(...Object.values(TX_TYPES), '__proto__', 'constructor'), fc.string()),
    actor: fc.oneof(fc.constantFrom('raj', 'meera', 'adam'), fc.string()),
    keyId: fc.oneof(fc.constant(w.encKeyOf('raj')), fc.string()),
    alg: fc.anything(),
    nonce: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }), fc.anything()),
    notAfter: fc.oneof(fc.constant(w.time + 1), fc.integer(), fc.double()),
    time: fc.oneof(fc.nat(), fc.anything()),
    bodyHash: fc.oneof(fc.constant('00'.repeat(32)), fc.anything()),
  }, { requiredKeys: [] });
  const tx = fc.record({ hash: fc.oneof(fc.constant('11'.repeat(32)), fc.anything()), header: fc.oneof(header, fc.anything()), body: fc.anything() }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(tx, fc.anything()), (hostile) => {
      const result = apply(w.state, hostile as never, w.context());
      assert.equal(result.outcome.ok, false);
      assert.ok(!result.outcome.ok && isRejectCode(result.outcome.code));
      assert.ok(result.writes.length <= 1);
    }),
    { numRuns: 500 },
  );
});

test('apply throws a TypeError or RangeError for a malformed block context (a caller bug, not a transaction outcome)', () => {
  const { w, raj } = standardWorld();
  const tx = w.tx(raj, 'SetListing', {});
  assert.throws(() => apply(w.state, tx, { ...w.context(), chain: 'x' }), TypeError);
  assert.throws(() => apply(w.state, tx, { ...w.context(), time: -1 }), RangeError);
  assert.throws(() => apply(w.state, tx, { ...w.context(), params: { ...w.context().params, notAfterWindowMs: 1.5 } }), RangeError);
  assert.throws(() => apply(w.state, tx, { ...w.context(), params: { notAfterWindowMs: 1, chunkSizeMax: 1 } as never }), RangeError);
});

test('apply does not modify the view it is given: all changes come back as writes', () => {
  const { w, raj } = standardWorld();
  const before = w.state.entries();
  apply(w.state, w.tx(raj, 'AddRecord', w.recordBody(raj, 'raj', hex32('x'), 1)), w.context());
  assert.deepEqual(w.state.entries(), before);
});

test('PRECHECKED lists what the caller verifies before apply (signature, bodyHash, SPKI→keyId, manifest signature)', () => {
  assert.ok(Object.isFrozen(PRECHECKED));
  for (const word of ['signature', 'bodyHash', 'SPKI', 'manifestSig']) assert.ok(PRECHECKED.some((line) => line.includes(word)), word);
  assert.ok(new MemoryStateView() instanceof MemoryStateView);
});

test("the ledger's ParsedTx fits ContractTx as is (a drift between the two fails the typecheck)", () => {
  const fits = (tx: ParsedTx): ContractTx => tx;
  assert.equal(typeof fits, 'function');
});

test('a transaction without a body (withheld) cannot be decided: BODY_INVALID', () => {
  const { w, raj } = standardWorld();
  const { body: _withheld, ...tx } = w.tx(raj, 'SetListing', {});
  assert.equal(code(w.submit(tx)), 'BODY_INVALID');
});
