import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { toHex } from '../../src/crypto/index.ts';
import { hexList } from '../../src/node/hex.ts';

test("hexList is crypto's toHex of each item: any lengths, views into a larger buffer, an empty item, an empty list", () => {
  const big = new Uint8Array(randomBytes(96));
  const items = [0, 1, 31, 32, 33, 1000].map((n) => new Uint8Array(randomBytes(n)));
  items.push(big.subarray(32, 64), new Uint8Array(0), big.subarray(95));
  assert.deepEqual(hexList(items), items.map(toHex));
  assert.deepEqual(hexList([]), []);
});
