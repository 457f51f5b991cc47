import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_ERRORS } from '../../src/client/errors.ts';
import { isErrorCode } from '../../src/protocol/index.ts';

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

test("the client's codes are its own: none is a code of the node's error table, each has a message", () => {
  for (const [code, message] of Object.entries(CLIENT_ERRORS.registry)) {
    assert.equal(isErrorCode(code), false, `${code} is also in src/protocol/errors.ts`);
    assert.ok(message.length > 10, code);
  }
});

test('every code src/client throws is in the client registry or the error table', () => {
  const root = new URL('../../src/client/', import.meta.url).pathname;
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:new DhlError|clientError)\('([A-Z_]+)'/g)) {
      const code = m[1]!;
      assert.ok(Object.hasOwn(CLIENT_ERRORS.registry, code) || isErrorCode(code), `${file}: ${code} is in no registry`);
    }
  }
});
