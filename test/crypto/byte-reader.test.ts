import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader } from '../../src/crypto/byte-reader.ts';
import { isDhlError } from '../../src/crypto/index.ts';

const reader = (pieces: number[][]) => new ByteReader(pieces.map((p) => Uint8Array.from(p)), { notBytes: () => new Error('not bytes') });

test('read into a caller\'s buffer copies the bytes there across pieces and returns a view of exactly what was read; fewer only at the end', async () => {
  const r = reader([[1, 2], [3], [4, 5, 6], [7]]);
  const target = new Uint8Array(4).fill(9);
  const first = await r.read(4, target);
  assert.equal(first.buffer, target.buffer, 'the bytes went into the target');
  assert.deepEqual([...first], [1, 2, 3, 4]);
  const second = await r.read(4, target);
  assert.deepEqual([...second], [5, 6, 7], 'the tail is shorter');
  assert.deepEqual([...target], [5, 6, 7, 4], 'past the view the target keeps what it had');
  assert.equal(await r.atEnd(), true);
});

test('a read into a buffer shorter than the bytes asked for is ARGUMENT_INVALID, and the stream is left as it was', async () => {
  const r = reader([[1, 2, 3]]);
  await assert.rejects(r.read(3, new Uint8Array(2)), (err: unknown) => isDhlError(err, 'ARGUMENT_INVALID'));
  assert.deepEqual([...(await r.read(3))], [1, 2, 3]);
});
