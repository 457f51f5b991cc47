import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { isDhlError, signManifest, type JsonValue, type Manifest } from '../../src/crypto/index.ts';
import { sealRecord, type SealedRecord } from '../../src/client/index.ts';
import { BlobStore, LedgerNode, verifyDataDir } from '../../src/node/index.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

const clock = { now: () => T0 + 1000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) };
const CONTENT = new TextEncoder().encode('2026-11-02 fever 39.2C, paracetamol 1 g.\n2026-11-03 fever 38.1C.\n');

interface Sealed extends SealedRecord {
  chunks: Uint8Array[];
}

async function seal(user: Actor, chain: string, options: { recordId?: string; version?: number; chunkSize?: number } = {}): Promise<Sealed> {
  const keys = await user.keys();
  const chunks: Uint8Array[] = [];
  const sealed = await sealRecord(
    {
      chain, patient: user.user, author: user.user, authorSig: { keyId: keys.sig.keyId, privateKey: keys.sig.privateKey }, readers: [keys.enc.publicKey],
      title: 'Fevers, November', mediaType: 'text/plain', fileName: 'fevers.txt', createdAt: T0, chunkSize: options.chunkSize ?? 64,
      ...(options.recordId ? { recordId: options.recordId } : {}), ...(options.version ? { version: options.version } : {}),
    },
    [CONTENT],
    (c) => void chunks.push(Uint8Array.from(c.bytes)),
  );
  return { ...sealed, chunks };
}

async function upload(node: LedgerNode, sealed: Sealed): Promise<void> {
  await node.putBlob({ cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes }, (async function* () {
    yield* sealed.chunks;
  })());
}

/** AddRecord of `sealed`, its manifest changed by `change` and signed again by the author (so only the blob check can object). */
async function addRecord(user: Actor, sealed: Sealed, change: Partial<Manifest> = {}) {
  const keys = await user.keys();
  const signed = Object.keys(change).length === 0 ? sealed.signedManifest : await signManifest({ ...sealed.signedManifest.manifest, ...change }, keys.sig.privateKey);
  return user.tx('AddRecord', {
    manifest: signed.manifest as unknown as JsonValue, manifestSig: signed.signature as unknown as JsonValue, wrappedKeys: sealed.wrappedKeys as unknown as JsonValue,
  });
}

async function openWithUsers(t: { after: (fn: () => void) => void }) {
  const dir = await testDataDir();
  t.after(() => rmSync(dir.dataDir, { recursive: true, force: true }));
  const node = await LedgerNode.open(dir.dataDir, { clock, ordering: { maxItems: 1, maxDelayMs: 0 } });
  const raj = new Actor('raj', dir.chainId);
  const admin = new Actor('admin', dir.chainId);
  for (const a of [admin, raj]) await node.submit(await a.register());
  return { ...dir, node, raj, admin };
}

test('AddRecord before its blob is uploaded is refused at the door and never ledgered; after the upload it is accepted and the data directory verifies', async (t) => {
  const { node, raj, chainId, dataDir } = await openWithUsers(t);
  try {
    const sealed = await seal(raj, chainId);
    const tx = await addRecord(raj, sealed);
    const before = node.head.treeSize;
    await assert.rejects(node.submit(tx), (e: unknown) => isDhlError(e, 'ADMISSION_BLOB_MISSING') && e.details.cipherRoot === sealed.summary.cipherRoot);
    assert.equal(node.head.treeSize, before, 'nothing ledgered');
    await upload(node, sealed);
    assert.equal((await node.submit(tx)).outcome, 'OK');
  } finally {
    await node.close();
  }
  const report = await verifyDataDir(dataDir);
  assert.equal(report.blobs?.stored, 1);
});

test("a manifest naming another record's blob, or a chain, recordId, version, chunkSize or size its stored header disagrees with, is refused naming the field", async (t) => {
  const { node, raj, admin, chainId } = await openWithUsers(t);
  try {
    const rajs = await seal(raj, chainId);
    await upload(node, rajs);
    assert.equal((await node.submit(await addRecord(raj, rajs))).outcome, 'OK');
    const mismatch = (field: string) => (e: unknown) => isDhlError(e, 'ADMISSION_BLOB_MISMATCH') && e.details.field === field;

    // Another user claims raj's blob under a record of their own.
    const adminKeys = await admin.keys();
    const claim = await seal(admin, chainId);
    await assert.rejects(
      node.submit(await addRecord(admin, claim, { cipherRoot: rajs.summary.cipherRoot, recordId: claim.signedManifest.manifest.recordId })),
      mismatch('recordId'),
    );
    assert.equal(adminKeys.sig.keyId, claim.signedManifest.manifest.authorKeyId);

    // raj's own second record, uploaded, with manifest fields that disagree with its blob.
    const second = await seal(raj, chainId);
    await upload(node, second);
    await assert.rejects(node.submit(await addRecord(raj, second, { chunkSize: 128 })), mismatch('chunkSize'));
    // More content than the chunks can hold beside the shortest file name (the name is sealed: only that range is known).
    await assert.rejects(node.submit(await addRecord(raj, second, { size: CONTENT.length + 'fevers.txt'.length + 1 })), mismatch('size'));
    await assert.rejects(node.submit(await addRecord(raj, second, { chain: 'ab'.repeat(32) })), mismatch('chain'));
    // A blob sealed as version 2 cannot be version 1 of a record.
    const v2 = await seal(raj, chainId, { version: 2 });
    await upload(node, v2);
    await assert.rejects(node.submit(await addRecord(raj, v2, { version: 1 })), mismatch('version'));
    // The honest manifest of the second record passes.
    assert.equal((await node.submit(await addRecord(raj, second))).outcome, 'OK');
  } finally {
    await node.close();
  }
});

test('a recorded upload whose file is gone, or differs from what was verified, is not complete: ADMISSION_BLOB_MISSING', async (t) => {
  const { node, raj, chainId } = await openWithUsers(t);
  try {
    const sealed = await seal(raj, chainId);
    await upload(node, sealed);
    rmSync(new BlobStore(node.dataDir).pathOf(sealed.summary.cipherRoot));
    await assert.rejects(node.submit(await addRecord(raj, sealed)), (e: unknown) => isDhlError(e, 'ADMISSION_BLOB_MISSING') && /file/.test(String(e.details.reason)));
    const other = await seal(raj, chainId);
    await upload(node, other);
    const { truncateSync } = await import('node:fs');
    truncateSync(new BlobStore(node.dataDir).pathOf(other.summary.cipherRoot), other.summary.storedSize - 1);
    await assert.rejects(node.submit(await addRecord(raj, other)), (e: unknown) => isDhlError(e, 'ADMISSION_BLOB_MISSING') && /differs/.test(String(e.details.reason)));
  } finally {
    await node.close();
  }
});
