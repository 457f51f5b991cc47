import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromBase64url, fromHex, isDhlError, toHex, verifyBytes } from '../../src/crypto/index.ts';
import { isLoginSignatureValid, loginChallengeBytes, parseLoginChallenge, signLoginChallenge } from '../../src/ledger/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import type { LoginVectors } from '../vectors/login/build.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/login/login-vectors.json', import.meta.url), 'utf8')) as LoginVectors;

test('the login vectors: signed bytes are "dhl/login/v1\\n" ‖ JCS(challenge) and each signature verifies under raj\'s sig key', async () => {
  const key = await fixtureKey('raj', 'sig');
  assert.equal(vectors.signer.keyId, key.keyId);
  for (const v of vectors.challenges) {
    assert.equal(toHex(loginChallengeBytes(v.challenge)), v.signedBytesHex, v.name);
    assert.ok(await isLoginSignatureValid(v.challenge, v.sig, key.publicKey), v.name);
  }
  for (const v of vectors.negatives) assert.ok(!(await isLoginSignatureValid(v.challenge, v.sig, key.publicKey)), v.name);
});

test('a login signature is no transaction signature: the domain tags differ', async () => {
  const key = await fixtureKey('raj', 'sig');
  const v = vectors.challenges[0]!;
  const asTx = new TextEncoder().encode(`dhl/tx/v1\n${new TextDecoder().decode(fromHex(v.signedBytesHex)).split('\n')[1]}`);
  assert.equal(await verifyBytes(key.publicKey, fromBase64url(v.sig), asTx), false);
  const fresh = await signLoginChallenge(v.challenge, key.privateKey);
  assert.ok(await isLoginSignatureValid(v.challenge, fresh, key.publicKey));
});

test('a malformed challenge is LOGIN_CHALLENGE_MALFORMED naming the field; a malformed signature simply does not verify', async () => {
  const base = vectors.challenges[0]!.challenge;
  const cases: [unknown, string][] = [
    [null, '$'], [{ ...base, extra: 1 }, 'extra'], [{ ...base, origin: 'http://127.0.0.1:8480/' }, 'origin'], [{ ...base, origin: 'HTTP://X' }, 'origin'],
    [{ ...base, nonce: 'zz' }, 'nonce'], [{ ...base, notAfter: -1 }, 'notAfter'], [{ ...base, chain: 'AB'.repeat(32) }, 'chain'], [{ ...base, username: 'R' }, 'username'],
  ];
  for (const [value, field] of cases) {
    assert.throws(() => parseLoginChallenge(value), (e: unknown) => isDhlError(e, 'LOGIN_CHALLENGE_MALFORMED') && e.details.field === field, field);
  }
  const key = await fixtureKey('raj', 'sig');
  assert.equal(await isLoginSignatureValid(base, '!!', key.publicKey), false);
  assert.equal(await isLoginSignatureValid(base, '', key.publicKey), false);
});
