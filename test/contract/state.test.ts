/** State views: copy semantics, overlay semantics, the UTF-8 key order of DESIGN §13. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemoryStateView, OverlayView, type Json } from '../../src/contract/index.ts';

test('MemoryStateView copies values in and out: a caller never shares a reference with stored state', () => {
  const value = { list: [1, 2], nested: { a: 'x' } };
  const view = new MemoryStateView([['k', value]]);
  value.list.push(3);
  const out = view.get('k') as { list: number[] };
  assert.deepEqual(out.list, [1, 2]);
  out.list.push(4);
  assert.deepEqual((view.get('k') as { list: number[] }).list, [1, 2]);
});

test('OverlayView: reads see pending writes, a delete hides the base value, the base is never touched', () => {
  const base = new MemoryStateView([['a', 1], ['b', 'two']]);
  const overlay = new OverlayView(base);
  overlay.set('a', 10);
  overlay.delete('b');
  overlay.set('c', { x: true });
  assert.equal(overlay.get('a'), 10);
  assert.equal(overlay.get('b'), undefined);
  assert.deepEqual(overlay.get('c'), { x: true });
  assert.equal(base.get('a'), 1);
  assert.deepEqual(overlay.writes(), [['a', 10], ['b', null], ['c', { x: true }]]);
});

test('OverlayView freezes what it holds, so a rule mutating a value it read fails loudly instead of corrupting state', () => {
  const overlay = new OverlayView(new MemoryStateView());
  const value = { list: ['a'] };
  overlay.set('k', value);
  value.list.push('b');
  const held = overlay.get('k') as { list: string[] };
  assert.deepEqual(held.list, ['a']);
  assert.throws(() => held.list.push('c'), TypeError);
});

test('OverlayView refuses values that are not state JSON: floats, negatives, null inside, undefined, class instances', () => {
  const overlay = new OverlayView(new MemoryStateView());
  for (const bad of [1.5, -1, -0, { a: null }, [undefined], new Date(0), Number.NaN, 2 ** 53]) {
    assert.throws(() => overlay.set('k', bad as Json), TypeError, String(bad));
  }
  assert.throws(() => overlay.set('', 1), TypeError, 'empty key');
});

test('writes() are sorted by the UTF-8 bytes of key, not by UTF-16 code units', () => {
  const overlay = new OverlayView(new MemoryStateView());
  const keys = ['b', 'a', '\u{10000}', '\uffff', 'a/b', 'a0'];
  for (const k of keys) overlay.set(k, 1);
  const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual(overlay.writes().map(([k]) => k), expected);
  assert.deepEqual(expected.slice(-2), ['\uffff', '\u{10000}'], 'U+FFFF sorts before U+10000 in UTF-8');
});

test('folding a transaction\'s writes into an overlay and reading back gives what was written', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.option(fc.nat(), { nil: null }))), (writes) => {
      const overlay = new OverlayView(new MemoryStateView([['a', 0]]));
      overlay.apply(writes);
      const last = new Map<string, number | null>([['a', 0], ...writes]);
      for (const [k, v] of last) assert.equal(overlay.get(k), v ?? undefined);
    }),
  );
});
