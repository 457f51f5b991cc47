import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalJson, canonicalJsonUnrestricted, taggedBytes, toHex, utf8, DOMAIN_TAGS, MAX_JSON_DEPTH } from '../../src/crypto/index.ts';
import { readSharedJcs, type JcsVectors } from '../vectors/jcs/take.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/jcs/rfc8785.json', import.meta.url), 'utf8')) as JcsVectors;

function check(cases: JcsVectors['cases']) {
  for (const c of cases) {
    assert.equal(toHex(utf8.encode(canonicalJsonUnrestricted(JSON.parse(c.inputText)))), c.expectedHex, c.name);
  }
}

test('RFC 8785 published cases (taken into our vectors) canonicalise byte for byte', () => {
  assert.ok(vectors.cases.length >= 6);
  check(vectors.cases);
});

test('RFC 8785 published cases in ../shared/testdata, when present, canonicalise byte for byte', (t) => {
  const shared = readSharedJcs();
  if (!shared) {
    t.diagnostic('../shared/testdata/jcs is absent on this machine: only the taken copy in test/vectors/jcs was checked');
    return;
  }
  assert.deepEqual(shared, vectors.cases, 'test/vectors/jcs/rfc8785.json is out of date: run npm run vectors');
  check(shared);
});

test('signed JSON admits only strings, booleans, non-negative safe integers, arrays and objects', () => {
  assert.equal(canonicalJson({ b: [true, 'x', 0], a: { d: 9007199254740991 } }), '{"a":{"d":9007199254740991},"b":[true,"x",0]}');
  for (const bad of [{ x: 1.5 }, { x: -1 }, { x: null }, { x: 2 ** 53 }, { x: undefined }, { x: new Date(0) }, [NaN], { x: -0 }]) {
    assert.throws(() => canonicalJson(bad), { code: 'CANONICAL_JSON_INVALID' });
  }
  assert.equal(canonicalJson({ k: null }, { allowNull: true }), '{"k":null}');
});

test('tagged bytes are the domain tag, a newline, then the canonical JSON', () => {
  assert.equal(utf8.decode(taggedBytes(DOMAIN_TAGS.wrap, { z: 1, a: 'é' })), 'dhl/wrap/v1\n{"a":"é","z":1}');
});

test('a lone surrogate in a string or a key is CANONICAL_JSON_INVALID (RFC 8785 §3.2.2.2, I-JSON): it has no UTF-8 form', () => {
  for (const bad of ['\ud800', 'a\udc00', '\udc00\ud800', 'x\ud83d']) {
    assert.throws(() => canonicalJson({ s: bad }), { code: 'CANONICAL_JSON_INVALID' }, JSON.stringify(bad));
    assert.throws(() => canonicalJson({ [bad]: 1 }), { code: 'CANONICAL_JSON_INVALID' }, `key ${JSON.stringify(bad)}`);
    assert.throws(() => canonicalJson([[bad]]), { code: 'CANONICAL_JSON_INVALID' });
  }
  // A pair is one scalar value and is written as itself.
  assert.equal(canonicalJson({ s: '\ud83d\ude00' }), '{"s":"😀"}');
});

test(`nesting is bounded at ${MAX_JSON_DEPTH} levels: deeper values are CANONICAL_JSON_INVALID, never a stack overflow`, () => {
  const nest = (depth: number, leaf: unknown = 0): unknown => {
    let v = leaf;
    for (let i = 0; i < depth; i++) v = i % 2 ? { k: v } : [v];
    return v;
  };
  assert.doesNotThrow(() => canonicalJson(nest(MAX_JSON_DEPTH)));
  assert.throws(() => canonicalJson(nest(MAX_JSON_DEPTH + 1)), { code: 'CANONICAL_JSON_INVALID' });
  // 100,000 deep is refused as quickly: the check stops at the bound instead of walking down.
  assert.throws(() => canonicalJson(nest(100_000)), { code: 'CANONICAL_JSON_INVALID' });
});
