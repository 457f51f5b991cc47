import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../../src/crypto/index.ts';
import { revokeRole, roleHolder } from '../../../src/client/flows/roles.ts';
import { startWorld } from '../world.ts';

test('revokeRole with the confirmed key of the role revokes it (the role is inactive after); with another key, or the same key in another term, it is ROLE_CHANGED and nothing is signed', async (t) => {
  const w = await startWorld(t);
  const { ines, meera } = w;
  const holder = await roleHolder(ines.ctx, ines.reads, 'meera', 'doctor', 'clinic');
  assert.equal(holder?.sigKeyId, meera.ctx.me.sig.keyId, 'the role names the key meera signs with');
  assert.equal(holder.vouched, true);
  const size = (await ines.reads.head()).header.treeSize;
  await assert.rejects(
    revokeRole(ines.ctx, ines.reads, { username: 'meera', role: 'doctor', org: 'clinic' }, { sigKeyId: w.raj.ctx.me.sig.keyId }),
    (err: unknown) => isDhlError(err, 'ROLE_CHANGED') && err.details.reason === 'other keys',
  );
  // The same keys in another term than the one confirmed (its AssignRole in another block): not the role the admin saw.
  assert.equal(typeof holder.assignedAt, 'number');
  await assert.rejects(
    revokeRole(ines.ctx, ines.reads, { username: 'meera', role: 'doctor', org: 'clinic' }, { sigKeyId: holder.sigKeyId, assignedAt: holder.assignedAt! - 1 }),
    (err: unknown) => isDhlError(err, 'ROLE_CHANGED') && err.details.reason === 'assigned again',
  );
  assert.equal((await ines.reads.head()).header.treeSize, size, 'no transaction was submitted');
  const confirmed = { sigKeyId: holder.sigKeyId, assignedAt: holder.assignedAt! };
  const tx = await revokeRole(ines.ctx, ines.reads, { username: 'meera', role: 'doctor', org: 'clinic' }, confirmed);
  assert.equal(tx.outcome, 'OK');
  assert.equal(await roleHolder(ines.ctx, ines.reads, 'meera', 'doctor', 'clinic'), undefined, 'meera holds no doctor role now');
  await assert.rejects(
    revokeRole(ines.ctx, ines.reads, { username: 'meera', role: 'doctor', org: 'clinic' }, confirmed),
    (err: unknown) => isDhlError(err, 'ROLE_CHANGED') && err.details.reason === 'not held',
  );
});
