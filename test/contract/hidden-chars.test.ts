/** Titles and purposes refuse hidden characters, from one fixed table of a pinned Unicode version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HIDDEN_CHAR_RANGES, HIDDEN_CHARS_UNICODE_VERSION } from '../../src/contract/hidden-chars.ts';
import { hasHiddenChar } from '../../src/contract/parse.ts';
import { hiddenCharsModule, hiddenRanges, PINNED_UNICODE } from '../../scripts/gen-hidden-chars.ts';
import { code, expectOk, hex32, standardWorld } from './builders.ts';

/** What the issue found passing, and the rest of the usual suspects. */
const HIDDEN: [string, string][] = [
  ['tab', '\t'], ['newline', '\n'], ['carriage return', '\r'], ['NUL', '\u0000'], ['DEL', '\u007f'], ['C1 NEL', '\u0085'],
  ['zero-width space U+200B', '\u200b'], ['zero-width non-joiner U+200C', '\u200c'], ['zero-width joiner U+200D', '\u200d'],
  ['left-to-right mark U+200E', '\u200e'], ['right-to-left mark U+200F', '\u200f'], ['Arabic letter mark U+061C', '\u061c'],
  ['BOM U+FEFF', '\ufeff'], ['line separator U+2028', '\u2028'], ['paragraph separator U+2029', '\u2029'],
  ['right-to-left override U+202E', '\u202e'], ['first strong isolate U+2068', '\u2068'], ['soft hyphen U+00AD', '\u00ad'],
  ['word joiner U+2060', '\u2060'], ['tag character U+E0041', '\u{e0041}'], ['lone surrogate', '\ud800'],
];
const VISIBLE = ['Fevers, November', 'Röntgen – Thorax', '血液検査', 'تحليل الدم', 'x-ray 😀', 'heart ❤️', 'a\u0301'];

test('titles refuse tab, newline, zero-width, bidi, BOM and separator characters (BODY_INVALID naming manifest.title)', () => {
  const { w, raj } = standardWorld();
  for (const [name, ch] of HIDDEN) {
    const r = w.addRecord(raj, 'raj', `hidden ${name}`, undefined, { title: `lab${ch}report` });
    assert.equal(code(r), 'BODY_INVALID', name);
    assert.equal(r.outcome.ok ? '' : r.outcome.field, 'manifest.title', name);
  }
  for (const title of VISIBLE) expectOk(w.addRecord(raj, 'raj', `visible ${title}`, undefined, { title }));
});

test('purposes refuse the same characters (BODY_INVALID naming purpose)', () => {
  const { w, raj, meera } = standardWorld();
  const { recordId } = expectOk(w.addRecord(raj, 'raj', 'fevers'));
  for (const [name, ch] of HIDDEN) {
    const r = w.send(meera, 'RequestAccess', { patient: 'raj', records: [recordId], purpose: `second${ch}opinion`, durationMs: 1000 });
    assert.equal(code(r), 'BODY_INVALID', name);
    assert.equal(r.outcome.ok ? '' : r.outcome.field, 'purpose', name);
  }
  expectOk(w.send(meera, 'RequestAccess', { patient: 'raj', records: [hex32('record/fevers')], purpose: VISIBLE.join(' '), durationMs: 1000 }));
});

test('hasHiddenChar decides by code point over the table: range edges, astral planes, and surrogate pairs as one character', () => {
  for (const [first, last] of HIDDEN_CHAR_RANGES) {
    for (const cp of [first, last]) assert.equal(hasHiddenChar(`a${String.fromCodePoint(cp)}b`), true, cp.toString(16));
    if (first > 0) assert.equal(hasHiddenChar(String.fromCodePoint(first - 1)), HIDDEN_CHAR_RANGES.some(([a, b]) => first - 1 >= a && first - 1 <= b));
  }
  assert.equal(hasHiddenChar('\ud83d\ude00'), false, 'a pair is one visible code point');
  assert.equal(hasHiddenChar('\ude00\ud83d'), true, 'reversed, both halves are lone');
});

test(`the committed table is exactly what the generator makes from Unicode ${PINNED_UNICODE} on the pinned Node`, () => {
  assert.equal(HIDDEN_CHARS_UNICODE_VERSION, PINNED_UNICODE);
  assert.equal(
    process.versions.unicode, PINNED_UNICODE,
    'this Node has another Unicode version: the table is a chain rule, so moving to a new version is a decision (regenerate, and say so), not a side effect',
  );
  const committed = readFileSync(new URL('../../src/contract/hidden-chars.ts', import.meta.url), 'utf8');
  assert.equal(committed, hiddenCharsModule(hiddenRanges()), 'run npx tsx scripts/gen-hidden-chars.ts');
});

test("Python's own Unicode data (an independent copy, older) agrees: every Cc, Cf, Zl, Zp, Cs code point it knows is in the table, and every table entry is one of those or was unassigned then", () => {
  const script = `
import json, sys, unicodedata
ranges = json.load(sys.stdin)
hidden = set()
for a, b in ranges:
    hidden.update(range(a, b + 1))
want = {'Cc', 'Cf', 'Zl', 'Zp', 'Cs'}
missing = [c for c in range(0x110000) if unicodedata.category(chr(c)) in want and c not in hidden]
extra = [c for c in sorted(hidden) if unicodedata.category(chr(c)) not in want | {'Cn'}]
print(json.dumps({'version': unicodedata.unidata_version, 'missing': missing[:20], 'extra': extra[:20], 'size': len(hidden)}))
`;
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(HIDDEN_CHAR_RANGES), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { version: string; missing: number[]; extra: number[]; size: number };
  assert.deepEqual(out.missing, [], `in Python's Unicode ${out.version} but not in the table`);
  assert.deepEqual(out.extra, [], `in the table but of another category in Python's Unicode ${out.version}`);
  assert.ok(out.size > 2000, 'the table covers the surrogates and tag characters');
});
