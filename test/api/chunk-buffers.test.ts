import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkBuffers } from '../../src/api/chunk-buffers.ts';

test('a buffer given back is taken again for a body of its length only, and past the capacity one is dropped', () => {
  const pool = new ChunkBuffers(3000);
  const a = pool.take(1000);
  assert.equal(a.length, 1000);
  pool.give(a);
  assert.equal(pool.pooledBytes, 1000);
  assert.notEqual(pool.take(999), a, 'another length gets a buffer of its own');
  assert.equal(pool.take(1000), a, 'the same length takes the one given back');
  assert.equal(pool.pooledBytes, 0);
  const [b, c, d] = [pool.take(1000), pool.take(1000), pool.take(1000)];
  for (const x of [a, b, c, d]) pool.give(x);
  assert.equal(pool.pooledBytes, 3000, 'the fourth did not fit and was dropped');
  const back = new Set([pool.take(1000), pool.take(1000), pool.take(1000)]);
  assert.deepEqual(back, new Set([a, b, c]));
  assert.notEqual(pool.take(1000), d);
});

test('a pooled buffer is never a slice of a buffer shared with other allocations', () => {
  const small = new ChunkBuffers(1 << 20).take(200);
  assert.equal(small.byteOffset, 0);
  assert.equal(small.buffer.byteLength, 200);
});
