import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GenerationalCache } from '../../../src/node/store/generational-cache.ts';

test('a cache holds at most two generations; null is a value that hides what an older generation holds', () => {
  const cache = new GenerationalCache<string, string | null>(2);
  cache.set('a', 'old a');
  cache.set('b', 'b');
  cache.set('c', 'c'); // a and b are the old generation now
  assert.equal(cache.get('a'), 'old a');
  cache.set('a', null);
  assert.equal(cache.get('a'), null, 'the newer null, not the older text');
  cache.set('d', 'd');
  cache.set('e', 'e'); // c, a=null old; the first generation gone
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), null);
  cache.delete('a');
  assert.equal(cache.get('a'), undefined);
  cache.deleteWhere((v) => v === 'd');
  assert.equal(cache.get('d'), undefined);
  assert.equal(cache.get('e'), 'e');
  const off = new GenerationalCache<string, string>(0);
  off.set('x', 'x');
  assert.equal(off.get('x'), undefined, 'size 0 keeps nothing');
});
