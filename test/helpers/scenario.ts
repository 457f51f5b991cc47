/**
 * The DESIGN §1 scenario against a real node: admin, raj and meera register;
 * meera becomes a doctor; raj uploads and lists a record; meera requests,
 * raj grants, meera reads; raj revokes; meera's next read is refused.
 */
import { unwrapDek, wrapDek, type JsonValue } from '../../src/crypto/index.ts';
import { sealRecord } from '../../src/client/index.ts';
import type { LedgerNode, SubmitResult } from '../../src/node/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { Actor, T0 } from './ledger-fixture.ts';

export interface ScenarioResult {
  results: SubmitResult[];
  recordId: string;
  storedChunks: Uint8Array[];
  cipherRoot: string;
  chunkHashes: string[];
}

export async function runScenario(node: LedgerNode, chainId: string): Promise<ScenarioResult> {
  const admin = new Actor('admin', chainId);
  const raj = new Actor('raj', chainId);
  const meera = new Actor('meera', chainId);
  const results: SubmitResult[] = [];
  const submit = async (tx: unknown) => {
    const r = await node.submit(tx);
    results.push(r);
    return r;
  };
  for (const a of [admin, raj, meera]) await submit(await a.register());
  const meeraKeys = await meera.keys();
  await submit(await admin.tx('AssignRole', { username: 'meera', role: 'doctor', org: 'city-hospital', encKeyId: meeraKeys.enc.keyId, sigKeyId: meeraKeys.sig.keyId }));

  const rajKeys = await raj.keys();
  const storedChunks: Uint8Array[] = [];
  const sealed = await sealRecord(
    {
      chain: chainId, patient: 'raj', author: 'raj', authorSig: { keyId: rajKeys.sig.keyId, privateKey: rajKeys.sig.privateKey },
      readers: [rajKeys.enc.publicKey], title: 'Fevers, November', mediaType: 'text/plain', fileName: 'fevers.txt', createdAt: T0, chunkSize: 64,
    },
    [new TextEncoder().encode('2026-11-02 fever 39.2C, paracetamol 1 g.\n2026-11-03 fever 38.1C.\n')],
    (c) => void storedChunks.push(c.bytes),
  );
  const recordId = sealed.signedManifest.manifest.recordId;
  // Upload precedes AddRecord (DESIGN §8).
  await node.putBlob({ cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes }, (async function* () {
    yield* storedChunks;
  })());
  const add = await submit(
    await raj.tx('AddRecord', {
      manifest: sealed.signedManifest.manifest as unknown as JsonValue,
      manifestSig: sealed.signedManifest.signature as unknown as JsonValue,
      wrappedKeys: sealed.wrappedKeys as unknown as JsonValue,
    }),
  );
  if (add.outcome !== 'OK') throw new Error(`AddRecord: ${add.outcome}`);
  await submit(await raj.tx('SetListing', { recordId, listed: true }));
  const request = await submit(await meera.tx('RequestAccess', { patient: 'raj', records: [recordId], purpose: 'follow-up of fevers', durationMs: 86_400_000 }));

  const dek = await unwrapDek(sealed.wrappedKeys[0]!, (await fixtureKey('raj', 'enc')).privateKey, chainId);
  const forMeera = await wrapDek(dek, meeraKeys.enc.publicKey, { chain: chainId, recordId, version: 1 });
  const grant = await submit(
    await raj.tx('GrantAccess', { grantee: 'meera', requestId: request.txHash, expiresAt: T0 + 86_400_000, scopes: ['read'], keys: [forMeera as unknown as JsonValue] }),
  );
  if (grant.outcome !== 'OK') throw new Error(`GrantAccess: ${grant.outcome}`);
  const read = await submit(await meera.tx('RecordRead', { recordId, version: 1 }));
  if (read.outcome !== 'OK') throw new Error(`RecordRead: ${read.outcome}`);
  await submit(await raj.tx('RevokeAccess', { grantee: 'meera', recordIds: [recordId] }));
  const refused = await submit(await meera.tx('RecordRead', { recordId, version: 1 }));
  if (refused.outcome === 'OK') throw new Error('read after revoke was accepted');
  return { results, recordId, storedChunks, cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes };
}
