/**
 * Resume (DESIGN §13, formats §4.1) with the real `dhl upload` as a process:
 * a proxy in front of the node stops passing chunks half-way, Ctrl-C
 * (SIGINT) ends the upload, and the same command resumes it, sending only
 * what the node lacks; the record then downloads and verifies. A file
 * changed between the two runs is detected and uploaded again under a fresh
 * data key. A process killed outright (SIGKILL: no handler runs) resumes the
 * same way, from the state it had stored as it went.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_KDF_COSTS } from '../../src/api/node-port.ts';
import { register } from '../../src/client/index.ts';
import { Cli } from '../../src/cli/context.ts';
import { loginCommand } from '../../src/cli/commands/account.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { completeSetup, fixturePairs, startTestNode, type TestNode } from '../api/helpers.ts';
import { dhl, Gate, REPO, scratch } from './helpers.ts';

const RAJ_PASS = 'raj staple orbit lantern';
const CHUNK = 65536;
const SIZE = 48 * CHUNK + 1000;
const HOLD_AFTER = 10;

const cleanups: (() => unknown)[] = [];
const fileContext = { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
let n: TestNode;
const isChunk = (method: string, url: string) => method === 'PUT' && /\/chunks\/\d+$/.test(url);
const gate = new Gate(isChunk, HOLD_AFTER);
const origins = new Set<string>();

before(async () => {
  n = await startTestNode(fileContext, { app: { testOnlyKdfCosts: DEFAULT_KDF_COSTS, origins } });
  for (const alias of ['127.0.0.1', 'localhost']) origins.add(n.url.replace('127.0.0.1', alias));
  await gate.start(n.url);
  // The proxy's origin is one this node serves (as behind a reverse proxy: --public-url).
  origins.add(gate.url);
  cleanups.push(() => gate.close());
  await completeSetup(n);
  await register(n.api(), { username: 'raj', passphrase: RAJ_PASS, now: Date.now(), keys: await fixturePairs('raj') });
});
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
function patterned(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** `dhl upload` as a process, interrupted with `signal` (Ctrl-C, or killed) once HOLD_AFTER chunks went through and the rest are held. */
async function interruptedUpload(env: NodeJS.ProcessEnv, args: string[], signal: NodeJS.Signals = 'SIGINT') {
  gate.hold = true;
  gate.passed = 0;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  await gate.untilPassed(HOLD_AFTER);
  child.kill(signal);
  const [status, killedBy] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  gate.hold = false;
  return { status, killedBy, stderr };
}

test('an upload interrupted half-way (Ctrl-C) resumes with the same command, sends only what the node lacks, and the record downloads identical; its resume state is sealed', { timeout: 300_000 }, async (t) => {
  const s = scratch(t);
  const env = { DHL_HOME: s.home('raj'), DHL_NODE: gate.url };
  const pass = s.secret('raj', RAJ_PASS);
  await loginCommand(new Cli({ node: gate.url, passphraseFile: pass }, env, () => {}), { username: 'raj' });
  const file = join(s.dir, 'scan.bin');
  const content = patterned(SIZE, 7);
  writeFileSync(file, content);
  const args = ['--passphrase-file', pass, 'upload', file, '--title', 'Scan, November', '--chunk-size', String(CHUNK)];

  const cut = await interruptedUpload(env, args);
  assert.equal(cut.status, EXIT.cancelled.status, cut.stderr);
  assert.match(cut.stderr, /interrupted: run the same command again to resume/);
  const stateDir = join(s.home('raj'), readdirSync(s.home('raj')).find((d) => d.startsWith('127.0.0.1_'))!, 'uploads');
  const [stateFile] = readdirSync(stateDir);
  const state = readFileSync(join(stateDir, stateFile!), 'utf8');
  assert.deepEqual(Object.keys(JSON.parse(state)).sort(), ['iv', 'sealed', 'v'], 'the resume state is sealed under the vault');
  assert.ok(!state.includes('scan.bin') && !stateFile!.includes(Buffer.from(file).toString('hex').slice(0, 16)), 'neither the file name nor its path shows');

  gate.passed = 0;
  const resumed = await dhl(env, '--json', ...args);
  assert.equal(resumed.status, 0, resumed.stderr);
  const out = JSON.parse(resumed.stdout) as { recordId: string; resumed: boolean; startedOver: boolean };
  assert.deepEqual([out.resumed, out.startedOver], [true, false]);
  const stored = Math.ceil(SIZE / CHUNK) + 1;
  assert.ok(gate.passed < stored && gate.passed > 0, `only the chunks the node lacked were sent again (${gate.passed} of ${stored})`);
  assert.deepEqual(readdirSync(stateDir), [], 'the resume state is gone once the record is in');

  const got = join(s.dir, 'got.bin');
  const down = await dhl(env, '--passphrase-file', pass, 'download', out.recordId, '--out', got);
  assert.equal(down.status, 0, down.stderr);
  assert.equal(sha(readFileSync(got)), sha(content));
});

