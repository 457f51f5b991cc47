/**
 * DESIGN §1's scenario end to end with the real `dhl` as separate processes
 * against `dhl serve` (a process too), each user with a keystore of their own
 * ($DHL_HOME) and the node's real KDF costs. Slow: every step starts a
 * process, makes keys or runs Argon2id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { dhl, REPO, scratch } from './helpers.ts';
import { tempDir } from '../helpers/temp.ts';

test('the scenario from a terminal: two admins finish the set-up at once, a patient and a doctor register, everyone sees the same chain', { timeout: 600_000 }, async (t) => {
  const s = scratch(t, 'cli-scenario');
  const dataDir = join(tempDir('cli-scenario-data'), 'data');
  const serve = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--data-dir', dataDir, '--admins', '2', '--org', 'city-hospital'], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(async () => {
    if (serve.exitCode === null) {
      serve.kill('SIGTERM');
      await once(serve, 'close');
    }
  });
  let log = '';
  serve.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  while (!/#token=[A-Za-z0-9_-]{43}/.test(log)) {
    if (serve.exitCode !== null) assert.fail(`dhl serve exited ${serve.exitCode}:\n${log}`);
    await once(serve.stdout, 'data');
  }
  const link = /(http:\/\/127\.0\.0\.1:\d+\/setup#token=[A-Za-z0-9_-]{43})/.exec(log)![1]!;
  const node = link.slice(0, link.indexOf('/setup'));
  const as = (user: string, passphrase: string) => {
    const env = { DHL_HOME: s.home(user), DHL_NODE: node };
    const file = s.secret(user, passphrase);
    return (...args: string[]) => dhl(env, '--passphrase-file', file, ...args);
  };
  const ines = as('ines', 'ines correct horse battery');
  const grace = as('grace', 'grace staple orbit lantern');
  const raj = as('raj', 'raj fevers in november');
  const meera = as('meera', 'meera city hospital doctor');

  // Both admins run `dhl setup` at once: each waits for the other to join, then to register.
  const [a, b] = await Promise.all([ines('setup', link, '--username', 'ines'), grace('--json', 'setup', link, '--username', 'grace')]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.match(a.stdout, /set-up of http:\/\/127\.0\.0\.1:\d+ complete: ines is an admin of chain [0-9a-f]{64}/);
  const chain = (JSON.parse(b.stdout) as { chain: string }).chain;
  assert.ok(a.stdout.includes(chain), 'both admins computed the same chain id');

  for (const [who, name] of [[raj, 'raj'], [meera, 'meera']] as const) {
    const r = await who('--json', 'register', '--username', name, '--chain', chain);
    assert.equal(r.status, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { recoveryKey: string }).recoveryKey, /^[0-9A-Z-]{64}$/);
  }
  const status = await raj('--json', 'status');
  assert.equal(status.status, 0, status.stderr);
  const st = JSON.parse(status.stdout) as { chainMatches: boolean; session: string; status: { head: { height: number } } };
  assert.equal(st.chainMatches, true);
  assert.equal(st.session, 'valid');
  assert.equal(st.status.head.height, 3, 'block 1: the admins; blocks 2 and 3: raj and meera');
});
