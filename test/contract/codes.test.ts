/** The one registry of rejection codes (STYLE §5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isRejectCode, OK, REJECT_CODES, RESERVED_CODES, rejectMessage } from '../../src/contract/index.ts';

test('REJECT_CODES is frozen; every code is UPPER_SNAKE_CASE with its own message; OK is not a code', () => {
  assert.ok(Object.isFrozen(REJECT_CODES));
  assert.ok(Object.isFrozen(RESERVED_CODES));
  const codes = Object.keys(REJECT_CODES);
  for (const c of codes) assert.match(c, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
  const messages = Object.values(REJECT_CODES);
  assert.equal(new Set(messages).size, messages.length, 'messages are distinct');
  assert.equal(isRejectCode(OK), false);
  assert.equal(isRejectCode('toString'), false, 'no prototype keys');
  assert.equal(rejectMessage('GRANT_VOID'), REJECT_CODES.GRANT_VOID);
  for (const c of RESERVED_CODES) assert.ok(isRejectCode(c));
});

test('the module README lists every code of the registry', () => {
  const readme = readFileSync(new URL('../../src/contract/README.md', import.meta.url), 'utf8');
  const missing = Object.keys(REJECT_CODES).filter((c) => !readme.includes(`\`${c}\``));
  assert.deepEqual(missing, []);
});

test('src/contract imports nothing from node: (it runs unchanged in browsers)', () => {
  const dir = new URL('../../src/contract/', import.meta.url);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 10);
  for (const f of files) {
    const text = readFileSync(new URL(f, dir), 'utf8');
    assert.doesNotMatch(text, /from 'node:|require\(|Date\.now|new Date|Math\.random|getRandomValues|performance\.now/, f);
  }
});
