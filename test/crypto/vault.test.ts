import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createVault, generateRecoveryKey, importGeneration, keyGeneration, newArgon2idParams, openVault, OpenedVault, passphraseKdf,
  passphraseSecrets, recoverySecrets, signBytes, verifyBytes, utf8, sealLocal, openLocal, type SealedVault,
} from '../../src/crypto/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { expectCode } from '../helpers/streams.ts';

// Cheap Argon2id parameters keep the suite fast; the product refuses them (tested below).
const CHEAP = { allowWeakKdf: true, kdf: newArgon2idParams({ memoryKiB: 1024, iterations: 1 }) };

async function rajKeys() {
  const [enc, sig] = await Promise.all([fixtureKey('raj', 'enc'), fixtureKey('raj', 'sig')]);
  return { enc: { publicKey: enc.publicKey, privateKey: enc.privateKey }, sig: { publicKey: sig.publicKey, privateKey: sig.privateKey } };
}

test('a vault opens with its passphrase and with its recovery key, to the same usable keys', async () => {
  const made = await createVault('raj', await rajKeys(), 'correct horse battery staple', 1795000000000, CHEAP);
  const byPass = await openVault(made.vault, await passphraseSecrets('correct horse battery staple', passphraseKdf(made.vault), CHEAP));
  const byRecovery = await openVault(made.vault, await recoverySecrets(made.recoveryKey.toLowerCase()));
  assert.deepEqual(byPass, byRecovery);
  const keys = await importGeneration(byPass.generations[0]!);
  assert.equal(keys.sig.keyId, (await fixtureKey('raj', 'sig')).keyId);
  const msg = utf8.encode('hello');
  assert.ok(await verifyBytes((await fixtureKey('raj', 'sig')).publicKey, await signBytes(keys.sig.privateKey, msg), msg));
  assert.notEqual(made.authKeys.passphrase, made.authKeys.recovery);
});

test('the auth key is deterministic for a passphrase and reveals nothing the slot key needs', async () => {
  const kdf = CHEAP.kdf;
  const a = await passphraseSecrets('pass phrase', kdf, CHEAP);
  const b = await passphraseSecrets('pass phrase', kdf, CHEAP);
  const c = await passphraseSecrets('pass phrase!', kdf, CHEAP);
  assert.equal(a.authKey, b.authKey);
  assert.notEqual(a.authKey, c.authKey);
  assert.match(a.authKey, /^[0-9a-f]{64}$/);
  assert.equal(a.slotKey.extractable, false);
});

test('a wrong passphrase, a wrong recovery key or an altered vault fails with VAULT_OPEN_FAILED', async () => {
  const made = await createVault('raj', await rajKeys(), 'right', 1, CHEAP);
  await expectCode(openVault(made.vault, await passphraseSecrets('wrong', CHEAP.kdf, CHEAP)), 'VAULT_OPEN_FAILED');
  await expectCode(openVault(made.vault, await recoverySecrets(generateRecoveryKey())), 'VAULT_OPEN_FAILED');
  const right = await passphraseSecrets('right', CHEAP.kdf, CHEAP);
  const swappedUser: SealedVault = { ...made.vault, username: 'meera' };
  await expectCode(openVault(swappedUser, right), 'VAULT_OPEN_FAILED');
  const weakerKdf: SealedVault = { ...made.vault, slots: made.vault.slots.map((s) => (s.kdf ? { ...s, kdf: { ...s.kdf, iterations: 2 } } : s)) };
  await expectCode(openVault(weakerKdf, right), 'VAULT_OPEN_FAILED');
  await expectCode(openVault({ ...made.vault, alg: 'XOR' } as unknown as SealedVault, right), 'ALG_UNKNOWN');
  await expectCode(openVault({ v: 9 } as unknown as SealedVault, right), 'VAULT_INVALID');
});

test('rotation appends a key generation and keeps history; both slots still open it', async () => {
  const made = await createVault('raj', await rajKeys(), 'pw', 1, CHEAP);
  const opened = await OpenedVault.open(made.vault, await passphraseSecrets('pw', CHEAP.kdf, CHEAP));
  const meera = { enc: await fixtureKey('meera', 'enc'), sig: await fixtureKey('meera', 'sig') };
  const next = await keyGeneration(meera as unknown as Parameters<typeof keyGeneration>[0], 2);
  const rotated = await opened.withGeneration(next);
  const contents = await openVault(rotated, await recoverySecrets(made.recoveryKey));
  assert.equal(contents.generations.length, 2);
  assert.equal(contents.generations[1]!.sig.keyId, meera.sig.keyId);
});

