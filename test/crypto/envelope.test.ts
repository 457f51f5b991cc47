import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import {
  ChunkVerifier, concatBytes, contentSizeRange, decryptEnvelope, encryptEnvelope, fromBase64url, fromHex, generateDek, isDhlError, randomBytes, toHex,
  type StoredChunk,
} from '../../src/crypto/index.ts';
import { buildCryptoVectors, type CryptoVectors } from '../vectors/crypto/build.ts';
import { collector, expectCode, splitAt } from '../helpers/streams.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/crypto/crypto-vectors.json', import.meta.url), 'utf8')) as CryptoVectors;
const CHAIN = vectors.chain;
const RECORD = 'ab'.repeat(16);

async function encryptToChunks(content: Uint8Array, chunkSize: number, dek = generateDek(), fileName = 'f.bin') {
  const chunks: StoredChunk[] = [];
  const summary = await encryptEnvelope({ chain: CHAIN, recordId: RECORD, version: 1, dek, fileName, chunkSize }, [content], (c) => {
    chunks.push(c);
  });
  return { chunks, summary, dek };
}

test('the committed crypto vectors are exactly what the generator makes now', async () => {
  assert.deepEqual(await buildCryptoVectors(vectors), vectors);
});

test('every vector envelope decrypts to its content and file name, and rebuilds its cipherRoot', async () => {
  for (const v of vectors.envelopes) {
    const out = collector();
    const stored = v.chunks.map((c) => fromBase64url(c.storedB64));
    const result = await decryptEnvelope(stored, { dek: fromHex(v.dekHex), expect: v, cipherRoot: v.cipherRoot }, out.sink);
    assert.equal(toHex(out.bytes()), v.contentHex, v.name);
    assert.equal(result.fileName, v.fileName);
    assert.equal(result.contentSize, v.contentHex.length / 2);
    assert.equal(result.cipherRoot, v.cipherRoot);
  }
});

test('every negative vector fails with its typed error code', async () => {
  assert.ok(vectors.envelopeNegatives.length >= 12);
  for (const n of vectors.envelopeNegatives) {
    const stored = n.storedB64.map((s) => fromBase64url(s));
    await expectCode(decryptEnvelope(stored, { dek: fromHex(n.dekHex) }, () => {}), n.expectedCode).catch((e: Error) => {
      throw new Error(`${n.name}: ${e.message}`);
    });
  }
});

test('a header naming another record or version is refused before any chunk is opened', async () => {
  const v = vectors.envelopes[1]!;
  const stored = v.chunks.map((c) => fromBase64url(c.storedB64));
  let opened = 0;
  await expectCode(decryptEnvelope(stored, { dek: fromHex(v.dekHex), expect: { ...v, version: 2 } }, () => void opened++), 'ENVELOPE_CONTEXT_MISMATCH');
  assert.equal(opened, 0);
});

test('a wrong cipherRoot is refused before the last chunk of content is released', async () => {
  const v = vectors.envelopes.find((e) => e.name === 'exact-multiple')!;
  const out = collector();
  const stored = v.chunks.map((c) => fromBase64url(c.storedB64));
  await expectCode(decryptEnvelope(stored, { dek: fromHex(v.dekHex), cipherRoot: '00'.repeat(32) }, out.sink), 'CIPHER_ROOT_MISMATCH');
  assert.ok(out.bytes().length < v.contentHex.length / 2);
});

test('round trip: any content, chunk size and file name, with the stored stream cut anywhere', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 0, maxLength: 5000 }),
      fc.integer({ min: 6, max: 12 }).map((e) => 2 ** e),
      fc.string({ maxLength: 80 }),
      fc.array(fc.nat({ max: 8000 }), { maxLength: 6 }),
      async (content, chunkSize, fileName, cuts) => {
        const { chunks, summary, dek } = await encryptToChunks(content, chunkSize, generateDek(), fileName);
        const stored = concatBytes(...chunks.map((c) => c.bytes));
        assert.equal(summary.storedSize, stored.length);
        assert.equal(summary.contentSize, content.length);
        const out = collector();
        const result = await decryptEnvelope(splitAt(stored, cuts), { dek, cipherRoot: summary.cipherRoot }, out.sink);
        assert.deepEqual(out.bytes(), content);
        assert.equal(result.fileName, fileName);
      },
    ),
    { numRuns: 60 },
  );
});

