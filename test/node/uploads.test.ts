import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, openSync, readdirSync, statSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { isDhlError, type JsonValue } from '../../src/crypto/index.ts';
import { sealRecord } from '../../src/client/index.ts';
import { AccountStore, BlobStore, LedgerNode, verifyDataDir } from '../../src/node/index.ts';
import { Uploads } from '../../src/node/uploads.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';
import { removeTempDir } from '../helpers/temp.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const HOUR = 3_600_000;

/** Block time is the test's; batch timers fire at once unless `hold` keeps the batch open until flush(). */
function manualClock(start = T0 + 1000, hold = false) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => (now += ms),
    setTimeout: (fn: () => void) => (hold ? undefined : setImmediate(fn)),
    clearTimeout: (h: unknown) => h && clearImmediate(h as NodeJS.Immediate),
  };
}

async function openNode(t: TestContext, o: { quotaBytes?: number; hold?: boolean; pinGraceMs?: number; dir?: Awaited<ReturnType<typeof testDataDir>> } = {}) {
  const dir = o.dir ?? (await testDataDir());
  const clock = manualClock(T0 + 1000, o.hold);
  const accounts = AccountStore.open(dir.dataDir);
  const node = await LedgerNode.open(dir.dataDir, {
    clock, ordering: { maxItems: 50, maxDelayMs: 1 },
    uploads: { rows: accounts.uploads, limits: { quotaBytes: o.quotaBytes ?? 2 ** 24, incompleteTtlMs: HOUR, orphanTtlMs: 2 * HOUR, pinGraceMs: o.pinGraceMs ?? HOUR } },
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await node.close();
    accounts.close();
  };
  t.after(close);
  if (!o.dir) t.after(() => removeTempDir(dir.dataDir));
  return { ...dir, node, clock, accounts, uploads: node.uploads!, close };
}

/** A sealed record of raj's: its stored chunks (header first), manifest and wraps. */
async function sealed(chainId: string, contentBytes: number, chunkSize = 64) {
  const raj = new Actor('raj', chainId);
  const keys = await raj.keys();
  const chunks: Uint8Array[] = [];
  const content = new Uint8Array(contentBytes).map((_, i) => i % 251);
  const record = await sealRecord(
    {
      chain: chainId, patient: 'raj', author: 'raj', authorSig: { keyId: keys.sig.keyId, privateKey: keys.sig.privateKey }, readers: [keys.enc.publicKey],
      title: 'Scan', mediaType: 'application/octet-stream', fileName: 'scan.bin', createdAt: T0, chunkSize,
    },
    [content],
    (c) => void chunks.push(Uint8Array.from(c.bytes)),
  );
  const storedSize = chunks.reduce((n, c) => n + c.length, 0);
  const addRecord = (notAfter = T0 + 3 * HOUR) =>
    raj.tx('AddRecord', {
      manifest: record.signedManifest.manifest as unknown as JsonValue,
      manifestSig: record.signedManifest.signature as unknown as JsonValue,
      wrappedKeys: record.wrappedKeys as unknown as JsonValue,
    }, { notAfter });
  return { chunks, storedSize, cipherRoot: record.summary.cipherRoot, raj, addRecord, recordId: record.signedManifest.manifest.recordId };
}

const code = (c: string) => (err: unknown) => isDhlError(err, c);

/** Waits until the node has admitted `n` transactions not yet in a block (they are then in the orderer's open batch). */
async function admitted(node: LedgerNode, n: number): Promise<void> {
  while (node.inFlight < n) await new Promise((r) => setImmediate(r));
}

test('a chunk whose bytes do not match its digest is refused and nothing of it is stored', async (t) => {
  const { node, uploads, dataDir, chainId } = await openNode(t);
  const blob = await sealed(chainId, 300);
  const up = await uploads.create('raj', blob.storedSize);
  const flipped = Uint8Array.from(blob.chunks[0]!);
  flipped[10]! ^= 1;
  await assert.rejects(uploads.putChunk('raj', up.uploadId, 0, flipped, sha(blob.chunks[0]!)), code('UPLOAD_CHUNK_DIGEST_MISMATCH'));
  assert.deepEqual((await uploads.status('raj', up.uploadId)).chunks, []);
  const staged = join(dataDir, 'blobs', 'uploads', up.uploadId);
  assert.equal(statSync(staged).size, 0, 'no byte of the refused chunk was written');
  assert.equal(statSync(`${staged}.chunks`).size, 0, 'nothing journalled');
  // A data chunk before the header, a chunk of the wrong size, another user: each its own refusal.
  await assert.rejects(uploads.putChunk('raj', up.uploadId, 1, blob.chunks[1]!, sha(blob.chunks[1]!)), code('UPLOAD_CHUNK_OUT_OF_ORDER'));
  await uploads.putChunk('raj', up.uploadId, 0, blob.chunks[0]!, sha(blob.chunks[0]!));
  const cut = blob.chunks[1]!.subarray(0, 40);
  await assert.rejects(uploads.putChunk('raj', up.uploadId, 1, new Uint8Array(90), sha(new Uint8Array(90))), code('UPLOAD_CHUNK_INVALID'));
  await uploads.putChunk('raj', up.uploadId, 2, cut, sha(cut));
  await assert.rejects(uploads.putChunk('raj', up.uploadId, 3, blob.chunks[3]!, sha(blob.chunks[3]!)), code('UPLOAD_CHUNK_OUT_OF_ORDER'), 'nothing after a short (last) chunk');
  await assert.rejects(uploads.status('meera', up.uploadId), code('UPLOAD_NOT_FOUND'), "another user's upload looks absent");
  const notHeader = new Uint8Array(64);
  const other = await uploads.create('raj', 1000);
  await assert.rejects(uploads.putChunk('raj', other.uploadId, 0, notHeader, sha(notHeader)), code('UPLOAD_CHUNK_INVALID'));
  assert.equal(node.reads.isRegistered('raj'), false);
});

test('an upload in any chunk order completes against cipherRoot; a wrong root or a missing chunk is refused; the blob is recorded and verify passes', async (t) => {
  const { uploads, dataDir, chainId, node } = await openNode(t);
  const blob = await sealed(chainId, 1000);
  const up = await uploads.create('raj', blob.storedSize);
  await uploads.putChunk('raj', up.uploadId, 0, blob.chunks[0]!, sha(blob.chunks[0]!));
  for (let i = blob.chunks.length - 1; i >= 2; i--) await uploads.putChunk('raj', up.uploadId, i, blob.chunks[i]!, sha(blob.chunks[i]!));
  await assert.rejects(uploads.complete('raj', up.uploadId, blob.cipherRoot, blob.chunks.length), code('UPLOAD_INCOMPLETE'));
  await uploads.putChunk('raj', up.uploadId, 1, blob.chunks[1]!, sha(blob.chunks[1]!));
  // The same chunk again changes nothing; other bytes at a held index conflict.
  await uploads.putChunk('raj', up.uploadId, 1, blob.chunks[1]!, sha(blob.chunks[1]!));
  await assert.rejects(uploads.putChunk('raj', up.uploadId, 1, blob.chunks[2]!, sha(blob.chunks[2]!)), code('UPLOAD_CHUNK_CONFLICT'));
  await assert.rejects(uploads.complete('raj', up.uploadId, 'ab'.repeat(32), blob.chunks.length), code('UPLOAD_ROOT_MISMATCH'));
  const done = await uploads.complete('raj', up.uploadId, blob.cipherRoot, blob.chunks.length);
  assert.deepEqual(done, { cipherRoot: blob.cipherRoot, storedSize: blob.storedSize, chunkCount: blob.chunks.length });
  assert.deepEqual(await uploads.complete('raj', up.uploadId, blob.cipherRoot, blob.chunks.length), done, 'completing again answers the same');
  assert.equal((await uploads.status('raj', up.uploadId)).state, 'complete');
  assert.deepEqual(readdirSync(join(dataDir, 'blobs', 'uploads')), [], 'the staging files are gone');
  assert.equal(uploads.usage('raj').usedBytes, blob.storedSize);
  // The record that names it is admitted (its blob is complete here).
  await node.submit(await blob.raj.register());
  const add = await node.submit(await blob.addRecord());
  assert.equal(add.outcome, 'OK');
  const report = await verifyDataDir(dataDir);
  assert.deepEqual(report.blobs?.orphanRows, []);
});

test('after the node restarts mid-upload it reports exactly the chunks it verified and still holds; the upload continues from there', async (t) => {
  const first = await openNode(t);
  const blob = await sealed(first.chainId, 1500);
  const up = await first.uploads.create('raj', blob.storedSize);
  for (let i = 0; i < 10; i++) await first.uploads.putChunk('raj', up.uploadId, i, blob.chunks[i]!, sha(blob.chunks[i]!));
  await first.close();
  // A torn write: chunk 4's bytes on disk no longer hash to what was journalled.
  const staged = join(first.dataDir, 'blobs', 'uploads', up.uploadId);
  const fd = openSync(staged, 'r+');
  writeSync(fd, new Uint8Array(8), 0, 8, blob.chunks[0]!.length + 3 * 80 + 5);
  closeSync(fd);

  const again = await openNode(t, { dir: first });
  const status = await again.uploads.status('raj', up.uploadId);
  assert.deepEqual(status.chunks.map((c) => c.index), [0, 1, 2, 3, 5, 6, 7, 8, 9]);
  for (const c of status.chunks) assert.equal(c.sha256, sha(blob.chunks[c.index]!));
  for (let i = 0; i < blob.chunks.length; i++) {
    if (!status.chunks.some((c) => c.index === i)) await again.uploads.putChunk('raj', up.uploadId, i, blob.chunks[i]!, sha(blob.chunks[i]!));
  }
  const done = await again.uploads.complete('raj', up.uploadId, blob.cipherRoot, blob.chunks.length);
  assert.equal(done.storedSize, blob.storedSize);
  const stored = new BlobStore(first.dataDir);
  assert.equal((await stored.verify(blob.cipherRoot)).storedSize, blob.storedSize);
  removeTempDir(first.dataDir);
});

test('quota: an upload past the bytes or the count in progress is UPLOAD_QUOTA_EXCEEDED; a chunk past the declared size UPLOAD_TOO_LARGE', async (t) => {
  const { uploads, chainId } = await openNode(t, { quotaBytes: 4000 });
  const blob = await sealed(chainId, 1000);
  const up = await uploads.create('raj', 3000);
  await assert.rejects(uploads.create('raj', 1001), code('UPLOAD_QUOTA_EXCEEDED'));
  await uploads.create('meera', 4000);
  assert.deepEqual(uploads.usage('raj'), { usedBytes: 3000, quotaBytes: 4000, receiving: 1, maxReceiving: 32 });
  const small = await uploads.create('raj', 1000);
  await uploads.putChunk('raj', small.uploadId, 0, blob.chunks[0]!, sha(blob.chunks[0]!));
  const far = blob.chunks[12]!;
  await assert.rejects(uploads.putChunk('raj', small.uploadId, 12, far, sha(far)), code('UPLOAD_TOO_LARGE'));
  await uploads.cancel('raj', up.uploadId);
  assert.equal(uploads.usage('raj').usedBytes, 1000, 'a cancelled upload frees its reservation');
});

test('incomplete uploads expire after their TTL and orphans after theirs; a blob an AddRecord names is pinned from admission and kept for good once its block accepts it', async (t) => {
  const { uploads, chainId, node, clock, dataDir } = await openNode(t, { hold: true, pinGraceMs: 3 * HOUR });
  const register = node.submit(await new Actor('raj', chainId).register());
  await admitted(node, 1);
  node.flush();
  await register;
  const upload = async (contentBytes: number) => {
    const blob = await sealed(chainId, contentBytes);
    const up = await uploads.create('raj', blob.storedSize);
    for (let i = 0; i < blob.chunks.length; i++) await uploads.putChunk('raj', up.uploadId, i, blob.chunks[i]!, sha(blob.chunks[i]!));
    await uploads.complete('raj', up.uploadId, blob.cipherRoot, blob.chunks.length);
    return { ...blob, uploadId: up.uploadId };
  };
  const orphan = await upload(200);
  const named = await upload(300);
  const incomplete = await uploads.create('raj', 500);
  // The AddRecord is admitted; its block is held open (the batch is cut only at flush).
  const add = node.submit(await named.addRecord());
  await admitted(node, 1);
  clock.advance(2 * HOUR + 1);
  const swept = await uploads.sweep();
  assert.deepEqual(swept, { expiredIncomplete: 1, expiredOrphans: 1, referenced: 0, lapsedPins: 0 });
  await assert.rejects(uploads.status('raj', incomplete.uploadId), code('UPLOAD_NOT_FOUND'));
  await assert.rejects(uploads.status('raj', orphan.uploadId), code('UPLOAD_NOT_FOUND'));
  assert.equal(existsSync(new BlobStore(dataDir).pathOf(orphan.cipherRoot)), false, "the orphan's file is gone");
  assert.equal((await uploads.status('raj', named.uploadId)).state, 'complete', 'the pinned blob is kept while its transaction is on the way');
  node.flush();
  assert.equal((await add).outcome, 'OK');
  assert.equal((await uploads.sweep()).referenced, 1);
  clock.advance(100 * HOUR);
  await uploads.sweep();
  assert.equal((await uploads.status('raj', named.uploadId)).state, 'referenced');
  await assert.rejects(uploads.cancel('raj', named.uploadId), code('UPLOAD_IN_USE'));
  const report = await verifyDataDir(dataDir);
  assert.deepEqual([report.blobs?.orphanRows, report.blobs?.orphanFiles], [[], []]);
});

test('a pin lapses when its transaction never reaches a block within the grace', async (t) => {
  const { uploads, chainId, clock } = await openNode(t);
  const blob = await sealed(chainId, 200);
  const up = await uploads.create('raj', blob.storedSize);
  for (let i = 0; i < blob.chunks.length; i++) await uploads.putChunk('raj', up.uploadId, i, blob.chunks[i]!, sha(blob.chunks[i]!));
  await uploads.complete('raj', up.uploadId, blob.cipherRoot, blob.chunks.length);
  assert.equal(uploads.pin(blob.cipherRoot, 'ef'.repeat(32)), true);
  clock.advance(HOUR / 2);
  assert.deepEqual(await uploads.sweep(), { expiredIncomplete: 0, expiredOrphans: 0, referenced: 0, lapsedPins: 0 }, 'a live pin holds');
  clock.advance(2 * HOUR);
  // Past its grace (one hour) the pin lapses, and the orphan goes in the same sweep.
  assert.deepEqual(await uploads.sweep(), { expiredIncomplete: 0, expiredOrphans: 1, referenced: 0, lapsedPins: 1 });
});

test("once a blob's deletion has begun a new pin is refused (so the node refuses the AddRecord that would name it)", async (t) => {
  const dir = await testDataDir();
  t.after(() => removeTempDir(dir.dataDir));
  const accounts = AccountStore.open(dir.dataDir);
  t.after(() => accounts.close());
  let now = T0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const rows: string[] = [];
  // The ledger side of the seam, holding the blob's row in memory; its delete waits for the test.
  const ledger = {
    chainId: dir.chainId, chunkSizeMax: 2 ** 24,
    putBlob: async (row: { cipherRoot: string }) => void rows.push(row.cipherRoot),
    deleteBlob: async () => gate,
    versionRoot: () => undefined,
    outcomeOf: () => undefined,
  };
  const uploads = new Uploads({ rows: accounts.uploads, blobs: new BlobStore(dir.dataDir), ledger, now: () => now, limits: { orphanTtlMs: HOUR } });
  const blob = await sealed(dir.chainId, 200);
  const up = await uploads.create('raj', blob.storedSize);
  for (let i = 0; i < blob.chunks.length; i++) await uploads.putChunk('raj', up.uploadId, i, blob.chunks[i]!, sha(blob.chunks[i]!));
  await uploads.complete('raj', up.uploadId, blob.cipherRoot, blob.chunks.length);
  now += HOUR + 1;
  const sweeping = uploads.sweep();
  while (!uploads.isExpiring(blob.cipherRoot)) await new Promise((r) => setImmediate(r));
  assert.equal(uploads.pin(blob.cipherRoot, 'ef'.repeat(32)), false);
  release();
  assert.equal((await sweeping).expiredOrphans, 1);
  assert.equal(uploads.isExpiring(blob.cipherRoot), false);
});
