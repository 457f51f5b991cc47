import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { concatBytes, isDhlError } from '../../src/crypto/index.ts';
import { BlobStore } from '../../src/node/blob-store.ts';
import type { PutResult } from '../../src/node/blob-store.ts';
import { splitAt } from '../helpers/streams.ts';
import {
  chunkIndexOf, collectBytes, exactMultipleContentSize, filesUnder, makeBlob, streamOf, tempDataDir,
} from '../helpers/blob-fixture.ts';
import type { TestBlob } from '../helpers/blob-fixture.ts';

const CHUNK_SIZES = [64, 128, 256, 512, 1024, 4096] as const;

function newStore(): { store: BlobStore; dataDir: string; blobsDir: string } {
  const dataDir = tempDataDir();
  const store = new BlobStore(dataDir);
  return { store, dataDir, blobsDir: join(dataDir, 'blobs') };
}

/** Asserts a typed error with this code and, when given, these details. */
async function rejectsWith(promise: Promise<unknown>, code: string, details: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isDhlError(err, code), `expected ${code}, got ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
    for (const [k, v] of Object.entries(details)) assert.equal(err.details[k], v, `details.${k}`);
    return err.details;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

function assertStored(result: PutResult, blob: TestBlob): void {
  assert.equal(result.cipherRoot, blob.summary.cipherRoot);
  assert.equal(result.storedSize, blob.bytes.length);
  assert.equal(result.storedSize, blob.summary.storedSize);
  assert.equal(result.chunkCount, blob.chunks.length);
  assert.deepEqual(result.chunkHashes, blob.summary.chunkHashes);
  assert.deepEqual(result.header, blob.summary.header);
}

/** A refused upload leaves no file at all: neither under blobs/<shard>/ nor in blobs/tmp/. */
async function refusedLeavingNothing(blob: TestBlob, pieces: Uint8Array[], details: Record<string, unknown>, expected = blob.expected): Promise<void> {
  const { store, blobsDir } = newStore();
  await rejectsWith(store.put(expected, streamOf(pieces)), 'BLOB_INVALID', details);
  assert.deepEqual(filesUnder(blobsDir), []);
  assert.equal(await store.has(expected.cipherRoot), false);
  assert.deepEqual(await store.list(), []);
}

test('blobs of any size and chunk size, uploaded cut at random points, read back byte for byte', async () => {
  const { store, blobsDir } = newStore();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...CHUNK_SIZES),
      fc.integer({ min: 0, max: 5 }),
      fc.nat({ max: 4095 }),
      fc.array(fc.nat(), { maxLength: 24 }),
      async (chunkSize, fullChunks, extra, cuts) => {
        const blob = await makeBlob(fullChunks * chunkSize + (extra % chunkSize), chunkSize);
        const pieces = splitAt(blob.bytes, cuts.map((c) => c % (blob.bytes.length + 1)));
        const result = await store.put(blob.expected, streamOf(pieces));
        assertStored(result, blob);
        assert.equal(result.created, true);
        assert.equal(await store.has(blob.summary.cipherRoot), true);
        assert.equal(await store.size(blob.summary.cipherRoot), blob.bytes.length);
        assert.deepEqual(await collectBytes(await store.read(blob.summary.cipherRoot)), blob.bytes);
      },
    ),
    { numRuns: 40 },
  );
  assert.deepEqual(filesUnder(join(blobsDir, 'tmp')), []);
});

test('blobs whose data fills exact chunk multiples, one byte more or less, and empty content round-trip', async () => {
  const { store } = newStore();
  for (const chunkSize of [64, 4096]) {
    for (const k of [1, 2, 3, 4]) {
      const exact = exactMultipleContentSize(chunkSize, k);
      for (const contentSize of [exact - 1, exact, exact + 1, 0]) {
        const blob = await makeBlob(contentSize, chunkSize);
        const full = blob.chunks.slice(1, -1).every((c) => c.length === chunkSize + 16);
        assert.ok(full, 'every data chunk but the last is full');
        if (contentSize === exact) assert.equal(blob.chunks.at(-1)!.length, chunkSize + 16, 'last chunk full at an exact multiple');
        const result = await store.put(blob.expected, streamOf(blob.chunks));
        assertStored(result, blob);
        assert.deepEqual(await collectBytes(await store.read(blob.summary.cipherRoot)), blob.bytes);
      }
    }
  }
});

test('a multi-MiB blob uploaded in 1-byte-to-64-KiB pieces round-trips and lands at blobs/<2 hex>/<cipherRoot>', async () => {
  const { store, blobsDir } = newStore();
  const blob = await makeBlob(3 * 1024 * 1024 + 123, 4096);
  const cuts: number[] = [];
  for (let at = 0, step = 1; at < blob.bytes.length; at += step, step = (step * 7) % 65536 || 1) cuts.push(at);
  const result = await store.put(blob.expected, streamOf(splitAt(blob.bytes, cuts)));
  assertStored(result, blob);
  const root = blob.summary.cipherRoot;
  assert.deepEqual(filesUnder(blobsDir), [`${root.slice(0, 2)}/${root}`]);
  assert.deepEqual(readFileSync(join(blobsDir, root.slice(0, 2), root)), Buffer.from(blob.bytes));
  assert.deepEqual(await collectBytes(await store.read(root)), blob.bytes);
  await store.verify(root, blob.summary.chunkHashes);
});

test('a flipped byte anywhere in an upload is BLOB_INVALID naming its chunk, and nothing is kept', async () => {
  const blob = await makeBlob(700, 64);
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: blob.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.array(fc.nat(), { maxLength: 8 }), async (at, mask, cuts) => {
      const bytes = Uint8Array.from(blob.bytes);
      bytes[at]! ^= mask;
      const pieces = splitAt(bytes, cuts.map((c) => c % (bytes.length + 1)));
      await refusedLeavingNothing(blob, pieces, { chunk: chunkIndexOf(blob, at) });
    }),
    { numRuns: 60 },
  );
});

test('a dropped chunk is BLOB_INVALID: the header, a middle chunk, the last chunk', async () => {
  const blob = await makeBlob(600, 64);
  const k = blob.chunks.length;
  assert.ok(k >= 6);
  const without = (i: number) => blob.chunks.filter((_, j) => j !== i);
  await refusedLeavingNothing(blob, without(0), { chunk: 0 });
  await refusedLeavingNothing(blob, without(3), { chunk: 3, reason: 'hash' });
  await refusedLeavingNothing(blob, without(k - 1), { chunk: k - 1, reason: 'missing' });
});

test('an appended chunk or byte is BLOB_INVALID, whether the last chunk was full or short', async () => {
  const full = await makeBlob(exactMultipleContentSize(64, 4), 64);
  const k = full.chunks.length;
  await refusedLeavingNothing(full, [...full.chunks, full.chunks[k - 1]!], { chunk: k, reason: 'extra' });
  await refusedLeavingNothing(full, [...full.chunks, new Uint8Array([0])], { chunk: k, reason: 'extra' });
  const short = await makeBlob(exactMultipleContentSize(64, 4) - 10, 64);
  const m = short.chunks.length;
  // Bytes after a short last chunk fall into that chunk, so its hash fails.
  await refusedLeavingNothing(short, [...short.chunks, short.chunks[1]!], { chunk: m - 1, reason: 'hash' });
});

test('an upload cut short anywhere is BLOB_INVALID and nothing is kept', async () => {
  const blob = await makeBlob(500, 64);
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: blob.bytes.length - 1 }), fc.array(fc.nat(), { maxLength: 6 }), async (length, cuts) => {
      const bytes = blob.bytes.subarray(0, length);
      await refusedLeavingNothing(blob, splitAt(bytes, cuts.map((c) => c % (length + 1))), {});
    }),
    { numRuns: 40 },
  );
  await refusedLeavingNothing(blob, [], { chunk: 0, reason: 'missing' });
  await refusedLeavingNothing(blob, [blob.chunks[0]!], { chunk: 1, reason: 'missing' });
});

test('wrong announced hashes are BLOB_INVALID before or while reading, and nothing is kept', async () => {
  const blob = await makeBlob(300, 64);
  const other = await makeBlob(300, 64);
  const hashes = blob.summary.chunkHashes;
  const root = blob.summary.cipherRoot;
  const listProblem = { reason: 'chunkHashes' };
  // Lists that do not build the root.
  await refusedLeavingNothing(blob, blob.chunks, listProblem, { cipherRoot: root, chunkHashes: other.summary.chunkHashes });
  await refusedLeavingNothing(blob, blob.chunks, listProblem, { cipherRoot: root, chunkHashes: hashes.slice(0, -1) });
  await refusedLeavingNothing(blob, blob.chunks, listProblem, { cipherRoot: root, chunkHashes: [hashes[1]!, hashes[0]!, ...hashes.slice(2)] });
  await refusedLeavingNothing(blob, blob.chunks, listProblem, { cipherRoot: other.summary.cipherRoot, chunkHashes: hashes });
  // Malformed lists.
  for (const bad of [[], [hashes[0]!], hashes.map((h) => h.toUpperCase()), [...hashes.slice(0, -1), 'zz'], 'not a list', null]) {
    await refusedLeavingNothing(blob, blob.chunks, listProblem, { cipherRoot: root, chunkHashes: bad as string[] });
  }
  // A consistent list and root for another blob: the first differing chunk is named.
  // `other` has the same header (same record, version, chunk size), so chunk 1 is first.
  await refusedLeavingNothing(blob, blob.chunks, { chunk: 1, reason: 'hash' }, other.expected);
  const otherVersion = await makeBlob(300, 64, 2);
  await refusedLeavingNothing(blob, blob.chunks, { chunk: 0, reason: 'hash' }, otherVersion.expected);
});

test('a blob over maxBytes is BLOB_INVALID, refused as soon as its size shows, and one at maxBytes is stored', async () => {
  const blob = await makeBlob(1000, 64);
  const { store, blobsDir } = newStore();
  let pulled = 0;
  const counting = (pieces: Uint8Array[]) =>
    (async function* () {
      for (const p of pieces) {
        pulled += p.length;
        yield p;
      }
    })();
  const oneByteEach = [...blob.bytes].map((b) => new Uint8Array([b]));

  await rejectsWith(store.put(blob.expected, counting(oneByteEach), { maxBytes: blob.bytes.length - 1 }), 'BLOB_INVALID', { reason: 'tooLarge' });
  assert.equal(pulled, blob.bytes.length, 'refused on the first byte past the limit');

  // The announced chunk count alone shows the blob cannot fit: refused after the header.
  pulled = 0;
  const headerBytes = blob.chunks[0]!.length;
  await rejectsWith(store.put(blob.expected, counting(oneByteEach), { maxBytes: headerBytes + 100 }), 'BLOB_INVALID', { reason: 'tooLarge' });
  assert.equal(pulled, headerBytes);
  pulled = 0;
  await rejectsWith(store.put(blob.expected, counting(oneByteEach), { maxBytes: 10 }), 'BLOB_INVALID', { reason: 'tooLarge' });
  assert.equal(pulled, 0);
  assert.deepEqual(filesUnder(blobsDir), []);

  const result = await store.put(blob.expected, streamOf([blob.bytes]), { maxBytes: blob.bytes.length });
  assertStored(result, blob);
  await assert.rejects(store.put(blob.expected, streamOf([blob.bytes]), { maxBytes: -1 }), RangeError);
});

test('a refused upload stops its source, and a failing source leaves nothing behind', async () => {
  const blob = await makeBlob(500, 64);
  const { store, blobsDir } = newStore();
  let finished = false;
  const bytes = Uint8Array.from(blob.bytes);
  bytes[200]! ^= 1;
  const source = (async function* () {
    try {
      for (const c of splitAt(bytes, [100, 200, 300, 400])) yield c;
    } finally {
      finished = true;
    }
  })();
  await rejectsWith(store.put(blob.expected, source), 'BLOB_INVALID');
  assert.equal(finished, true);

  const broken = (async function* () {
    yield blob.bytes.subarray(0, 300);
    throw new Error('connection reset');
  })();
  await assert.rejects(store.put(blob.expected, broken), /connection reset/);
  assert.deepEqual(filesUnder(blobsDir), []);
});

test('an upload in progress is invisible under its final name until complete, and sweepTmp keeps it', async () => {
  const blob = await makeBlob(500, 64);
  const { store, blobsDir } = newStore();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let halfway!: () => void;
  const reachedHalf = new Promise<void>((resolve) => (halfway = resolve));
  const source = (async function* () {
    yield blob.bytes.subarray(0, 300);
    halfway();
    await gate;
    yield blob.bytes.subarray(300);
  })();
  const put = store.put(blob.expected, source);
  await reachedHalf;
  await new Promise((r) => setImmediate(r));
  assert.equal(await store.has(blob.summary.cipherRoot), false);
  assert.deepEqual(await store.list(), []);
  await rejectsWith(store.read(blob.summary.cipherRoot), 'BLOB_NOT_FOUND');
  assert.equal(filesUnder(join(blobsDir, 'tmp')).length, 1);
  assert.equal(await store.sweepTmp(), 0);
  release();
  assertStored(await put, blob);
  assert.equal(await store.has(blob.summary.cipherRoot), true);
  assert.deepEqual(filesUnder(join(blobsDir, 'tmp')), []);
});

test('temp files left by a crash are never listed as blobs and sweepTmp removes them', async () => {
  const blob = await makeBlob(200, 64);
  const { store, blobsDir } = newStore();
  mkdirSync(join(blobsDir, 'tmp'), { recursive: true });
  writeFileSync(join(blobsDir, 'tmp', `${blob.summary.cipherRoot}.deadbeef`), blob.bytes.subarray(0, 100));
  assert.equal(await store.has(blob.summary.cipherRoot), false);
  assert.deepEqual(await store.list(), []);
  assert.equal(await store.sweepTmp(), 1);
  assert.deepEqual(filesUnder(blobsDir), []);
});

test('putting a stored blob again verifies the source, writes nothing and reports created: false', async () => {
  const blob = await makeBlob(400, 64);
  const { store, blobsDir } = newStore();
  const first = await store.put(blob.expected, streamOf([blob.bytes]));
  assert.equal(first.created, true);
  const again = await store.put(blob.expected, streamOf(blob.chunks));
  assert.equal(again.created, false);
  assertStored(again, blob);
  const bad = Uint8Array.from(blob.bytes);
  bad[bad.length - 1]! ^= 0x80;
  await rejectsWith(store.put(blob.expected, streamOf([bad])), 'BLOB_INVALID', { chunk: blob.chunks.length - 1 });
  const root = blob.summary.cipherRoot;
  assert.deepEqual(filesUnder(blobsDir), [`${root.slice(0, 2)}/${root}`]);
  assert.deepEqual(await collectBytes(await store.read(root)), blob.bytes);
});

test('concurrent puts of the same blob all succeed, exactly one creates it, and the file is whole', async () => {
  const blob = await makeBlob(3000, 128);
  const { store, blobsDir } = newStore();
  const cutsFor = (seed: number) => Array.from({ length: 12 }, (_, i) => ((i + 1) * 97 * seed) % blob.bytes.length);
  const puts = Array.from({ length: 8 }, (_, i) => store.put(blob.expected, streamOf(splitAt(blob.bytes, cutsFor(i + 1)))));
  // A corrupt upload of the same root racing with them changes nothing.
  const corrupt = Uint8Array.from(blob.bytes);
  corrupt[1000]! ^= 1;
  const bad = rejectsWith(store.put(blob.expected, streamOf([corrupt])), 'BLOB_INVALID', { chunk: chunkIndexOf(blob, 1000) });
  const results = await Promise.all(puts);
  await bad;
  for (const r of results) assertStored(r, blob);
  assert.equal(results.filter((r) => r.created).length, 1);
  const root = blob.summary.cipherRoot;
  assert.deepEqual(filesUnder(blobsDir), [`${root.slice(0, 2)}/${root}`]);
  await store.verify(root, blob.summary.chunkHashes);

  // Two stores on one directory (as two processes would be) also converge on one whole file.
  const other = new BlobStore(store.dataDir);
  const blob2 = await makeBlob(2000, 64);
  const both = await Promise.all([store.put(blob2.expected, streamOf(blob2.chunks)), other.put(blob2.expected, streamOf([blob2.bytes]))]);
  for (const r of both) assertStored(r, blob2);
  await store.verify(blob2.summary.cipherRoot, blob2.summary.chunkHashes);
  assert.deepEqual(filesUnder(join(blobsDir, 'tmp')), []);
});

test('ranges stream exactly the inclusive bytes asked for: first, last, middle, whole', async () => {
  const blob = await makeBlob(1000, 64);
  const { store } = newStore();
  const root = blob.summary.cipherRoot;
  await store.put(blob.expected, streamOf([blob.bytes]));
  const n = blob.bytes.length;
  for (const [start, end] of [[0, 0], [n - 1, n - 1], [100, 477], [0, n - 1], [1, n - 2]] as const) {
    const stream = await store.read(root, { start, end });
    assert.equal(stream.blobSize, n);
    assert.equal(stream.start, start);
    assert.equal(stream.end, end);
    assert.deepEqual(await collectBytes(stream), blob.bytes.subarray(start, end + 1), `bytes ${start}-${end}`);
  }
  const whole = await store.read(root);
  assert.deepEqual([whole.start, whole.end, whole.blobSize], [0, n - 1, n]);
  assert.deepEqual(await collectBytes(whole), blob.bytes);
  // A stream opened and not read can be released.
  (await store.read(root, { start: 5, end: 9 })).close();
});

test('out-of-range and malformed ranges are RANGE_INVALID; an absent blob is BLOB_NOT_FOUND', async () => {
  const blob = await makeBlob(200, 64);
  const { store } = newStore();
  const root = blob.summary.cipherRoot;
  await rejectsWith(store.read(root), 'BLOB_NOT_FOUND');
  await rejectsWith(store.read(root, { start: 0, end: 0 }), 'BLOB_NOT_FOUND');
  await rejectsWith(store.size(root), 'BLOB_NOT_FOUND');
  await store.put(blob.expected, streamOf([blob.bytes]));
  const n = blob.bytes.length;
  const bad: unknown[] = [
    { start: 0, end: n },
    { start: n, end: n },
    { start: 5, end: 4 },
    { start: -1, end: 3 },
    { start: 0.5, end: 3 },
    { start: 0, end: Number.NaN },
    { start: '0', end: 3 },
    { start: 0 },
    null,
  ];
  for (const range of bad) await rejectsWith(store.read(root, range as { start: number; end: number }), 'RANGE_INVALID');
});

test('cipher roots that are not 64 lowercase hex are refused before any path is touched', async () => {
  const blob = await makeBlob(200, 64);
  const { store, dataDir, blobsDir } = newStore();
  await store.put(blob.expected, streamOf([blob.bytes]));
  writeFileSync(join(dataDir, 'secret'), 'keep me');
  const root = blob.summary.cipherRoot;
  const attempts: unknown[] = [
    '../secret',
    '../../secret',
    `../${root.slice(0, 2)}/${root}`.slice(0, 64),
    `${root.slice(0, 2)}/../../secret`.padEnd(64, 'a'),
    root.toUpperCase(),
    root.slice(0, 63),
    `${root}0`,
    `${root}\n`,
    `${root.slice(0, 63)}\0`,
    '/etc/passwd',
    'tmp',
    '',
    undefined,
    null,
    42,
    { toString: () => root },
  ];
  for (const bad of attempts) {
    const r = bad as string;
    await rejectsWith(store.has(r), 'ARGUMENT_INVALID');
    await rejectsWith(store.size(r), 'ARGUMENT_INVALID');
    await rejectsWith(store.read(r), 'ARGUMENT_INVALID');
    await rejectsWith(store.delete(r), 'ARGUMENT_INVALID');
    await rejectsWith(store.verify(r), 'ARGUMENT_INVALID');
    await rejectsWith(store.put({ cipherRoot: r, chunkHashes: blob.summary.chunkHashes }, streamOf([blob.bytes])), 'ARGUMENT_INVALID');
  }
  assert.equal(readFileSync(join(dataDir, 'secret'), 'utf8'), 'keep me');
  assert.deepEqual(filesUnder(blobsDir), [`${root.slice(0, 2)}/${root}`]);
});

test('verify passes on a stored blob and returns its summary, with or without the hash list', async () => {
  const blob = await makeBlob(900, 128);
  const { store } = newStore();
  const put = await store.put(blob.expected, streamOf([blob.bytes]));
  const { created: _created, ...summary } = put;
  assert.deepEqual(await store.verify(blob.summary.cipherRoot, blob.summary.chunkHashes), summary);
  assert.deepEqual(await store.verify(blob.summary.cipherRoot), summary);
});

test('verify detects any byte changed on disk after put and names the first bad chunk', async () => {
  const blob = await makeBlob(900, 64);
  const { store } = newStore();
  const root = blob.summary.cipherRoot;
  await store.put(blob.expected, streamOf([blob.bytes]));
  const path = join(store.blobsDir, root.slice(0, 2), root);
  const flip = (at: number) => {
    const fd = openSync(path, 'r+');
    const byte = Buffer.from([blob.bytes[at]! ^ 0x10]);
    writeSync(fd, byte, 0, 1, at);
    closeSync(fd);
  };
  const restore = () => writeFileSync(path, blob.bytes);
  for (const at of [0, 10, blob.chunks[0]!.length, 300, blob.bytes.length - 1]) {
    flip(at);
    const chunk = chunkIndexOf(blob, at);
    await rejectsWith(store.verify(root, blob.summary.chunkHashes), 'DATA_DIR_TAMPERED', { cipherRoot: root, chunk });
    // Without the list, the file no longer builds its own name (or its header no longer parses).
    await rejectsWith(store.verify(root), 'DATA_DIR_TAMPERED', { cipherRoot: root });
    restore();
  }
  // Two bad chunks: the first is named.
  flip(blob.bytes.length - 1);
  flip(300);
  await rejectsWith(store.verify(root, blob.summary.chunkHashes), 'DATA_DIR_TAMPERED', { chunk: chunkIndexOf(blob, 300) });
  restore();
  await store.verify(root, blob.summary.chunkHashes);
});

test('verify detects a truncated or extended file, a wrong hash list and a missing file', async () => {
  const blob = await makeBlob(exactMultipleContentSize(64, 6), 64);
  const { store } = newStore();
  const root = blob.summary.cipherRoot;
  const k = blob.chunks.length;
  await store.put(blob.expected, streamOf([blob.bytes]));
  const path = join(store.blobsDir, root.slice(0, 2), root);

  truncateSync(path, blob.bytes.length - blob.chunks[k - 1]!.length);
  await rejectsWith(store.verify(root, blob.summary.chunkHashes), 'DATA_DIR_TAMPERED', { chunk: k - 1, reason: 'missing' });
  await rejectsWith(store.verify(root), 'DATA_DIR_TAMPERED', { reason: 'root' });
  writeFileSync(path, blob.bytes);
  appendFileSync(path, blob.chunks[2]!);
  await rejectsWith(store.verify(root, blob.summary.chunkHashes), 'DATA_DIR_TAMPERED', { chunk: k, reason: 'extra' });
  await rejectsWith(store.verify(root), 'DATA_DIR_TAMPERED', { reason: 'root' });
  writeFileSync(path, blob.bytes);

  await rejectsWith(store.verify(root, blob.summary.chunkHashes.slice(1)), 'DATA_DIR_TAMPERED', { reason: 'chunkHashes' });
  await store.delete(root);
  await rejectsWith(store.verify(root, blob.summary.chunkHashes), 'BLOB_NOT_FOUND');
});

test('list names exactly the stored blobs, ignoring temp files and stray names; delete removes one', async () => {
  const { store, blobsDir } = newStore();
  assert.deepEqual(await store.list(), []);
  const blobs = await Promise.all([makeBlob(10, 64), makeBlob(100, 64), makeBlob(1000, 256)]);
  for (const b of blobs) await store.put(b.expected, streamOf([b.bytes]));
  const roots = blobs.map((b) => b.summary.cipherRoot).sort();
  // Strays: a file in the wrong shard, an odd name, a file at the top, a temp file.
  const misplaced = roots[0]!.startsWith('00') ? 'ff' : '00';
  mkdirSync(join(blobsDir, misplaced), { recursive: true });
  writeFileSync(join(blobsDir, misplaced, roots[0]!), 'x');
  writeFileSync(join(blobsDir, roots[1]!.slice(0, 2), 'notes.txt'), 'x');
  writeFileSync(join(blobsDir, roots[2]!), 'x');
  writeFileSync(join(blobsDir, 'tmp', `${roots[2]!}.0011`), 'x');
  assert.deepEqual(await store.list(), roots);

  assert.equal(await store.delete(roots[1]!), true);
  assert.equal(await store.delete(roots[1]!), false);
  assert.equal(await store.has(roots[1]!), false);
  await rejectsWith(store.read(roots[1]!), 'BLOB_NOT_FOUND');
  assert.deepEqual(await store.list(), [roots[0]!, roots[2]!]);
  assert.ok(existsSync(join(blobsDir, misplaced, roots[0]!)), 'delete touches only its own path');
});

test('a deleted blob can be stored again', async () => {
  const blob = await makeBlob(300, 64);
  const { store } = newStore();
  await store.put(blob.expected, streamOf([blob.bytes]));
  await store.delete(blob.summary.cipherRoot);
  const again = await store.put(blob.expected, streamOf([concatBytes(...blob.chunks)]));
  assert.equal(again.created, true);
  assert.deepEqual(await collectBytes(await store.read(blob.summary.cipherRoot)), blob.bytes);
});

test("header() gives a stored blob's header chunk, parsed, and the file's size; BLOB_NOT_FOUND when absent", async (t) => {
  const { store, dataDir } = newStore();
  const { rmSync } = await import('node:fs');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const blob = await makeBlob(5000, 64);
  await rejectsWith(store.header(blob.expected.cipherRoot), 'BLOB_NOT_FOUND', { cipherRoot: blob.expected.cipherRoot });
  await store.put(blob.expected, streamOf(blob.chunks));
  const { header, bytes, fileSize } = await store.header(blob.expected.cipherRoot);
  assert.deepEqual(bytes, blob.chunks[0]);
  assert.deepEqual(header, blob.summary.header);
  assert.equal(fileSize, blob.bytes.length);
});

test('inventory() lists stored blobs and, apart, every other entry under blobs/ except uploads in progress in tmp/', async (t) => {
  const { store, dataDir, blobsDir } = newStore();
  const { rmSync } = await import('node:fs');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const blob = await makeBlob(100, 64);
  await store.put(blob.expected, streamOf(blob.chunks));
  const root = blob.expected.cipherRoot;
  writeFileSync(join(blobsDir, 'x.txt'), 'stray');
  writeFileSync(join(blobsDir, root.slice(0, 2), `${root}.bak`), 'stray');
  writeFileSync(join(blobsDir, 'tmp', `${root}.0123`), 'an upload in progress');
  assert.deepEqual(await store.inventory(), { blobs: [root], stray: [`${root.slice(0, 2)}/${root}.bak`, 'x.txt'] });
  assert.deepEqual(await store.list(), [root]);
});