test('a passphrase change replaces its slot; the old passphrase no longer opens, the recovery key still does', async () => {
  const made = await createVault('raj', await rajKeys(), 'old', 1, CHEAP);
  const opened = await OpenedVault.open(made.vault, await recoverySecrets(made.recoveryKey));
  const kdf = newArgon2idParams({ memoryKiB: 1024, iterations: 1 });
  const changed = await opened.withSlot({ secrets: await passphraseSecrets('new', kdf, CHEAP), kdf });
  await openVault(changed, await passphraseSecrets('new', passphraseKdf(changed), CHEAP));
  await expectCode(openVault(changed, await passphraseSecrets('old', CHEAP.kdf, CHEAP)), 'VAULT_OPEN_FAILED');
  await openVault(changed, await recoverySecrets(made.recoveryKey));
});

test('product defaults are Argon2id 64 MiB, 3 passes; weaker parameters are refused unless a test opts in', async () => {
  const kdf = newArgon2idParams();
  assert.equal(kdf.memoryKiB, 65536);
  assert.equal(kdf.iterations, 3);
  await expectCode(passphraseSecrets('x', CHEAP.kdf), 'ARGUMENT_INVALID');
  await expectCode(passphraseSecrets('', CHEAP.kdf, CHEAP), 'ARGUMENT_INVALID');
  await expectCode(recoverySecrets('too-short'), 'ARGUMENT_INVALID');
});

test('recovery keys are 256 bits of Crockford base32 in groups of four', () => {
  const key = generateRecoveryKey();
  assert.match(key, /^([0-9A-HJKMNP-TV-Z]{4}-){12}[0-9A-HJKMNP-TV-Z]{4}$/);
  assert.notEqual(key, generateRecoveryKey());
});

test('local data sealed under a vault opens with the same vault opened by any slot, and with nothing else (another purpose, another vault, an altered byte)', async () => {
  const made = await createVault('raj', await rajKeys(), 'correct horse battery staple', 1795000000000, CHEAP);
  const other = await createVault('raj', await rajKeys(), 'correct horse battery staple', 1795000000000, CHEAP);
  const byPass = await OpenedVault.open(made.vault, await passphraseSecrets('correct horse battery staple', passphraseKdf(made.vault), CHEAP));
  const byRecovery = await OpenedVault.open(made.vault, await recoverySecrets(made.recoveryKey));
  const value = { uploadId: 'resume-canary-upload-7f3c9e', recordId: 'ab'.repeat(16), size: 5 };
  const sealed = await sealLocal(await byPass.localKey('upload-resume'), 'upload-resume', value);
  assert.ok(!JSON.stringify(sealed).includes('resume-canary'), 'the sealed value shows none of its plaintext');
  assert.deepEqual(await openLocal(await byRecovery.localKey('upload-resume'), 'upload-resume', sealed), value);
  await expectCode(openLocal(await byPass.localKey('other'), 'other', sealed), 'VAULT_OPEN_FAILED');
  await expectCode(openLocal(await byPass.localKey('upload-resume'), 'other', sealed), 'VAULT_OPEN_FAILED');
  const otherOpened = await OpenedVault.open(other.vault, await passphraseSecrets('correct horse battery staple', passphraseKdf(other.vault), CHEAP));
  await expectCode(openLocal(await otherOpened.localKey('upload-resume'), 'upload-resume', sealed), 'VAULT_OPEN_FAILED');
  const flipped = { ...sealed, sealed: `${sealed.sealed.slice(0, -2)}${sealed.sealed.endsWith('A') ? 'B' : 'A'}${sealed.sealed.slice(-1)}` };
  await expectCode(openLocal(await byPass.localKey('upload-resume'), 'upload-resume', flipped), 'VAULT_OPEN_FAILED');
  await expectCode(openLocal(await byPass.localKey('upload-resume'), 'upload-resume', { v: 2 } as never), 'VAULT_INVALID');
});
