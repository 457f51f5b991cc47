/**
 * DESIGN §1's scenario end to end with the real `dhl` as separate processes
 * against `dhl serve` (a process too), each user with a keystore of their own
 * ($DHL_HOME) and the node's real KDF costs. Slow: every step starts a
 * process, makes keys or runs Argon2id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { dhl, PtyDhl, REPO, scratch } from './helpers.ts';
import { tempDir } from '../helpers/temp.ts';

test('the scenario from a terminal, each user a process with a keystore of their own: two admins finish the set-up at once; raj and meera register; meera is enrolled by fingerprint; raj uploads and lists; meera finds, asks, is granted, downloads; raj revokes and re-keys; the next read is refused and ledgered; the audit shows it; the chain verifies; dhl demo --node then runs the scenario again on that node with an admin\'s keystore', { timeout: 600_000 }, async (t) => {
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

  const json = async (r: Promise<{ status: number | null; stdout: string; stderr: string }>) => {
    const done = await r;
    assert.equal(done.status, 0, done.stderr);
    return JSON.parse(done.stdout) as Record<string, unknown>;
  };
  const meeraKeys = (await json(meera('--json', 'whoami'))) as { sigKeyId: string; encKeyId: string };
  const wrongFp = await ines('admin', 'enrol', 'meera', '--expect-fingerprint', 'AB'.repeat(20));
  assert.equal(wrongFp.status, 7, 'a fingerprint that is not the ledger\'s: nothing signed');
  await json(ines('--json', 'admin', 'enrol', 'meera', '--expect-fingerprint', meeraKeys.sigKeyId.slice(0, 40)));

  const fevers = join(s.dir, 'fevers.txt');
  writeFileSync(fevers, 'fever 39.2C\n');
  const rec = (await json(raj('--json', 'upload', fevers, '--title', 'Fevers, November', '--list'))) as { recordId: string };
  const lookup = (await json(meera('--json', 'lookup', 'raj'))) as { records: { recordId: string; title: string }[] };
  assert.deepEqual(lookup.records.map((r) => [r.recordId, r.title]), [[rec.recordId, 'Fevers, November']]);
  const req = (await json(meera('--json', 'request', 'raj', '--record', rec.recordId, '--purpose', 'follow-up of fevers', '--duration', '7d'))) as { requestId: string };
  const incoming = (await json(raj('--json', 'requests', '--incoming'))) as { items: { requestId: string; status: string }[] };
  assert.deepEqual(incoming.items.map((r) => [r.requestId, r.status]), [[req.requestId, 'pending']]);
  // At a terminal, approve shows meera's fingerprint from the ledger and asks; declined, nothing is signed.
  const asked = new PtyDhl({ DHL_HOME: s.home('raj'), DHL_NODE: node }, ['--passphrase-file', s.secret('raj-pty', 'raj fevers in november'), 'approve', req.requestId]);
  t.after(() => asked.kill());
  const spaced = meeraKeys.encKeyId.slice(0, 40).toUpperCase().match(/.{4}/g)!.join(' ');
  await asked.waitFor(/record\(s\)\?/);
  assert.ok(asked.output.includes(`Grant meera (enc key ${spaced})`), asked.output);
  asked.type('n\r');
  assert.equal(await asked.exited, 130, asked.output);
  const stillPending = (await json(raj('--json', 'requests', '--incoming'))) as { items: { status: string }[] };
  assert.equal(stillPending.items[0]!.status, 'pending', 'declined: no grant');
  await json(raj('--json', 'approve', req.requestId, '--expect-fingerprint', meeraKeys.encKeyId));
  const got = join(s.dir, 'meera-fevers.txt');
  await json(meera('--json', 'download', rec.recordId, '--out', got));
  assert.equal(readFileSync(got, 'utf8'), 'fever 39.2C\n');
  const revoked = await raj('revoke', 'meera', '--rekey');
  assert.equal(revoked.status, 0, revoked.stderr);
  assert.match(revoked.stdout, /re-keyed: .* v2 .*not wrapped for meera/);
  assert.match(revoked.stdout, /What revoke cannot undo/);
  const mine = (await json(raj('--json', 'records'))) as { mine: { recordId: string; version: number }[] };
  assert.deepEqual(mine.mine.map((r) => [r.recordId, r.version]), [[rec.recordId, 2]], 'the re-key is a new version');
  const refused = await meera('download', rec.recordId, '--out', join(s.dir, 'again.txt'));
  assert.equal(refused.status, 4, `denied: ${refused.stderr}`);
  assert.match(refused.stderr, /READ_REFUSED.*READ_NOT_PERMITTED/);
  const rajCopy = join(s.dir, 'raj-v2.txt');
  await json(raj('--json', 'download', rec.recordId, '--out', rajCopy));
  assert.equal(readFileSync(rajCopy, 'utf8'), 'fever 39.2C\n', 'the re-keyed version holds the same content');
  // Onto a file that exists: refused before anything is fetched, unless --force, which replaces it (the temp file lies beside it).
  writeFileSync(rajCopy, 'an older copy');
  const exists = await raj('download', rec.recordId, '--out', rajCopy);
  assert.equal(exists.status, 2, exists.stderr);
  assert.match(exists.stderr, /raj-v2\.txt exists: give --force to replace it/);
  assert.equal(readFileSync(rajCopy, 'utf8'), 'an older copy');
  await json(raj('--json', 'download', rec.recordId, '--out', rajCopy, '--force'));
  assert.equal(readFileSync(rajCopy, 'utf8'), 'fever 39.2C\n', '--force replaced it');
  // Into a directory: under the file name sealed in the envelope; a directory that is not there is a usage error.
  const into = join(s.dir, 'downloads');
  mkdirSync(into);
  const inDir = (await json(raj('--json', 'download', rec.recordId, '--out', into))) as { out: string };
  assert.equal(inDir.out, join(into, 'fevers.txt'));
  assert.deepEqual(readdirSync(into), ['fevers.txt'], 'no temp file is left beside it');
  const noDir = await raj('download', rec.recordId, '--out', join(s.dir, 'missing', 'x.txt'));
  assert.equal(noDir.status, 2, noDir.stderr);
  assert.match(noDir.stderr, /no such directory: .*missing/);
  assert.ok(!existsSync(join(s.dir, 'again.txt')), 'nothing written for a refused read');
  const audit = (await json(raj('--json', 'audit'))) as { items: { outcome: string; tx: { header: { type: string; actor: string } } }[] };
  const trail = audit.items.map((e) => [e.tx.header.actor, e.tx.header.type, e.outcome].join(' '));
  assert.ok(trail.includes('meera RecordRead READ_NOT_PERMITTED') && trail.includes('raj RevokeAccess OK') && trail.includes('raj AddRecordVersion OK'), trail.join('\n'));
  const verified = await raj('verify');
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`^OK: chain ${chain}`));

  // dhl demo against this node (--node), with ines's keystore as its admin: users of its own, the same chain verified.
  const demo = await dhl({}, '--node', node, '--passphrase-file', s.secret('ines-demo', 'ines correct horse battery'), 'demo', '--admin-home', s.home('ines'));
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /meera-[0-9a-f]{4} is doctor of city-hospital/);
  assert.match(demo.stdout, new RegExp(`OK: chain ${chain}, \\d+ blocks`));
  assert.doesNotMatch(demo.stdout, /set-up of/, 'an existing node is not set up again');
});

test('dhl demo runs the scenario on an embedded node, narrated, with a generated imaging file, and verifies the chain', { timeout: 600_000 }, async () => {
  const r = await dhl({}, 'demo', '--large', '16M');
  assert.equal(r.status, 0, r.stderr);
  for (const pattern of [
    /set-up of http:\/\/127\.0\.0\.1:\d+ complete: admin is an admin/,
    /meera is doctor of city-hospital/,
    /uploaded "MRI study, November" \(16\.0 MiB, application\/dicom\)/,
    /records raj listed \(2\)/,
    /granted meera read on .* the data key re-wrapped here for key/,
    /manifest signature \(RSA-PSS\): valid/,
    /inclusion proof valid under the head of block/,
    /sha256 identical to raj's file/,
    /the ciphertext the node stored begins [0-9a-f]{96}…/,
    /shared with meera \(2\)/,
    /grant-used\s+meera/,
    /What revoke cannot undo/,
    /READ_REFUSED: .*outcome=READ_NOT_PERMITTED\)\s+\(exit class: denied\)/,
    /meera\s+RecordRead\s+READ_NOT_PERMITTED/,
    /OK: chain [0-9a-f]{64}, \d+ blocks/,
  ]) assert.match(r.stdout, pattern);
});