test('chunk count is max(1, ceil(len / chunkSize)) data chunks plus the header, never an empty trailing chunk', async () => {
  for (const extra of [0, 1, 63, 64, 65, 128, 200]) {
    const chunkSize = 64;
    const prefixLen = 4 + '{"fileName":"f.bin"}'.length;
    const content = randomBytes(extra);
    const { chunks } = await encryptToChunks(content, chunkSize);
    const len = prefixLen + extra;
    assert.equal(chunks.length - 1, Math.max(1, Math.ceil(len / chunkSize)), `content ${extra}`);
    for (const c of chunks.slice(1)) assert.ok(c.bytes.length > 16);
  }
});

test('ChunkVerifier accepts each stored chunk and names the first altered one', async () => {
  const { chunks, summary } = await encryptToChunks(randomBytes(700), 64);
  const verifier = await ChunkVerifier.create(summary.cipherRoot, summary.chunkHashes);
  for (const c of chunks) await verifier.verifyChunk(c.index, c.bytes);
  const bad = Uint8Array.from(chunks[3]!.bytes);
  bad[5]! ^= 0x80;
  await expectCode(verifier.verifyChunk(3, bad), 'CHUNK_HASH_MISMATCH');
  await expectCode(verifier.verifyChunk(4, chunks[3]!.bytes), 'CHUNK_HASH_MISMATCH');
  const forged = [...summary.chunkHashes];
  forged[2] = '00'.repeat(32);
  await expectCode(ChunkVerifier.create(summary.cipherRoot, forged), 'CIPHER_ROOT_MISMATCH');
});

test('resume with the same DEK marks chunks the node holds and yields the same cipherRoot', async () => {
  const content = randomBytes(1000);
  const first = await encryptToChunks(content, 128);
  const held = first.summary.chunkHashes.slice(0, 4);
  const flags: boolean[] = [];
  const again = await encryptEnvelope(
    { chain: CHAIN, recordId: RECORD, version: 1, dek: first.dek, fileName: 'f.bin', chunkSize: 128, storedChunkHashes: held },
    [content],
    (c) => void flags.push(c.alreadyStored),
  );
  assert.equal(again.cipherRoot, first.summary.cipherRoot);
  assert.deepEqual(flags, first.chunks.map((_, i) => i < 4));
});

test('resume refuses to continue when a re-encrypted chunk differs from the stored one', async () => {
  const content = randomBytes(1000);
  const first = await encryptToChunks(content, 128);
  const changed = Uint8Array.from(content);
  changed[200]! ^= 1;
  const sent: number[] = [];
  await expectCode(
    encryptEnvelope(
      { chain: CHAIN, recordId: RECORD, version: 1, dek: first.dek, fileName: 'f.bin', chunkSize: 128, storedChunkHashes: first.summary.chunkHashes.slice(0, 4) },
      [changed],
      (c) => void sent.push(c.index),
    ),
    'RESUME_MISMATCH',
  );
  // chunk 2 carries content byte 200 (prefix 24 bytes + 128-byte chunks): nothing from it on is delivered.
  assert.deepEqual(sent, [0, 1]);
});

// Live memory, not garbage: a collection before each sample makes the measure independent of GC timing.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('encryption streams: live memory stays flat while 64 MiB pass through in 1 MiB chunks', async () => {
  const piece = randomBytes(1 << 20);
  async function* source() {
    for (let i = 0; i < 64; i++) yield piece;
  }
  const dek = generateDek();
  let storedBytes = 0;
  gc();
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  let chunks = 0;
  const summary = await encryptEnvelope({ chain: CHAIN, recordId: RECORD, version: 1, dek, fileName: 'big.bin' }, source(), (c) => {
    storedBytes += c.bytes.length;
    if (++chunks % 8 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
  });
  assert.equal(summary.contentSize, 64 << 20);
  assert.equal(storedBytes, summary.storedSize);
  // A few chunks in flight (pipeline depth 4, plaintext and ciphertext each): far below the 64 MiB streamed.
  assert.ok(peak - before < 24 << 20, `live array buffers grew by ${(peak - before) >> 20} MiB`);
});

test('subtle.encrypt takes its copy of the plaintext before it returns, so the buffer encryptEnvelope sealed can be refilled at once', async () => {
  // encryptEnvelope cuts the content into two buffers used in turn (WebCrypto: "get a copy of the bytes held by the data parameter" is a synchronous step).
  const key = await globalThis.crypto.subtle.importKey('raw', generateDek(), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const plain = randomBytes(1 << 20);
  const original = Uint8Array.from(plain);
  const iv = new Uint8Array(12);
  const sealing = globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain);
  plain.fill(0);
  const opened = new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, await sealing));
  assert.deepEqual(opened, original);
});

