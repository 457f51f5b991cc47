/**
 * Crash safety (issue 9, DESIGN §8): a child process appends to a ledger under
 * continuous load (test/node/crash-child.ts) and is SIGKILLed at random
 * moments, again and again on the same data directory. After every kill the
 * directory as the crash left it must verify from its trusted chain id, every
 * transaction the child acknowledged (its submit() promise resolved) in any
 * run so far must be in the ledger with the acknowledged outcome, and the
 * ledger must never shrink.
 *
 * Why the kills land inside block commits: the child keeps 64 transactions in
 * flight against blocks of at most 16 (cut after 1 ms), with its transactions
 * signed before the load starts, so the node hardly waits for work. Each
 * block is one SQLite write transaction on the node's writer thread, ended by
 * a synchronous=FULL COMMIT (an fsync), while the main thread builds the next
 * block; the writer thread is busy most of the time, so a moment picked at
 * random (N acknowledgements in, plus 0–15 ms) often falls inside one. The
 * writer thread marks each transaction's BEGIN and COMMIT on the child's
 * stdout, so the test counts how many kills did (last marker a BEGIN with no
 * COMMIT after it) and keeps killing until at least MIN_IN_COMMIT of them
 * have, rather than hoping.
 *
 * Timing only decides where a kill lands; pass or fail does not depend on it:
 * the runs continue until every minimum is met (bounded by MAX_RUNS), and each
 * check holds wherever the kill landed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { DB_FILE, LedgerNode, verifyDataDir } from '../../src/node/index.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = 'test/node/crash-child.ts';

const MIN_KILLS = 20;
const MIN_ACKED = 1000;
/** Kills that must land between a block's BEGIN and the return of its COMMIT. */
const MIN_IN_COMMIT = 10;
/** A bound on the loop: reaching it means the minimums cannot be met, which fails the test. */
const MAX_RUNS = 60;
/** One run (start-up, registration, pre-signing, then the acknowledgements waited for) never takes this long. */
const RUN_TIMEOUT_MS = 60_000;

/** A small seeded PRNG (mulberry32), so a run's kill plan can be replayed with DHL_CRASH_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ChildRun {
  register?: { txHash: string; outcome: string; duplicate: boolean };
  acks: [txHash: string, outcome: string][];
  /** The last block marker the child wrote before it died: 'B' means inside a block commit. */
  lastMarker?: 'B' | 'C';
  /** Block transactions the child began. */
  begun: number;
  /** Bytes after the last newline when the pipe closed: a line cut by the kill, not an acknowledgement. */
  partial: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderr: string;
}

const ACK = /^A ([0-9a-f]{64}) ([A-Z_]+)$/;
const REG = /^R ([0-9a-f]{64}) ([A-Z_]+) (true|false)$/;

/** Spawns the child, SIGKILLs it `delayMs` after its `target`-th acknowledgement, and collects every complete line it wrote. */
function runChild(dataDir: string, chainId: string, registerTx: string, target: number, delayMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, chainId], {
      cwd: ROOT,
      env: { ...process.env, DHL_CRASH_REGISTER_TX: registerTx },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: ChildRun = { begun: 0, acks: [], partial: '', code: null, signal: null, timedOut: false, stderr: '' };
    let buffered = '';
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    const timeout = setTimeout(() => {
      run.timedOut = true;
      kill();
    }, RUN_TIMEOUT_MS);
    const bad: string[] = [];

    const onLine = (line: string) => {
      if (line === 'B' || line === 'C') {
        run.lastMarker = line;
        if (line === 'B') run.begun++;
        return;
      }
      let m = ACK.exec(line);
      if (m) {
        run.acks.push([m[1]!, m[2]!]);
        if (run.acks.length === target) killTimer = setTimeout(kill, delayMs);
        return;
      }
      m = REG.exec(line);
      if (m && !run.register) {
        run.register = { txHash: m[1]!, outcome: m[2]!, duplicate: m[3] === 'true' };
        return;
      }
      bad.push(line);
    };

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (run.stderr += chunk));
    child.on('error', reject);
    // 'close' comes after the process exited and both pipes were drained, so
    // every line written before the kill has been seen.
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      run.code = code;
      run.signal = signal;
      run.partial = buffered;
      if (bad.length > 0) run.stderr += `\nunexpected stdout lines: ${JSON.stringify(bad.slice(0, 5))}`;
      resolve(run);
    });
  });
}

