import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, isDhlError } from '../../src/crypto/index.ts';
import { headerJsonOf, parseTx, type TxHeader } from '../../src/ledger/index.ts';
import { sha256 } from '../../src/node/index.ts';
import { Actor } from '../helpers/ledger-fixture.ts';

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const header: fc.Arbitrary<TxHeader> = fc.record({
  v: fc.constant(1 as const),
  chain: hex(64),
  type: fc.stringMatching(/^[A-Z][A-Za-z]{1,39}$/),
  actor: fc.stringMatching(/^[a-z0-9._-]{3,32}$/),
  keyId: hex(64),
  alg: fc.constant('PS256' as const),
  nonce: hex(32),
  notAfter: fc.maxSafeNat(),
  time: fc.maxSafeNat(),
  bodyHash: hex(64),
}).map((h) => ({ ...h })); // a plain object, as JSON.parse makes

test("the header's fast JCS text equals the general canonicaliser's for any valid header", () => {
  fc.assert(fc.property(header, (h) => assert.equal(headerJsonOf(h), canonicalJson(h))), { numRuns: 500 });
});

test('a header number written as -0 is TX_MALFORMED naming the field, never a second text for one value', async () => {
  const tx = await new Actor('raj', 'ab'.repeat(32)).tx('SetListing', { recordId: 'cd'.repeat(16), listed: true });
  const text = JSON.stringify(tx).replace(/"time":\d+/, '"time":-0');
  assert.throws(() => parseTx(sha256, JSON.parse(text)), (e: unknown) => isDhlError(e, 'TX_MALFORMED') && e.details.field === 'header.time');
});

test('a signature that is not 512 base64url characters (384 bytes) is TX_MALFORMED naming sig, whatever its length', async () => {
  const tx = await new Actor('raj', 'ab'.repeat(32)).tx('SetListing', { recordId: 'cd'.repeat(16), listed: true });
  for (const sig of ['A', 'AAAAA', tx.sig.slice(0, -1), tx.sig.slice(0, -2), tx.sig + 'A', tx.sig + 'AAAA', tx.sig.slice(0, -4)]) {
    assert.throws(() => parseTx(sha256, { ...tx, sig }), (e: unknown) => isDhlError(e, 'TX_MALFORMED') && e.details.field === 'sig', `${sig.length} characters`);
  }
});

test('a body with a lone surrogate, in a value or a key, or nested beyond the bound is TX_MALFORMED naming the body', async () => {
  const raj = new Actor('raj', 'ab'.repeat(32));
  const tx = await raj.tx('SetListing', { recordId: 'cd'.repeat(16), listed: true });
  let deep: unknown = 1;
  for (let i = 0; i < 2000; i++) deep = [deep];
  for (const body of [{ title: '\ud800' }, { ['\udfff']: 1 }, { nested: deep }]) {
    assert.throws(() => parseTx(sha256, { ...tx, body }), (e: unknown) => isDhlError(e, 'TX_MALFORMED') && String(e.details.field).startsWith('body'));
  }
});
