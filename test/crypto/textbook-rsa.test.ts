/**
 * Why the report's textbook RSA is rejected (DESIGN §4): per-character `pow`
 * without padding is deterministic, so equal characters give equal ciphertexts
 * and the message falls to frequency analysis. Our OAEP wrap of the same input
 * twice gives different ciphertexts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, wrapDek } from '../../src/crypto/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}

// The report's scheme: small primes, a small public exponent, one character at a time.
const p = 61n;
const q = 53n;
const n = p * q;
const e = 17n;
const textbookEncrypt = (text: string) => [...text].map((ch) => modPow(BigInt(ch.codePointAt(0)!), e, n));

test('textbook RSA leaks: equal characters give equal ciphertexts, so the pattern of the message shows', () => {
  const cipher = textbookEncrypt('fever fever');
  assert.equal(cipher[1], cipher[3], "both 'e's of 'fever' encrypt alike");
  assert.deepEqual(cipher.slice(0, 5), cipher.slice(6, 11), 'a repeated word repeats its ciphertext');
  const distinctPlain = new Set('fever fever').size;
  assert.equal(new Set(cipher.map(String)).size, distinctPlain, 'ciphertext alphabet mirrors the plaintext alphabet');
});

test('RSA-OAEP as used here is randomised: the same key wrapped twice gives different ciphertexts', async () => {
  const meera = await fixtureKey('meera', 'enc');
  const ctx = { chain: 'aa'.repeat(32), recordId: 'bb'.repeat(16), version: 1 };
  const dek = fromHex('42'.repeat(32));
  const a = await wrapDek(dek, meera.publicKey, ctx);
  const b = await wrapDek(dek, meera.publicKey, ctx);
  assert.notEqual(a.wrappedDek, b.wrappedDek);
});
