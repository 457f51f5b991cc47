/** src/client/rotation.ts: what storing a rotated vault refuses before the node hears of it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import type { ApiClient } from '../../src/client/api-client.ts';
import { storeRotatedVault } from '../../src/client/rotation.ts';

test("a rotated vault is stored only under a passphrase's proof: a recovery key's is PASSPHRASE_REQUIRED and nothing is sent (the node would keep it as the passphrase's verifier)", async () => {
  const sent: unknown[] = [];
  const api = { call: async (...args: unknown[]) => void sent.push(args) } as unknown as ApiClient;
  await assert.rejects(storeRotatedVault(api, { slot: 'recovery', authKey: 'ab'.repeat(32) }, {} as never), (err) => isDhlError(err, 'PASSPHRASE_REQUIRED'));
  assert.deepEqual(sent, []);
  await storeRotatedVault(api, { slot: 'passphrase', authKey: 'cd'.repeat(32) }, {} as never);
  assert.equal(sent.length, 1, 'a passphrase proof goes to the node');
});
