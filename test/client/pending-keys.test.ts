import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError, keyId, openPendingKeys, sealPendingKeys } from '../../src/client/index.ts';
import { exportPkcs8, toBase64url } from '../../src/crypto/index.ts';
import { fixturePairs } from '../api/helpers.ts';

const WEAK = { allowWeakKdf: true, kdf: { memoryKiB: 64, iterations: 1, parallelism: 1 } };

test('pending keys are sealed under the passphrase only: no private key in the clear, no recovery slot; they open to the same, extractable pairs', async () => {
  const keys = await fixturePairs('raj');
  const vault = await sealPendingKeys('raj', keys, 'raj correct horse battery', 1, WEAK);
  const text = JSON.stringify(vault);
  for (const pair of [keys.enc, keys.sig]) assert.ok(!text.includes(toBase64url(await exportPkcs8(pair.privateKey)).slice(0, 64)), 'no PKCS#8 in the clear');
  assert.deepEqual(vault.slots.map((s) => s.kind), ['passphrase']);
  const opened = await openPendingKeys(vault, 'raj correct horse battery', WEAK);
  assert.equal(await keyId(opened.sig.publicKey), await keyId(keys.sig.publicKey));
  assert.equal(await keyId(opened.enc.publicKey), await keyId(keys.enc.publicKey));
  assert.equal(opened.sig.privateKey.extractable, true, 'registration seals them again into the vault the node keeps');
  await assert.rejects(openPendingKeys(vault, 'wrong passphrase here', WEAK), (e: unknown) => isDhlError(e, 'VAULT_OPEN_FAILED'));
});
