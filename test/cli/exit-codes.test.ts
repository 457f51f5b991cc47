import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ERRORS, DhlError, ERROR_STATUS } from '../../src/client/index.ts';
import { CLI_ERRORS, cliError } from '../../src/cli/errors.ts';
import { EXIT, exitClassOf, exitClassOfCode, exitCodesHelp } from '../../src/cli/exit-codes.ts';

test('every code of every layer and of the CLI has an exit class; only internal faults are plain failures', () => {
  const codes = [...Object.keys(ERROR_STATUS), ...Object.keys(CLIENT_ERRORS.registry), ...Object.keys(CLI_ERRORS.registry)];
  const failures = codes.filter((c) => exitClassOfCode(c) === 'failure');
  // The node's own faults (500) and a damaged keystore: nothing the user did, nothing to retry.
  assert.deepEqual(failures.sort(), ['INTERNAL', 'KEYSTORE_INVALID', 'ORDERING_ARGUMENT_INVALID']);
});

test('exit classes of the cases a person meets', () => {
  const cases: [string, keyof typeof EXIT][] = [
    ['USAGE', 'usage'], ['ARGUMENT_INVALID', 'usage'], ['NO_TERMINAL', 'usage'],
    ['LOGIN_FAILED', 'auth'], ['PASSPHRASE_WRONG', 'auth'], ['SESSION_EXPIRED', 'auth'], ['SESSION_ENDED', 'auth'], ['VAULT_OPEN_FAILED', 'auth'],
    ['READ_NOT_PERMITTED', 'denied'], ['ADMIN_REQUIRED', 'denied'], ['USERNAME_TAKEN', 'denied'], ['READ_DENIED', 'denied'],
    ['USER_UNKNOWN', 'notFound'], ['RECORD_NOT_FOUND', 'notFound'], ['NODE_NOT_INITIALISED', 'notFound'], ['RECORD_ERASED', 'notFound'],
    ['NODE_UNREACHABLE', 'network'], ['NODE_OVERLOADED', 'network'], ['RATE_LIMITED', 'network'], ['NODE_AWAITING_SETUP', 'network'],
    ['SIGNATURE_INVALID', 'verification'], ['MERKLE_ROOT_MISMATCH', 'verification'], ['DATA_DIR_TAMPERED', 'verification'],
    ['HEAD_BEHIND', 'verification'], ['CHAIN_CHANGED', 'verification'], ['CIPHER_ROOT_MISMATCH', 'verification'], ['EXPORT_INVALID', 'verification'],
    ['CANCELLED', 'cancelled'],
  ];
  for (const [code, cls] of cases) assert.equal(exitClassOfCode(code), cls, code);
  assert.equal(exitClassOf(cliError('NODE_UNREACHABLE')), 'network');
  assert.equal(exitClassOf(cliError('NODE_MISMATCH')), 'usage');
  assert.equal(exitClassOf(new DhlError('SOMETHING_NEW', 'x')), 'failure', 'an unknown code is a plain failure');
  assert.equal(exitClassOf(new TypeError('x')), 'failure');
  // A ledgered rejection takes the class of the contract's code it was ledgered with.
  assert.equal(exitClassOf(new DhlError('TX_REJECTED', 'x', { outcome: 'GRANT_NOT_FOUND' })), 'notFound');
  assert.equal(exitClassOf(new DhlError('TX_REJECTED', 'x', { outcome: 'ADMIN_REQUIRED' })), 'denied');
});

test('exit statuses are distinct, and dhl --help lists each with its meaning', () => {
  const statuses = Object.values(EXIT).map((e) => e.status);
  assert.equal(new Set(statuses).size, statuses.length);
  const help = exitCodesHelp();
  for (const e of Object.values(EXIT)) assert.ok(help.includes(`${e.status}  ${e.meaning}`), e.meaning);
});
