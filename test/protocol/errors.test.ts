import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ERRORS, ERROR_STATUS, PATTERN, RETRY_AFTER_CODES, ROUTES, isErrorCode, isErrorBody, openApiPath, statusOf } from '../../src/protocol/index.ts';
import { B64URL, HEX32, HEX64, ORG_OR_NODE_ID } from '../../src/ledger/validate.ts';
import { CRYPTO_ERRORS, USERNAME_PATTERN } from '../../src/crypto/index.ts';
import { LEDGER_ERRORS, LOGIN_ERRORS, MERKLE_ERRORS, ORIGIN } from '../../src/ledger/index.ts';
import { PRECHECK_ERRORS, REJECT_CODES } from '../../src/contract/index.ts';
import { ORDERING_ERRORS } from '../../src/ordering/errors.ts';
import { ADMISSION_REFUSALS, NODE_ERRORS } from '../../src/node/index.ts';
import { readFileSync } from 'node:fs';

const LAYERS: Record<string, readonly string[]> = {
  crypto: Object.keys(CRYPTO_ERRORS.registry),
  ledger: Object.keys(LEDGER_ERRORS.registry),
  merkle: Object.keys(MERKLE_ERRORS.registry),
  login: Object.keys(LOGIN_ERRORS.registry),
  contract: Object.keys(REJECT_CODES),
  precheck: Object.keys(PRECHECK_ERRORS.registry),
  ordering: Object.keys(ORDERING_ERRORS.registry),
  node: Object.keys(NODE_ERRORS.registry),
  api: Object.keys(API_ERRORS),
};

test('the error table names every code of every layer registry, and nothing else', () => {
  const all = Object.values(LAYERS).flat();
  for (const [layer, codes] of Object.entries(LAYERS)) {
    for (const code of codes) assert.ok(isErrorCode(code), `${layer} code ${code} has no HTTP status in src/protocol/errors.ts`);
  }
  for (const code of Object.keys(ERROR_STATUS)) assert.ok(all.includes(code), `${code} is in the error table but in no registry (retired codes are removed, never reused)`);
  assert.equal(new Set(all).size, all.length, 'a code is declared by two layers');
});

test('every status is a 4xx or 5xx, and retryable codes are the 429s and 503s', () => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) assert.ok(status >= 400 && status <= 599, `${code}: ${status}`);
  for (const code of RETRY_AFTER_CODES) assert.ok([429, 503].includes(ERROR_STATUS[code]), code);
  assert.equal(statusOf('NOT_A_CODE'), 500);
  assert.equal(statusOf('TX_SIGNATURE_INVALID'), 422);
});

test('isErrorCode and isErrorBody narrow only on known codes', () => {
  assert.ok(isErrorBody({ code: 'LOGIN_FAILED', message: 'x' }));
  assert.ok(!isErrorBody({ code: 'WHATEVER', message: 'x' }));
  assert.ok(!isErrorBody({ code: 'LOGIN_FAILED' }));
  for (const v of [null, 1, 'LOGIN_FAILED', [], { code: 1, message: 'x' }, 'toString', '__proto__']) assert.ok(!isErrorBody(v));
  assert.ok(!isErrorCode('toString'));
  assert.ok(!isErrorCode('__proto__'));
});

test('each route declares only codes of the table, and the common ones its method and auth imply', () => {
  for (const [name, r] of Object.entries(ROUTES)) {
    for (const code of r.errors) assert.ok(isErrorCode(code), `${name}: ${code}`);
    assert.ok(r.errors.includes('INTERNAL'), name);
    if (r.method === 'POST') assert.ok(r.errors.includes('REQUEST_INVALID') && r.errors.includes('REQUEST_NOT_JSON'), name);
    if (r.auth === 'session') assert.ok(r.errors.includes('SESSION_REQUIRED') && r.errors.includes('SESSION_EXPIRED'), name);
    if (r.rateLimited) assert.ok(r.errors.includes('RATE_LIMITED'), name);
  }
});

test("protocol's patterns are the ledger's and crypto's (protocol imports nothing of ours, so the copies are held equal here)", () => {
  const same = (pattern: string, re: RegExp) => assert.equal(new RegExp(pattern).source, re.source);
  same(PATTERN.username, USERNAME_PATTERN);
  same(PATTERN.origin, ORIGIN);
  same(PATTERN.hex64, HEX64);
  same(PATTERN.hex32, HEX32);
  same(PATTERN.base64url, B64URL);
  same(PATTERN.org, ORG_OR_NODE_ID);
});

test('docs/api.md lists every api error code with its status', () => {
  const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  for (const [code, e] of Object.entries(API_ERRORS)) assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${e.status} \\|`), `${code} missing from docs/api.md`);
});

test('protocol/ is pure: no node: imports and nothing of ours', () => {
  for (const file of ['index.ts', 'errors.ts', 'schemas.ts', 'routes.ts']) {
    const text = readFileSync(new URL(`../../src/protocol/${file}`, import.meta.url), 'utf8');
    assert.doesNotMatch(text, /from 'node:/, file);
    assert.doesNotMatch(text, /from '\.\.\//, file);
  }
});

test("every code the node's door refuses a transaction with is declared on POST /v1/tx", () => {
  for (const code of ADMISSION_REFUSALS) assert.ok((ROUTES.submitTx.errors as readonly string[]).includes(code), code);
});

test('docs/api.md lists every route of the table (method and OpenAPI path)', () => {
  const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  for (const [name, r] of Object.entries(ROUTES)) assert.ok(doc.includes(`| \`${r.method} ${openApiPath(r.url)}\``), `${name} missing from docs/api.md`);
});
