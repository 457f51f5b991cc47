import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareUtf8, fromBase64url, fromHex, isDhlError, toBase64url, toHex } from '../../src/crypto/index.ts';

const refused = (fn: () => unknown) => assert.throws(fn, (e: unknown) => isDhlError(e, 'ARGUMENT_INVALID'));

test('base64url and hex round-trip any bytes and agree with Node\'s own encoders', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const b64 = toBase64url(bytes);
      assert.equal(b64, Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(fromBase64url(b64), bytes);
      assert.equal(toHex(bytes), Buffer.from(bytes).toString('hex'));
      assert.deepEqual(fromHex(toHex(bytes)), bytes);
    }),
    { numRuns: 300 },
  );
});

test('base64url refuses padding, foreign characters, impossible lengths and non-canonical trailing bits', () => {
  for (const text of ['AA==', 'AA=', 'A+B/', 'AB C', 'ABCDE', 'AB\u00e9C', 'AB\u0100C']) refused(() => fromBase64url(text));
  // "AB" is 0x00 plus 4 stray bits set to 0b0001: one value must have one text.
  refused(() => fromBase64url('AB'));
  assert.deepEqual(fromBase64url('AA'), new Uint8Array([0]));
  assert.deepEqual(fromBase64url(''), new Uint8Array([]));
});

test('hex refuses uppercase, odd lengths and foreign characters', () => {
  for (const text of ['AB', 'abc', '0g', ' 0', '0\u0100']) refused(() => fromHex(text));
  assert.deepEqual(fromHex('00ff7a'), new Uint8Array([0, 255, 0x7a]));
});

test('compareUtf8 orders strings as their UTF-8 bytes: any graphemes, and strings dense in astral and U+E000..U+FFFF characters', () => {
  const byBytes = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const grapheme = fc.string({ unit: 'grapheme' });
  fc.assert(fc.property(grapheme, grapheme, (a, b) => assert.equal(Math.sign(compareUtf8(a, b)), byBytes(a, b))), { numRuns: 2000 });
  const dense = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'z', '/', '\u00e9', '\uffee', '\ue000', '\u{1f600}', '\u{10348}'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 6 });
  fc.assert(fc.property(dense, dense, (a, b) => assert.equal(Math.sign(compareUtf8(a, b)), byBytes(a, b))), { numRuns: 3000 });
});
