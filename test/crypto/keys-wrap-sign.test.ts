import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import {
  decodePem, exportJwk, exportPem, exportSpki, fingerprint, fromBase64url, fromHex, generateKeyPair, importJwk, importPem, importSpki,
  keyId, manifestSigningBytes, parseManifest, signManifest, toHex, unwrapDek, verifyManifest, wrapDek, wrapLabel, utf8, signDetached,
  assertDetached,
} from '../../src/crypto/index.ts';
import type { CryptoVectors } from '../vectors/crypto/build.ts';
import { fixtureKey, type FixtureUser } from '../fixtures/keys.ts';
import { expectCode } from '../helpers/streams.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/crypto/crypto-vectors.json', import.meta.url), 'utf8')) as CryptoVectors;
const fixture = (name: string) => {
  const [user, use] = name.split('.') as [FixtureUser, 'enc' | 'sig'];
  return fixtureKey(user, use);
};

test('a key id is the lowercase hex SHA-256 of the SPKI bytes', async () => {
  const raj = await fixtureKey('raj', 'sig');
  const spki = await exportSpki(raj.publicKey);
  assert.equal(raj.keyId, createHash('sha256').update(spki).digest('hex'));
  assert.deepEqual(spki, decodePem('public', raj.publicPem));
});

test('fingerprints are ten groups of four upper-case hex digits of the key id', async () => {
  const raj = await fixtureKey('raj', 'enc');
  const fp = fingerprint(raj.keyId);
  assert.match(fp, /^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
  assert.equal(fp.replace(/ /g, '').toLowerCase(), raj.keyId.slice(0, 40));
  assert.throws(() => fingerprint('xyz'), { code: 'ARGUMENT_INVALID' });
});

test('JWK and PEM export then import give the same key id, public and private', async () => {
  for (const name of ['raj.enc', 'meera.sig']) {
    const k = await fixture(name);
    const use = name.endsWith('enc') ? 'enc' : 'sig';
    assert.equal(await keyId(await importJwk(use, await exportJwk(k.publicKey))), k.keyId);
    assert.equal(await keyId(await importPem(use, await exportPem(k.publicKey))), k.keyId);
    const privateJwk = await exportJwk(await importPem(use, k.privatePem));
    const privateAgain = await importJwk(use, privateJwk);
    assert.equal(privateAgain.type, 'private');
  }
});

test('a freshly generated key pair is RSA 3072 with e = 65537 and round-trips through SPKI', async () => {
  const pair = await generateKeyPair('sig');
  const alg = pair.publicKey.algorithm as RsaHashedKeyAlgorithm;
  assert.equal(alg.modulusLength, 3072);
  assert.equal(toHex(alg.publicExponent), '010001');
  assert.equal(await keyId(await importSpki('sig', await exportSpki(pair.publicKey))), await keyId(pair.publicKey));
});

test('importing a key for the wrong use, size or format is KEY_INVALID', async () => {
  const rajEnc = await fixtureKey('raj', 'enc');
  const spki = decodePem('public', rajEnc.publicPem);
  // RSA-PSS import of an OAEP SPKI succeeds in WebCrypto (same RSA key), so the use is bound by the key id registry;
  // a non-key or a 2048-bit key must still be refused.
  await expectCode(importSpki('enc', spki.subarray(0, 100)), 'KEY_INVALID');
  const small = await globalThis.crypto.subtle.generateKey(
    { name: 'RSA-OAEP', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['encrypt', 'decrypt'],
  );
  await expectCode(importSpki('enc', new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', small.publicKey))), 'KEY_INVALID');
  await expectCode(importPem('enc', 'not a pem'), 'KEY_INVALID');
  await expectCode(importJwk('sig', { kty: 'EC' } as JsonWebKey), 'KEY_INVALID');
});

test('vector wraps unwrap to the vector DEK with the recipient key, and their OAEP labels match', async () => {
  for (const w of vectors.wraps) {
    const recipient = await fixture(w.recipient);
    assert.equal(toHex(wrapLabel(w, recipient.keyId)), w.labelHex);
    assert.equal(w.wrapped.keyId, recipient.keyId);
    assert.equal(toHex(await unwrapDek(w.wrapped, recipient.privateKey, w.chain)), w.dekHex);
  }
});

test('a wrapped key replayed into another record, version or chain, or opened by another key, fails typed', async () => {
  for (const n of vectors.wrapNegatives) {
    const recipient = await fixture(n.recipient);
    await expectCode(unwrapDek(n.wrapped, recipient.privateKey, n.chain), n.expectedCode);
  }
});

test('wrap then unwrap round-trips and the label binds the recipient key id', async () => {
  const meera = await fixtureKey('meera', 'enc');
  const dek = fromHex('11'.repeat(32));
  const ctx = { chain: vectors.chain, recordId: 'cd'.repeat(16), version: 3 };
  const wrapped = await wrapDek(dek, meera.publicKey, ctx);
  assert.equal(wrapped.keyId, meera.keyId);
  assert.deepEqual(await unwrapDek(wrapped, meera.privateKey, ctx.chain), dek);
  await expectCode(unwrapDek({ ...wrapped, keyId: 'ee'.repeat(32) }, meera.privateKey, ctx.chain), 'UNWRAP_FAILED');
  const tampered = fromBase64url(wrapped.wrappedDek);
  tampered[10]! ^= 1;
  const { toBase64url } = await import('../../src/crypto/index.ts');
  await expectCode(unwrapDek({ ...wrapped, wrappedDek: toBase64url(tampered) }, meera.privateKey, ctx.chain), 'UNWRAP_FAILED');
  await expectCode(wrapDek(new Uint8Array(31), meera.publicKey, ctx), 'ARGUMENT_INVALID');
});

test('the vector manifest verifies, its signing bytes are tag + JCS, and any change breaks it', async () => {
  const m = vectors.manifests[0]!;
  const raj = await fixture(m.signer);
  assert.equal(toHex(manifestSigningBytes(m.signed.manifest)), m.signingBytesHex);
  assert.ok(utf8.decode(fromHex(m.signingBytesHex)).startsWith('dhl/manifest/v1\n{"author":"raj"'));
  await verifyManifest(m.signed, raj.publicKey);
  await expectCode(verifyManifest({ ...m.signed, manifest: { ...m.signed.manifest, title: 'Other' } }, raj.publicKey), 'SIGNATURE_INVALID');
  await expectCode(verifyManifest(m.signed, (await fixtureKey('meera', 'sig')).publicKey), 'KEY_ID_MISMATCH');
  await expectCode(verifyManifest({ ...m.signed, signature: { ...m.signed.signature, alg: 'RS256' as 'PS256' } }, raj.publicKey), 'ALG_UNKNOWN');
});

test('signing a manifest and verifying it round-trips; malformed manifests name their field', async () => {
  const raj = await fixtureKey('raj', 'sig');
  const base = vectors.manifests[0]!.signed.manifest;
  const signed = await signManifest({ ...base, version: 2 }, raj.privateKey);
  assert.equal((await verifyManifest(signed, raj.publicKey)).version, 2);
  const cases: [string, unknown][] = [
    ['patient', { ...base, patient: 'Raj' }],
    ['size', { ...base, size: -1 }],
    ['chunkSize', { ...base, chunkSize: 1000 }],
    ['createdAt', { ...base, createdAt: 1.5 }],
    ['extra', { ...base, extra: 1 }],
    ['cipherRoot', { ...base, cipherRoot: undefined }],
  ];
  for (const [field, value] of cases) {
    assert.throws(() => parseManifest(value), (e: { code: string; details: { field: string } }) => e.code === 'MANIFEST_INVALID' && e.details.field === field);
  }
});

test('detached signatures: PS256 with salt 32 verifies, any flipped bit fails', async () => {
  const raj = await fixtureKey('raj', 'sig');
  const bytes = utf8.encode('dhl/tx/v1\n{"x":1}');
  const sig = await signDetached(raj.privateKey, raj.keyId, bytes);
  await assertDetached(raj.publicKey, sig, bytes, 'test');
  // Cross-check the salt length with node:crypto's own RSA-PSS verifier.
  const { createPublicKey, verify, constants } = await import('node:crypto');
  assert.ok(
    verify('sha256', bytes, { key: createPublicKey(raj.publicPem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, fromBase64url(sig.sig)),
  );
  const flipped = Uint8Array.from(bytes);
  flipped[3]! ^= 1;
  await expectCode(assertDetached(raj.publicKey, sig, flipped, 'test'), 'SIGNATURE_INVALID');
  await expectCode(assertDetached(raj.publicKey, { ...sig, sig: '!!' }, bytes, 'test'), 'SIGNATURE_INVALID');
});
