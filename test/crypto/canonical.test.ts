import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalJson, canonicalJsonUnrestricted, taggedBytes, toHex, utf8, DOMAIN_TAGS } from '../../src/crypto/index.ts';
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