test('a file changed between an interrupted upload and its resume is detected and sent again under a fresh data key', { timeout: 300_000 }, async (t) => {
  const s = scratch(t);
  const env = { DHL_HOME: s.home('raj'), DHL_NODE: gate.url };
  const pass = s.secret('raj', RAJ_PASS);
  await loginCommand(new Cli({ node: gate.url, passphraseFile: pass }, env, () => {}), { username: 'raj' });
  const file = join(s.dir, 'scan.bin');
  writeFileSync(file, patterned(SIZE, 7));
  const args = ['--passphrase-file', pass, 'upload', file, '--title', 'Scan, December', '--chunk-size', String(CHUNK)];
  const cut = await interruptedUpload(env, args);
  assert.equal(cut.status, EXIT.cancelled.status, cut.stderr);

  const changed = patterned(SIZE, 8);
  writeFileSync(file, changed);
  const again = await dhl(env, '--json', ...args);
  assert.equal(again.status, 0, again.stderr);
  const out = JSON.parse(again.stdout) as { recordId: string; resumed: boolean; startedOver: boolean };
  assert.deepEqual([out.resumed, out.startedOver], [true, true]);
  const got = join(s.dir, 'got.bin');
  const down = await dhl(env, '--passphrase-file', pass, 'download', out.recordId, '--out', got);
  assert.equal(down.status, 0, down.stderr);
  assert.equal(sha(readFileSync(got)), sha(changed), 'the record is the changed file');
});

test('an upload killed half-way (SIGKILL) continues with the same command; the record verifies and downloads to stdout identical', { timeout: 300_000 }, async (t) => {
  const s = scratch(t);
  const env = { DHL_HOME: s.home('raj'), DHL_NODE: gate.url };
  const pass = s.secret('raj', RAJ_PASS);
  await loginCommand(new Cli({ node: gate.url, passphraseFile: pass }, env, () => {}), { username: 'raj' });
  const file = join(s.dir, 'scan.bin');
  const content = patterned(SIZE, 9);
  writeFileSync(file, content);
  const args = ['--passphrase-file', pass, 'upload', file, '--title', 'Scan, January', '--chunk-size', String(CHUNK)];
  const killed = await interruptedUpload(env, args, 'SIGKILL');
  assert.deepEqual([killed.status, killed.killedBy], [null, 'SIGKILL'], killed.stderr);

  gate.passed = 0;
  const resumed = await dhl(env, '--json', ...args);
  assert.equal(resumed.status, 0, resumed.stderr);
  const out = JSON.parse(resumed.stdout) as { recordId: string; resumed: boolean; startedOver: boolean };
  assert.deepEqual([out.resumed, out.startedOver], [true, false], 'the state stored before the kill resumed it');
  assert.ok(gate.passed < Math.ceil(SIZE / CHUNK) + 1, `the chunks the node had were not sent again (${gate.passed} sent)`);

  const verified = await dhl(env, '--json', 'verify', '--record', out.recordId);
  assert.equal(verified.status, 0, verified.stderr);
  assert.equal((JSON.parse(verified.stdout) as { verified: boolean }).verified, true);
  // The download's bytes as a Buffer (the node runs in this process: the child is awaited, never waited for synchronously).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--passphrase-file', pass, 'download', out.recordId, '--out', '-'], {
    cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pieces: Buffer[] = [];
  const errs: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => pieces.push(b));
  child.stderr.on('data', (b: Buffer) => errs.push(b));
  const [status] = (await once(child, 'close')) as [number | null];
  const down = { status, stdout: Buffer.concat(pieces), stderr: Buffer.concat(errs) };
  assert.equal(down.status, 0, down.stderr.toString());
  assert.equal(sha(down.stdout), sha(content), 'stdout carries exactly the record, the narration went to stderr');
});
