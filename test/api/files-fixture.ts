/** A record of raj's granted to meera on a fresh world, for the download tests. */
import type { TestContext } from 'node:test';
import { unwrapDek, wrapDek, type JsonValue } from '../../src/crypto/index.ts';
import { submitOk } from '../../src/client/flows/context.ts';
import { ledgerRecord, uploadBlob } from '../../src/client/flows/records.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { patterned, startWorld } from '../client/world.ts';

/** Raj's record of `size` bytes, granted to meera with her key; her read receipt ledgered. */
export async function grantedRecord(t: TestContext, size: number) {
  const w = await startWorld(t);
  const uploaded = await uploadBlob(w.raj.ctx, { title: 'Imaging', mediaType: 'application/dicom', fileName: 'ct.dcm', content: patterned(size, 11), contentSize: size });
  await ledgerRecord(w.raj.ctx, uploaded);
  const dek = await unwrapDek(uploaded.sealed.wrappedKeys[0]!, w.raj.ctx.me.enc.privateKey, w.chainId);
  const forMeera = await wrapDek(dek, w.meera.ctx.me.enc.publicKey, { chain: w.chainId, recordId: uploaded.recordId, version: 1 });
  await submitOk(w.raj.ctx, 'GrantAccess', { grantee: 'meera', expiresAt: Date.now() + 86_400_000, scopes: ['read'], keys: [forMeera as unknown as JsonValue] });
  return { w, uploaded, forMeera, authorSigKey: (await fixtureKey('raj', 'sig')).publicKey };
}

