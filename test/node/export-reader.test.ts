import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import { exportLinesOf, parseExportLine } from '../../src/node/index.ts';

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function linesOf(bytes: Uint8Array, size: number): Promise<string[]> {
  const out: string[] = [];
  for await (const line of exportLinesOf(pieces(bytes, size))) out.push(line);
  return out;
}

test('export lines come out whole however the bytes are cut, multi-byte characters included', async () => {
  const text = '{"a":"Fièvres, novembre 🌡"}\n{"b":"\u00e9"}\n\n{"c":1}';
  const bytes = new TextEncoder().encode(text);
  for (const size of [1, 2, 3, 5, 64]) assert.deepEqual(await linesOf(bytes, size), text.split('\n'), `pieces of ${size}`);
});

test('a line that is not valid UTF-8 is EXPORT_INVALID naming the line, never a replacement character', async () => {
  const good = new TextEncoder().encode('{"kind":"x"}\n{"title":"a\uFFFDb"}\n');
  const at = good.indexOf(0xef);
  // The same JSON but the UTF-8 of U+FFFD replaced by a lone 0xFF byte: readline would have read U+FFFD.
  const bad = new Uint8Array([...good.subarray(0, at), 0xff, ...good.subarray(at + 3)]);
  for (const size of [1, 4, 1000]) {
    await assert.rejects(linesOf(bad, size), (e: unknown) => isDhlError(e, 'EXPORT_INVALID') && e.details.line === 2 && /UTF-8/.test(String(e.details.reason)));
  }
  // A truncated multi-byte character at the very end is refused too.
  await assert.rejects(linesOf(new Uint8Array([0x7b, 0x7d, 0x0a, 0xe2, 0x82]), 2), (e: unknown) => isDhlError(e, 'EXPORT_INVALID') && e.details.line === 2);
});

test('a lone surrogate anywhere in an export line is EXPORT_INVALID naming the line and the path', () => {
  const cases: [string, string][] = [
    ['{"kind":"block","entries":[{"tx":{"body":{"title":"a\\ud800"}}}]}', '$.entries[0].tx.body.title'],
    ['{"x":{"\\udfff":1}}', '$.x.<key>'],
  ];
  for (const [line, path] of cases) {
    assert.throws(() => parseExportLine(line, 7), (e: unknown) => isDhlError(e, 'EXPORT_INVALID') && e.details.line === 7 && e.details.path === path, path);
  }
  // A surrogate pair is a character, not a lone surrogate.
  assert.deepEqual(parseExportLine('{"t":"\\ud83c\\udf21"}', 1), { t: '🌡' });
  // So deep a nesting is refused by JSON.parse or walked without a stack overflow.
  const deep = '{"a":' + '['.repeat(20_000) + '"\\ud800"' + ']'.repeat(20_000) + '}';
  assert.throws(() => parseExportLine(deep, 3), (e: unknown) => isDhlError(e, 'EXPORT_INVALID') && e.details.line === 3);
});

test('a line that is not a JSON object is EXPORT_INVALID naming the line', () => {
  for (const line of ['not json', '[1]', '"x"', 'null']) {
    assert.throws(() => parseExportLine(line, 4), (e: unknown) => isDhlError(e, 'EXPORT_INVALID') && e.details.line === 4, line);
  }
});
