import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError, utf8 } from '../../src/crypto/index.ts';
import { deny, requestAccess, revoke, withdraw } from '../../src/client/flows/access.ts';
import {
  addVersion, approveRequest, auditTrail, contribute, directory, notifications, readFromLedger, requests, revokeAndRekeyFromLedger, setListing,
} from '../../src/client/flows/chart.ts';
import { uploadRecord } from '../../src/client/flows/records.ts';
import { verifyDataDir } from '../../src/node/index.ts';
import { patterned, startWorld } from './world.ts';

const MiB = 1024 * 1024;
const fevers = utf8.encode('2026-11-02 fever 39.2C, paracetamol 1 g.\n2026-11-03 fever 38.1C.\n');
const collect = () => {
  const parts: Uint8Array[] = [];
  return { sink: (c: Uint8Array) => void parts.push(Uint8Array.from(c)), bytes: () => Buffer.concat(parts) };
};

test('the DESIGN §1 scenario end to end through src/client over HTTP: upload, list, request, approve, verify, read, audit, revoke, refused read, revoke and re-key, contribute', async (t) => {
  const w = await startWorld(t);
  const { raj, meera } = w;

  // 2. Raj uploads fevers.txt and a multi-chunk imaging study; his client encrypts, the node stores ciphertext; he lists fevers.
  const f = await uploadRecord(raj.ctx, { title: 'Fevers, November', mediaType: 'text/plain', fileName: 'fevers.txt', content: () => [fevers], contentSize: fevers.length });
  const imagingSize = 3 * MiB + 17;
  const img = await uploadRecord(raj.ctx, { title: 'CT chest', mediaType: 'application/dicom', fileName: 'ct-chest.dcm', content: patterned(imagingSize), contentSize: imagingSize, chunkSize: 64 * 1024 });
  assert.ok(img.sealed.summary.chunkHashes.length > 40, 'the imaging study is many chunks');
  await setListing(raj.ctx, f.recordId, true);

  // 3. Meera finds raj's listed records (title, owner) and requests access with a purpose and a duration.
  const listed = await directory(meera.reads, 'raj');
  assert.deepEqual(listed.map((e) => [e.recordId, e.title, e.owner]), [[f.recordId, 'Fevers, November', 'raj']], 'only the listed record');
  const req = await requestAccess(meera.ctx, { patient: 'raj', records: [f.recordId], purpose: 'follow-up of fevers', durationMs: 86_400_000 });

  // 4. Raj sees it and approves: his client re-wraps for meera's key from the ledger; the fingerprint is shown.
  const incoming = await requests(raj.reads, { direction: 'incoming', status: 'pending' });
  assert.deepEqual(incoming.map((r) => [r.requestId, r.doctor, r.purpose]), [[req.requestId, 'meera', 'follow-up of fevers']]);
  const granted = await approveRequest(raj.ctx, raj.reads, incoming[0]!);
  assert.equal(granted.grantee.keyId, meera.ctx.me.enc.keyId);
  assert.match(granted.grantee.fingerprint, /^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);

  // 5. Meera verifies (manifest signature, inclusion proof, block hash), downloads and decrypts; her read is a transaction.
  const read = collect();
  const opened = await readFromLedger(meera.ctx, meera.reads, f.recordId, 1, read.sink);
  assert.deepEqual(new Uint8Array(read.bytes()), fevers);
  assert.equal(opened.opened.fileName, 'fevers.txt');
  assert.equal(opened.verified.manifest.title, 'Fevers, November');
  assert.equal(opened.verified.author.keyId, raj.ctx.me.sig.keyId);
  assert.match(opened.verified.blockHash, /^[0-9a-f]{64}$/);
  assert.equal(opened.receipt.outcome, 'OK');
  // The excerpt shown beside it: the first bytes of the first data chunk, past the header chunk (formats §4: u32be length, then the header).
  const pieces: Uint8Array[] = [];
  for await (const piece of meera.ctx.files.ciphertext(f.recordId, 1)) pieces.push(piece);
  const stored = Buffer.concat(pieces);
  const dataStart = 4 + stored.readUInt32BE(0);
  assert.deepEqual(opened.excerpt, new Uint8Array(stored.subarray(dataStart, dataStart + 48)));
  assert.equal(opened.excerpt.length, 48);

  // 6. Raj's audit shows meera's read under her grant; his notifications say the grant was used.
  const trail = await auditTrail(raj.reads, { record: f.recordId });
  const readEntry = trail.find((e) => e.tx.header.type === 'RecordRead' && e.tx.header.actor === 'meera');
  assert.equal(readEntry?.outcome, 'OK');
  assert.equal(readEntry?.grantId, granted.txHash);
  assert.ok((await notifications(raj.reads)).items.some((n) => n.kind === 'grant-used' && n.actor === 'meera'));

  // Raj revokes; meera's next read is refused, and the refusal is ledgered (in raj's audit).
  await revoke(raj.ctx, 'meera', [f.recordId]);
  await assert.rejects(readFromLedger(meera.ctx, meera.reads, f.recordId, 1, () => undefined), (err: unknown) => isDhlError(err, 'READ_REFUSED') || isDhlError(err, 'RESOURCE_NOT_FOUND'));
  const refused = (await auditTrail(raj.reads, { record: f.recordId })).find((e) => e.tx.header.type === 'RecordRead' && e.outcome !== 'OK');
  assert.ok(refused, 'the refused read is in the audit trail');

  // Revoke and re-key: a grant on the imaging study, then its new version is sealed for raj alone; meera cannot open it.
  const req2 = await requestAccess(meera.ctx, { patient: 'raj', records: [img.recordId], purpose: 'imaging review', durationMs: 86_400_000 });
  await approveRequest(raj.ctx, raj.reads, { ...req2, doctor: 'meera', records: [img.recordId], durationMs: 86_400_000 });
  const before = collect();
  await readFromLedger(meera.ctx, meera.reads, img.recordId, 1, before.sink);
  assert.equal(before.bytes().length, imagingSize);
  const rekeyed = await revokeAndRekeyFromLedger(raj.ctx, raj.reads, 'meera', img.recordId, {
    title: 'CT chest', mediaType: 'application/dicom', fileName: 'ct-chest.dcm', content: patterned(imagingSize), contentSize: imagingSize, chunkSize: 64 * 1024,
  });
  assert.equal(rekeyed.version.version, 2);
  assert.deepEqual(rekeyed.version.sealed.wrappedKeys.map((k) => k.keyId), [raj.ctx.me.enc.keyId], 'wrapped for raj only');
  await assert.rejects(readFromLedger(meera.ctx, meera.reads, img.recordId, 2, () => undefined), (err: unknown) => isDhlError(err) && ['RESOURCE_NOT_FOUND', 'READ_REFUSED'].includes(err.code));
  const own = collect();
  await readFromLedger(raj.ctx, raj.reads, img.recordId, 2, own.sink);
  assert.equal(own.bytes().length, imagingSize, 'raj reads his re-keyed version');

  // A contribution under a contribute grant: meera adds a record to raj's chart; raj reads it.
  const req3 = await requestAccess(meera.ctx, { patient: 'raj', records: 'all', purpose: 'add the discharge letter', durationMs: 86_400_000 });
  await approveRequest(raj.ctx, raj.reads, { ...req3, doctor: 'meera', records: 'all', durationMs: 86_400_000 }, { scopes: ['contribute'] });
  const letter = utf8.encode('Discharge: fevers resolved.\n');
  const added = await contribute(meera.ctx, meera.reads, 'raj', { title: 'Discharge letter', mediaType: 'text/plain', fileName: 'discharge.txt', content: () => [letter], contentSize: letter.length });
  assert.equal(added.result.outcome, 'OK');
  const got = collect();
  await readFromLedger(raj.ctx, raj.reads, added.recordId, 1, got.sink);
  assert.deepEqual(new Uint8Array(got.bytes()), letter);

  // Raj adds a version of fevers: no one stands on it any more, so it is raj's alone; a pending request is withdrawn.
  const v2 = await addVersion(raj.ctx, raj.reads, f.recordId, { title: 'Fevers, November', mediaType: 'text/plain', fileName: 'fevers.txt', content: () => [fevers], contentSize: fevers.length });
  assert.equal(v2.result.outcome, 'OK');
  const pending = await requestAccess(meera.ctx, { patient: 'raj', records: [f.recordId], purpose: 'again', durationMs: 3_600_000 });
  await withdraw(meera.ctx, { requestId: pending.requestId, patient: 'raj', doctor: 'meera' });
  assert.equal((await requests(meera.reads, { direction: 'outgoing', status: 'withdrawn' })).length, 1);
  // And one raj denies.
  const unwanted = await requestAccess(meera.ctx, { patient: 'raj', records: [f.recordId], purpose: 'research', durationMs: 3_600_000 });
  await deny(raj.ctx, { requestId: unwanted.requestId, patient: 'raj', doctor: 'meera' });
  assert.deepEqual((await requests(raj.reads, { direction: 'incoming', status: 'denied' })).map((r) => r.requestId), [unwanted.requestId]);

  // Anyone with the chain can verify it offline.
  await w.n.node.close();
  const report = await verifyDataDir(w.n.dataDir);
  assert.ok(report.blocks > 10);
});
