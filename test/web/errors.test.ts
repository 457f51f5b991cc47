/** What a person reads when something fails (web/src/errors.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientError } from '../../src/client/errors.ts';
import { DhlError } from '../../src/crypto/errors.ts';
import { isRejectCode, REJECT_CODES } from '../../src/contract/codes.ts';
import { messageOf, outcomeInWords } from '../../web/src/errors.ts';

test('a not-found says it may also be something one may not see; an unknown code shows its message and code', () => {
  assert.match(messageOf(new DhlError('RESOURCE_NOT_FOUND', 'no such resource (kind=record)')), /Not found here, or not something you may see/);
  assert.equal(messageOf(new DhlError('SOMETHING_NEW', 'a new failure')), 'a new failure (SOMETHING_NEW)');
  assert.equal(messageOf(new DhlError('constructor', 'a code named like a built-in')), 'a code named like a built-in (constructor)');
});

test("a refused transaction names the contract's outcome in plain words, an unknown one by its code", () => {
  assert.equal(messageOf(clientError('TX_REJECTED', { outcome: 'REQUEST_PENDING_EXISTS' })), 'The ledger recorded this as refused: you already asked for this record and the patient has not answered yet.');
  assert.equal(messageOf(clientError('TX_REJECTED', { outcome: 'SOMETHING_NEW' })), 'The ledger recorded this as refused: SOMETHING_NEW.');
});

test('a failed fetch says the node could not be reached; anything else shows its own message', () => {
  assert.match(messageOf(new TypeError('Failed to fetch')), /could not be reached/);
  assert.equal(messageOf(new Error('plain')), 'plain');
});

test("a refused action's code in plain words: the read refusals and the admin's code each have words, an unknown code stays itself", () => {
  for (const code of ['READ_NOT_PERMITTED', 'GRANT_EXPIRED', 'GRANT_VOID', 'ADMIN_REQUIRED', 'RECORD_NOT_FOUND'] as const) {
    assert.ok(isRejectCode(code), `${code} is a contract code`);
    assert.notEqual(outcomeInWords(code), code, code);
  }
  assert.equal(outcomeInWords('SOMETHING_NEW'), 'SOMETHING_NEW');
});

test("every code of the contract's registry has words (the page's own, else the registry's message), and a code it does not declare stays itself", () => {
  for (const [code, message] of Object.entries(REJECT_CODES)) {
    const words = outcomeInWords(code);
    assert.ok(words.length > 0 && words !== code && !words.includes(code), `${code} in words, not as itself`);
    assert.ok(!/^[A-Z_]+$/.test(words), `${code}: words, not another code`);
    if (code === 'WRAP_DUPLICATE') assert.equal(words, message, 'a code without words of the page reads as the registry says it');
  }
  assert.equal(outcomeInWords('READ_NOT_PERMITTED'), 'no grant lets this person open the record', 'the page’s words where it has them');
  for (const unknown of ['SOMETHING_NEW', 'read_not_permitted', 'toString', '__proto__', '']) assert.equal(outcomeInWords(unknown), unknown, JSON.stringify(unknown));
});

test('a read denied says why only where it is the admin-only rule; any other denial (a doctor whose keys the role does not vouch for) is not told it needs an admin', async () => {
  const { nodeError } = await import('../../src/node/errors.ts');
  // As the client gets it: the node's code and message, over HTTP.
  const overHttp = (reason: string) => { const e = nodeError('READ_DENIED', { reason }); return new DhlError(e.code, e.message); };
  assert.match(messageOf(overHttp('ADMIN_REQUIRED')), /Only an active administrator/);
  assert.equal(messageOf(overHttp('ROLE_KEY_NOT_VOUCHED')), 'The ledger gives you no right to see this now.');
});