test('after SIGKILL at random moments under load, 20+ times, the chain verifies and every acknowledged transaction is there', { timeout: 300_000 }, async (t) => {
  const started = performance.now();
  const seed = Number(process.env.DHL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32));
  const random = prng(seed);
  const { dataDir, chainId } = await testDataDir();
  t.diagnostic(`seed ${seed} (DHL_CRASH_SEED to replay the kill plan), data dir ${dataDir}`);
  // Signed once: every run resubmits these same bytes.
  const registerTx = JSON.stringify(await new Actor('raj', chainId).register());

  /** Every transaction acknowledged in any run, with its acknowledged outcome. */
  const acked = new Map<string, string>();
  let registerHash: string | undefined;
  let kills = 0;
  let inCommit = 0;
  let tornLines = 0;
  let entries = 0;
  let height = 0;
  let runs = 0;

  while (kills < MIN_KILLS || acked.size < MIN_ACKED || inCommit < MIN_IN_COMMIT) {
    assert.ok(runs < MAX_RUNS, `after ${runs} runs: ${kills} kills, ${acked.size} acknowledged, ${inCommit} kills inside a commit`);
    runs++;
    const target = 20 + Math.floor(random() * 101); // 20..120 acknowledgements
    const delayMs = Math.floor(random() * 16); // then 0..15 ms
    const run = await runChild(dataDir, chainId, registerTx, target, delayMs);
    const where = `run ${runs} (target ${target} + ${delayMs} ms)`;

    assert.ok(!run.timedOut, `${where}: the child did not reach its target in ${RUN_TIMEOUT_MS} ms\n${run.stderr}`);
    assert.equal(run.signal, 'SIGKILL', `${where}: the child ended on its own (code ${run.code})\n${run.stderr}`);
    assert.ok(!run.stderr.includes('unexpected stdout lines'), `${where}: ${run.stderr}`);
    assert.ok(run.acks.length >= target, `${where}: killed after only ${run.acks.length} acknowledgements`);
    assert.ok(run.begun > 0, `${where}: no block commit markers from the child (does the writer thread still trace its transactions?)`);
    kills++;
    if (run.lastMarker === 'B') inCommit++;
    if (run.partial.length > 0) tornLines++;

    // The registration: the first run adds it, every later run gets the recorded outcome back.
    assert.ok(run.register, `${where}: no registration line`);
    assert.equal(run.register.outcome, 'OK', where);
    assert.equal(run.register.duplicate, runs > 1, `${where}: registration duplicate flag`);
    registerHash ??= run.register.txHash;
    assert.equal(run.register.txHash, registerHash, `${where}: the resubmitted registration has another hash`);

    for (const [txHash, outcome] of run.acks) {
      assert.ok(!acked.has(txHash), `${where}: ${txHash} acknowledged twice`);
      acked.set(txHash, outcome);
    }

    // The data directory exactly as the kill left it (the next child's open is the restart).
    const report = await verifyDataDir(dataDir, { trustedChainId: chainId });
    assert.ok(report.entries >= entries, `${where}: the ledger shrank from ${entries} to ${report.entries} entries`);
    assert.ok(report.head.height >= height, `${where}: the head went back from ${height} to ${report.head.height}`);
    entries = report.entries;
    height = report.head.height;

    const db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
    try {
      const count = (db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
      assert.equal(count, report.entries, `${where}: entries table and verify report disagree`);
      assert.ok(count >= acked.size + 1, `${where}: ${count} entries for ${acked.size} acknowledged transactions and a registration`);
      const lookup = db.prepare('SELECT outcome FROM entries WHERE tx_hash = ?');
      assert.equal((lookup.get(registerHash) as { outcome: string } | undefined)?.outcome, 'OK', `${where}: the registration is missing`);
      for (const [txHash, outcome] of acked) {
        const row = lookup.get(txHash) as { outcome: string } | undefined;
        assert.ok(row, `${where}: acknowledged transaction ${txHash} is not in the ledger`);
        assert.equal(row.outcome, outcome, `${where}: ${txHash} was acknowledged as ${outcome}`);
      }
    } finally {
      db.close();
    }
  }

  // A last restart in this process: the node reopens on the crashed directory
  // and reports every acknowledged transaction as recorded, with its outcome.
  const clock = { now: () => T0 + 10_000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) };
  const node = await LedgerNode.open(dataDir, { clock });
  try {
    assert.equal(node.head.height, height);
    for (const [txHash, outcome] of acked) {
      const r = node.recorded(txHash);
      assert.equal(r?.outcome, outcome, `after the last restart: ${txHash}`);
    }
  } finally {
    await node.close();
  }

  assert.ok(kills >= MIN_KILLS, `${kills} kills`);
  assert.ok(acked.size >= MIN_ACKED, `${acked.size} acknowledged transactions checked`);
  assert.ok(inCommit >= MIN_IN_COMMIT, `${inCommit} kills inside a block commit`);
  t.diagnostic(
    `${kills} kills (${inCommit} inside a block commit, ${tornLines} cut a stdout line), ${acked.size} acknowledged transactions checked, ` +
      `${entries} entries in ${height} blocks, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  rmSync(dataDir, { recursive: true, force: true });
});
