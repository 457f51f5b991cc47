import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError, utf8 } from '../../src/crypto/index.ts';
import { publicKeysOf } from '../../src/client/account.ts';
import { requestAccess } from '../../src/client/flows/access.ts';
import { approveRequest } from '../../src/client/flows/chart.ts';
import { submitOk } from '../../src/client/flows/context.ts';
import { provenKey } from '../../src/client/flows/ledger.ts';
import { uploadRecord } from '../../src/client/flows/records.ts';
import { fixturePairs } from '../api/helpers.ts';
import { startWorld } from './world.ts';

test('approve wraps for exactly the key the patient confirmed: after the doctor rotates and is enrolled again, the confirmed (old) key makes the contract refuse the grant, and nothing is wrapped for a key nobody saw', async (t) => {
  const w = await startWorld(t);
  const { ctx: raj, reads } = { ctx: w.raj.ctx, reads: w.raj.reads };
  const f = await uploadRecord(raj, { title: 'Fevers', mediaType: 'text/plain', fileName: 'fevers.txt', content: async function* () { yield utf8.encode('fever 39.2C\n'); }, contentSize: 12 });
  const req = await requestAccess(w.meera.ctx, { patient: 'raj', records: [f.recordId], purpose: 'follow-up', durationMs: 3_600_000 });
  const request = { requestId: req.requestId, doctor: 'meera', records: [f.recordId], durationMs: 3_600_000 };
  // What raj sees and confirms: meera's current enc key, proven, her doctor role vouching for it.
  const confirmed = await provenKey(raj, reads, 'meera', 'enc', { role: 'doctor' });

  // Meanwhile meera rotates, and an admin enrols her new keys: a new key, proven as well.
  const next = await publicKeysOf(await fixturePairs('kofi'));
  await submitOk(w.meera.ctx, 'RotateKeys', { ...next });
  await submitOk(w.ines.ctx, 'AssignRole', { username: 'meera', role: 'doctor', org: 'clinic', sigKeyId: next.sigKeyId, encKeyId: next.encKeyId });
  assert.equal((await provenKey(raj, reads, 'meera', 'enc', { role: 'doctor' })).keyId, next.encKeyId);

  await assert.rejects(approveRequest(raj, reads, request, { grantee: confirmed }), (err: unknown) => isDhlError(err, 'TX_REJECTED') && err.details.outcome === 'WRAP_UNEXPECTED_RECIPIENT', 'wrapped for the confirmed key only');
  assert.equal((await reads.grants({ direction: 'issued' })).items.length, 0, 'no grant');
  await assert.rejects(approveRequest(raj, reads, request, { grantee: { ...confirmed, username: 'omar' } }), (err: unknown) => isDhlError(err, 'KEY_NOT_PROVEN'), "another user's key is not this doctor's");

  // Confirming the new key (what the CLI and the page show once asked again) grants.
  const granted = await approveRequest(raj, reads, request, { grantee: await provenKey(raj, reads, 'meera', 'enc', { role: 'doctor' }) });
  assert.equal(granted.grantee.keyId, next.encKeyId);
  assert.equal(granted.outcome, 'OK');
});