test('content cut into many small pieces seals and opens to the same bytes through the two reused cut buffers, at every chunk count', async () => {
  for (const size of [1, 63, 64, 65, 200, 1000]) {
    const content = randomBytes(size);
    const pieces = Array.from({ length: size }, (_, i) => content.subarray(i, i + 1));
    const dek = generateDek();
    const chunks: StoredChunk[] = [];
    const summary = await encryptEnvelope({ chain: CHAIN, recordId: RECORD, version: 1, dek, fileName: 'p.bin', chunkSize: 64 }, pieces, (c) => void chunks.push(c));
    const whole = await encryptToChunks(content, 64, dek, 'p.bin');
    assert.deepEqual(chunks.map((c) => toHex(c.hash)), whole.chunks.map((c) => toHex(c.hash)), `${size} bytes`);
    const out = collector();
    await decryptEnvelope(chunks.map((c) => c.bytes), { dek, cipherRoot: summary.cipherRoot }, out.sink);
    assert.deepEqual(out.bytes(), content);
  }
});

test('decryption reads stored chunks into reused buffers: over many chunks, a tampered, a dropped last and a swapped chunk still fail naming the chunk', async () => {
  const content = randomBytes(40 * 64 + 5);
  const { chunks, dek, summary } = await encryptToChunks(content, 64);
  const stored = chunks.map((c) => Uint8Array.from(c.bytes));
  const out = collector();
  await decryptEnvelope(splitAt(concatBytes(...stored), [7, 100, 1000]), { dek, cipherRoot: summary.cipherRoot }, out.sink);
  assert.deepEqual(out.bytes(), content);
  const tampered = stored.map((b, i) => (i === 23 ? Uint8Array.from(b, (x, j) => (j === 5 ? x ^ 1 : x)) : b));
  const failsAt = (stream: Uint8Array[], chunk: number) =>
    assert.rejects(decryptEnvelope([concatBytes(...stream)], { dek }, () => undefined), (err: unknown) => isDhlError(err, 'ENVELOPE_CHUNK_AUTH_FAILED') && err.details.chunk === chunk);
  await failsAt(tampered, 23);
  await expectCode(decryptEnvelope([concatBytes(...stored.slice(0, -1))], { dek }, () => undefined), 'ENVELOPE_TRUNCATED');
  const swapped = [...stored];
  [swapped[30], swapped[31]] = [swapped[31]!, swapped[30]!];
  await failsAt(swapped, 30);
});

test('bad arguments are typed errors naming the argument', async () => {
  const ok = { chain: CHAIN, recordId: RECORD, version: 1, dek: generateDek(), fileName: 'x' };
  const sink = () => {};
  await expectCode(encryptEnvelope({ ...ok, chunkSize: 100 }, [], sink), 'ARGUMENT_INVALID');
  await expectCode(encryptEnvelope({ ...ok, chunkSize: 2 ** 25 }, [], sink), 'ARGUMENT_INVALID');
  await expectCode(encryptEnvelope({ ...ok, dek: new Uint8Array(16) }, [], sink), 'ARGUMENT_INVALID');
  await expectCode(encryptEnvelope({ ...ok, recordId: 'AB'.repeat(16) }, [], sink), 'ARGUMENT_INVALID');
  await expectCode(encryptEnvelope({ ...ok, version: 0 }, [], sink), 'ARGUMENT_INVALID');
  await expectCode(encryptEnvelope({ ...ok, chain: 'zz' }, [], sink), 'ARGUMENT_INVALID');
  await expectCode(encryptEnvelope(ok, ['text' as unknown as Uint8Array], sink), 'ARGUMENT_INVALID');
  await expectCode(decryptEnvelope([new Uint8Array([0, 0, 0xff, 0xff])], { dek: generateDek() }, sink), 'ENVELOPE_HEADER_INVALID');
  await expectCode(decryptEnvelope([], { dek: generateDek() }, sink), 'ENVELOPE_TRUNCATED');
});

test('the content size of a sealed envelope lies in the range its stored shape allows, and its top is the size when the file name is empty', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(300), fc.constantFrom(64, 128), fc.string({ maxLength: 40 }), async (size, chunkSize, fileName) => {
      const { chunks, summary } = await encryptToChunks(randomBytes(size), chunkSize, generateDek(), fileName);
      const range = contentSizeRange({ storedSize: summary.storedSize, headerBytes: chunks[0]!.bytes.length, chunkCount: chunks.length });
      assert.ok(range.min <= size && size <= range.max, `${size} in [${range.min}, ${range.max}]`);
      // The empty file name is the shortest prefix: then the size is the range's top.
      if (fileName === '') assert.equal(range.max, size);
    }),
    { numRuns: 30 },
  );
});
