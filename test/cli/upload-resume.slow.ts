/**
 * Resume (DESIGN §13, formats §4.1) with the real `dhl upload` as a process:
 * a proxy in front of the node stops passing chunks half-way, Ctrl-C
 * (SIGINT) ends the upload, and the same command resumes it, sending only
 * what the node lacks; the record then downloads and verifies. A file
 * changed between the two runs is detected and uploaded again under a fresh
 * data key. A process killed outright (SIGKILL: no handler runs) resumes the
 * same way, from the state it had stored as it went.
 */
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cli } from '../../src/cli/context.ts';
import { loginCommand } from '../../src/cli/commands/account.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { dhl, fileScope, Gate, rajBehindGate, REPO, scratch } from './helpers.ts';

const RAJ_PASS = 'raj staple orbit lantern';
const CHUNK = 65536;
const SIZE = 48 * CHUNK + 1000;
const HOLD_AFTER = 10;

const fileContext = fileScope();
const isChunk = (method: string, url: string) => method === 'PUT' && /\/chunks\/\d+$/.test(url);
const gate = new Gate(isChunk, HOLD_AFTER);

before(async () => {
  await rajBehindGate(fileContext, gate, RAJ_PASS);
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

/** Raj logged in with a keystore of his own (through the proxy), and a file of SIZE patterned bytes to upload as `title`. */
async function rajWithFile(t: TestContext, seed: number, title: string) {
  const s = scratch(t);
  const env = { DHL_HOME: s.home('raj'), DHL_NODE: gate.url };
  const pass = s.secret('raj', RAJ_PASS);
  await loginCommand(new Cli({ node: gate.url, passphraseFile: pass }, env, () => {}), { username: 'raj' });
  const file = join(s.dir, 'scan.bin');
  const content = patterned(SIZE, seed);
  writeFileSync(file, content);
  const args = ['--passphrase-file', pass, 'upload', file, '--title', title, '--chunk-size', String(CHUNK)];
  return { s, env, pass, file, content, args };
}

/** The same upload command again, to its end; the chunks the proxy passed are counted from zero. */
async function uploadAgain(env: NodeJS.ProcessEnv, args: string[]) {
  gate.passed = 0;
  const r = await dhl(env, '--json', ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { recordId: string; resumed: boolean; startedOver: boolean };
}

/** `dhl download` of the record to a file: its bytes' hash. */
async function downloadedSha(w: Awaited<ReturnType<typeof rajWithFile>>, recordId: string): Promise<string> {
  const got = join(w.s.dir, 'got.bin');
  const down = await dhl(w.env, '--passphrase-file', w.pass, 'download', recordId, '--out', got);
  assert.equal(down.status, 0, down.stderr);
  return sha(readFileSync(got));
}

const STORED_CHUNKS = Math.ceil(SIZE / CHUNK) + 1;

test('an upload interrupted half-way (Ctrl-C) resumes with the same command, sends only what the node lacks, and the record downloads identical; its resume state is sealed', { timeout: 300_000 }, async (t) => {
  const w = await rajWithFile(t, 7, 'Scan, November');
  const cut = await interruptedUpload(w.env, w.args);
  assert.equal(cut.status, EXIT.cancelled.status, cut.stderr);
  assert.match(cut.stderr, /interrupted: run the same command again to resume/);
  const home = w.s.home('raj');
  const stateDir = join(home, readdirSync(home).find((d) => d.startsWith('127.0.0.1_'))!, 'uploads');
  const [stateFile] = readdirSync(stateDir);
  const state = readFileSync(join(stateDir, stateFile!), 'utf8');
  assert.deepEqual(Object.keys(JSON.parse(state)).sort(), ['iv', 'sealed', 'v'], 'the resume state is sealed under the vault');
  assert.ok(!state.includes('scan.bin') && !stateFile!.includes(Buffer.from(w.file).toString('hex').slice(0, 16)), 'neither the file name nor its path shows');

  const out = await uploadAgain(w.env, w.args);
  assert.deepEqual([out.resumed, out.startedOver], [true, false]);
  assert.ok(gate.passed < STORED_CHUNKS && gate.passed > 0, `only the chunks the node lacked were sent again (${gate.passed} of ${STORED_CHUNKS})`);
  assert.deepEqual(readdirSync(stateDir), [], 'the resume state is gone once the record is in');
  assert.equal(await downloadedSha(w, out.recordId), sha(w.content));
});

test('a file changed between an interrupted upload and its resume is detected and sent again under a fresh data key', { timeout: 300_000 }, async (t) => {
  const w = await rajWithFile(t, 7, 'Scan, December');
  const cut = await interruptedUpload(w.env, w.args);
  assert.equal(cut.status, EXIT.cancelled.status, cut.stderr);

  const changed = patterned(SIZE, 8);
  writeFileSync(w.file, changed);
  const out = await uploadAgain(w.env, w.args);
  assert.deepEqual([out.resumed, out.startedOver], [true, true]);
  assert.equal(await downloadedSha(w, out.recordId), sha(changed), 'the record is the changed file');
});

test('an upload killed half-way (SIGKILL) continues with the same command; the record verifies and downloads to stdout identical', { timeout: 300_000 }, async (t) => {
  const w = await rajWithFile(t, 9, 'Scan, January');
  const killed = await interruptedUpload(w.env, w.args, 'SIGKILL');
  assert.deepEqual([killed.status, killed.killedBy], [null, 'SIGKILL'], killed.stderr);

  const out = await uploadAgain(w.env, w.args);
  assert.deepEqual([out.resumed, out.startedOver], [true, false], 'the state stored before the kill resumed it');
  assert.ok(gate.passed < STORED_CHUNKS, `the chunks the node had were not sent again (${gate.passed} sent)`);

  const verified = await dhl(w.env, '--json', 'verify', '--record', out.recordId);
  assert.equal(verified.status, 0, verified.stderr);
  assert.equal((JSON.parse(verified.stdout) as { verified: boolean }).verified, true);
  // The download's bytes as a Buffer (the node runs in this process: the child is awaited, never waited for synchronously).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--passphrase-file', w.pass, 'download', out.recordId, '--out', '-'], {
    cwd: REPO, env: { ...process.env, ...w.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pieces: Buffer[] = [];
  const errs: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => pieces.push(b));
  child.stderr.on('data', (b: Buffer) => errs.push(b));
  const [status] = (await once(child, 'close')) as [number | null];
  assert.equal(status, 0, Buffer.concat(errs).toString());
  assert.equal(sha(Buffer.concat(pieces)), sha(w.content), 'stdout carries exactly the record, the narration went to stderr');
});
