/**
 * The real `dhl` as separate processes against a node on loopback: the
 * hidden passphrase prompt under a real pseudo-terminal (util-linux
 * `script`), and each exit class produced once.
 */
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_KDF_COSTS } from '../../src/api/node-port.ts';
import { register } from '../../src/client/index.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { completeSetup, fixturePairs, startTestNode, type TestNode } from '../api/helpers.ts';
import { closedPort, dhl, fileScope, PtyDhl, scratch } from './helpers.ts';
import { tempDir } from '../helpers/temp.ts';
import { join } from 'node:path';

const RAJ_PASS = 'raj staple orbit lantern';
const WRONG = 'a wrong guess of a passphrase';

const fileContext = fileScope();
let n: TestNode;

before(async () => {
  n = await startTestNode(fileContext, { app: { testOnlyKdfCosts: DEFAULT_KDF_COSTS } });
  await completeSetup(n);
  await register(n.api(), { username: 'raj', passphrase: RAJ_PASS, now: Date.now(), keys: await fixturePairs('raj') });
});

test('the passphrase prompt echoes nothing; a wrong passphrase is refused clearly and asked again; the right one logs in', { timeout: 120_000 }, async (t) => {
  const s = scratch(t);
  const pty = new PtyDhl({ DHL_HOME: s.home('raj'), DHL_NODE: n.url }, ['login', '--username', 'raj']);
  t.after(() => pty.kill());
  let at = await pty.waitFor(/Passphrase for raj:/);
  pty.type(`${WRONG}\r`);
  at = await pty.waitFor(/the node refused the login \(unknown user or wrong passphrase\): try again \(2 attempts left\)/, at);
  at = await pty.waitFor(/Passphrase for raj:/, at);
  pty.type(`${RAJ_PASS}\r`);
  await pty.waitFor(/logged in as raj on http:\/\/127\.0\.0\.1:\d+ until/, at);
  assert.equal(await pty.exited, 0, pty.output);
  assert.ok(!pty.output.includes(WRONG) && !pty.output.includes(RAJ_PASS), `a typed passphrase was echoed:\n${pty.output}`);
  assert.ok(!pty.output.includes('*'.repeat(8)), 'not even masked: nothing shows its length');
});

test('Ctrl-C at the passphrase prompt cancels with its own exit status; three wrong passphrases end in the auth status', { timeout: 120_000 }, async (t) => {
  const s = scratch(t);
  const env = { DHL_HOME: s.home('raj'), DHL_NODE: n.url };
  const cancelled = new PtyDhl(env, ['login', '--username', 'raj']);
  t.after(() => cancelled.kill());
  await cancelled.waitFor(/Passphrase for raj:/);
  cancelled.type('\x03');
  assert.equal(await cancelled.exited, EXIT.cancelled.status, cancelled.output);
  assert.match(cancelled.output, /CANCELLED/);

  const wrong = new PtyDhl(env, ['login', '--username', 'raj']);
  t.after(() => wrong.kill());
  let at = 0;
  for (let left = 2; left >= 0; left--) {
    at = await wrong.waitFor(/Passphrase for raj:/, at);
    wrong.type(`${WRONG}\r`);
    // The next prompt only after the refusal: typed while no prompt is up, the terminal itself would echo it.
    if (left > 0) at = await wrong.waitFor(new RegExp(`try again \\(${left} attempts? left\\)`), at);
  }
  assert.equal(await wrong.exited, EXIT.auth.status, wrong.output);
  assert.match(wrong.output, /LOGIN_FAILED: unknown user or wrong passphrase/);
});

test('each exit class once: usage 2, auth 3, denied 4, not found 5, network 6, verification 7; --json errors name the class', { timeout: 120_000 }, async (t) => {
  const s = scratch(t);
  const env = (user: string) => ({ DHL_HOME: s.home(user), DHL_NODE: n.url });
  const wrongFile = s.secret('wrong', WRONG);
  const newFile = s.secret('new', 'a passphrase for a taken name');
  const [usage, auth, denied, notFound, network, verification, json] = await Promise.all([
    dhl(env('u'), 'login', '--no-such-flag'),
    dhl(env('a'), 'login', '--username', 'raj', '--passphrase-file', wrongFile),
    dhl(env('d'), 'register', '--username', 'raj', '--new-passphrase-file', newFile),
    dhl(env('n'), 'verify', '--data-dir', join(tempDir('cli-missing'), 'nothing-here')),
    closedPort().then((port) => dhl({ ...env('w'), DHL_NODE: `http://127.0.0.1:${port}` }, 'status')),
    dhl(env('v'), 'login', '--username', 'raj', '--chain', 'ab'.repeat(32), '--passphrase-file', wrongFile),
    dhl(env('j'), '--json', 'login', '--username', 'raj', '--passphrase-file', wrongFile),
  ]);
  const check = (r: { status: number | null; stderr: string }, status: number, pattern: RegExp) => {
    assert.equal(r.status, status, r.stderr);
    assert.match(r.stderr, pattern);
  };
  check(usage, EXIT.usage.status, /unknown option '--no-such-flag'/);
  check(auth, EXIT.auth.status, /LOGIN_FAILED/);
  check(denied, EXIT.denied.status, /USERNAME_TAKEN: this username is already registered/);
  check(notFound, EXIT.notFound.status, /NODE_NOT_INITIALISED/);
  check(network, EXIT.network.status, /NODE_UNREACHABLE: cannot reach the node.*ECONNREFUSED/);
  check(verification, EXIT.verification.status, /CHAIN_CHANGED: the node serves another chain/);
  assert.equal(json.status, EXIT.auth.status);
  assert.deepEqual(JSON.parse(json.stderr).error.exit, { status: EXIT.auth.status, class: 'auth' });
  assert.equal(json.stdout, '');
});
