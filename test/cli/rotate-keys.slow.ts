/**
 * `dhl rotate-keys` cannot lock a user out (src/client/rotation.ts): killed
 * before its RotateKeys reached the node, or with the answer lost after the
 * ledger took it, the keystore holds what finishes the rotation the next
 * time; records wrapped for the old keys still open.
 */
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { dhl, fileScope, Gate, rajBehindGate, REPO, scratch } from './helpers.ts';

const PASS = 'raj staple orbit lantern';
const fileContext = fileScope();
const gate = new Gate((method, url) => method === 'POST' && url === '/v1/tx');

before(async () => {
  await rajBehindGate(fileContext, gate, PASS);
});

async function rajWithRecord(t: TestContext) {
  const s = scratch(t);
  const env = { DHL_HOME: s.home('raj'), DHL_NODE: gate.url };
  const pass = s.secret('raj', PASS);
  const run = (...args: string[]) => dhl(env, '--passphrase-file', pass, ...args);
  assert.equal((await run('login', '--username', 'raj')).status, 0);
  const file = join(s.dir, 'fevers.txt');
  writeFileSync(file, 'fever 39.2C\n');
  const up = await run('--json', 'upload', file, '--title', 'Fevers');
  assert.equal(up.status, 0, up.stderr);
  const before = JSON.parse((await run('--json', 'whoami')).stdout) as { sigKeyId: string };
  return { s, env, pass, run, recordId: (JSON.parse(up.stdout) as { recordId: string }).recordId, oldSig: before.sigKeyId };
}

async function finishesAndStillReads(w: Awaited<ReturnType<typeof rajWithRecord>>) {
  const done = await w.run('--json', 'rotate-keys');
  assert.equal(done.status, 0, done.stderr);
  const who = JSON.parse((await w.run('--json', 'whoami')).stdout) as { sigKeyId: string; session: string };
  assert.notEqual(who.sigKeyId, w.oldSig, 'the keystore signs with the new key');
  assert.equal(who.session, 'valid');
  const laptop = await dhl({ DHL_HOME: w.s.home('laptop'), DHL_NODE: gate.url }, '--passphrase-file', w.pass, 'login', '--username', 'raj');
  assert.equal(laptop.status, 0, `another device logs in with the vault the node now keeps: ${laptop.stderr}`);
  const got = join(w.s.dir, 'got.txt');
  const down = await w.run('download', w.recordId, '--out', got);
  assert.equal(down.status, 0, down.stderr);
  assert.equal(readFileSync(got, 'utf8'), 'fever 39.2C\n', 'a record wrapped for the old key still opens');
}

test('killed while its RotateKeys is on the way: nothing is signed with the unledgered keys, and rotate-keys again finishes it', { timeout: 300_000 }, async (t) => {
  const w = await rajWithRecord(t);
  gate.hold = true;
  gate.held = 0;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--passphrase-file', w.pass, 'rotate-keys'], { cwd: REPO, env: { ...process.env, ...w.env }, stdio: 'ignore' });
  await gate.untilHeld();
  child.kill('SIGKILL');
  await once(child, 'close');
  gate.hold = false;
  const stored = JSON.parse(readFileSync(join(w.s.home('raj'), 'keystore.json'), 'utf8')) as { rotation?: unknown };
  assert.ok(stored.rotation, 'the re-sealed vault and the signed RotateKeys were stored before the submission');
  const blocked = await w.run('upload', join(w.s.dir, 'fevers.txt'), '--title', 'again');
  assert.equal(blocked.status, EXIT.auth.status);
  assert.match(blocked.stderr, /ROTATION_UNFINISHED/);
  await finishesAndStillReads(w);
});

test('the ledger took the RotateKeys but the answer was lost: the node still holds the old vault; rotate-keys again submits the same transaction and stores the new vault', { timeout: 300_000 }, async (t) => {
  const w = await rajWithRecord(t);
  gate.swallow = true;
  const cut = await w.run('rotate-keys');
  gate.swallow = false;
  assert.equal(cut.status, EXIT.network.status, cut.stderr);
  const laptop = await dhl({ DHL_HOME: w.s.home('early'), DHL_NODE: gate.url }, '--passphrase-file', w.pass, 'login', '--username', 'raj');
  assert.equal(laptop.status, EXIT.auth.status, 'until the rotation is finished the node\'s vault holds only the old keys, which the ledger no longer takes');
  await finishesAndStillReads(w);
});
