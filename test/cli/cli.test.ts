import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { LedgerNode } from '../../src/node/index.ts';
import { Actor, removeLastBlock, testDataDir, T0 } from '../helpers/ledger-fixture.ts';
import { runScenario } from '../helpers/scenario.ts';
import { tempDir } from '../helpers/temp.ts';

const repo = new URL('../../', import.meta.url).pathname;
const dhlIn = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
const dhl = (...args: string[]) => dhlIn({}, ...args);
/** The exit status of a verification failure (src/cli/exit-codes.ts). */
const VERIFY_FAILED = 7;

test('dhl admin init, export and verify agree; a changed byte fails verify with the verification status and a named place', () => {
  const dir = tempDir('cli');
  const dataDir = join(dir, 'data');
  writeFileSync(join(dir, 'pass'), 'admin correct horse battery\n');
  const init = dhlIn({ DHL_HOME: join(dir, 'home') }, 'admin', 'init', '--data-dir', dataDir, '--org', 'city-hospital', '--passphrase-file', join(dir, 'pass'));
  assert.equal(init.status, 0, init.stderr);
  const keystore = readFileSync(join(dir, 'home', 'keystore.json'), 'utf8');
  assert.ok(!/pkcs8|PRIVATE KEY/.test(keystore), 'the admin keys are sealed in the keystore, never written in the clear');
  assert.equal(JSON.parse(keystore).status, 'pending');
  const chain = init.stdout.match(/chain id: ([0-9a-f]{64})/)![1]!;
  assert.equal(dhl('verify', '--data-dir', dataDir, '--chain', chain).status, 0);
  const exported = join(dir, 'chain.jsonl');
  assert.equal(dhl('export', '--data-dir', dataDir, '--out', exported).status, 0);
  const ok = dhl('verify', '--export', exported, '--chain', chain);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^OK: chain/);
  const wrongChain = dhl('verify', '--export', exported, '--chain', '00'.repeat(32));
  assert.equal(wrongChain.status, VERIFY_FAILED);
  assert.match(wrongChain.stderr, /CHAIN_GENESIS_MISMATCH/);

  const db = new DatabaseSync(join(dataDir, 'ledger.sqlite'));
  db.prepare("UPDATE state SET value = replace(value, 'city-hospital', 'city-hospitaX') WHERE key LIKE 'org/%'").run();
  db.close();
  const bad = dhl('verify', '--data-dir', dataDir);
  assert.equal(bad.status, VERIFY_FAILED);
  assert.match(bad.stderr, /DATA_DIR_TAMPERED.*table=state/);
});

test('dhl explains bad input: missing options, unknown data directory, a bad chunk size', () => {
  const noDir = dhl('verify');
  assert.notEqual(noDir.status, 0);
  assert.match(noDir.stderr, /--data-dir/);
  const missing = dhl('verify', '--data-dir', join(tmpdir(), 'does-not-exist-dhl'));
  assert.equal(missing.status, 5, 'not found');
  assert.match(missing.stderr, /NODE_NOT_INITIALISED/);
  const size = dhl('demo', '--large', '12 parsecs');
  assert.equal(size.status, 2);
  assert.match(size.stderr, /a size: 500M/);
  const file = join(tempDir('cli'), 'x.jsonl');
  writeFileSync(file, 'not json\n');
  const garbage = dhl('verify', '--export', file, '--chain', '00'.repeat(32));
  assert.equal(garbage.status, VERIFY_FAILED);
  assert.match(garbage.stderr, /EXPORT_INVALID/);
});

/** A fresh data directory and a scratch directory, removed after the test; a node on it with a fixed clock. */
async function ledgerForCli(t: { after: (fn: () => void) => void }, maxItems: number) {
  const { dataDir, chainId } = await testDataDir();
  const dir = mkdtempSync(join(tmpdir(), 'dhl-cli-'));
  t.after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = { now: () => T0 + 10_000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) };
  const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems, maxDelayMs: 0 } });
  return { dataDir, chainId, dir, node };
}

test('dhl verify --export reads bytes strictly and prints the place: invalid UTF-8 names its line, a malformed transaction its height and entry', async (t) => {
  const { dataDir, chainId, dir, node } = await ledgerForCli(t, 1);
  const raj = new Actor('raj', chainId);
  try {
    await node.submit(await raj.register());
    // A rejected transaction keeps its body in the log: here one with U+FFFD in it.
    assert.equal((await node.submit(await raj.tx('SetListing', { recordId: 'ab'.repeat(16), listed: true, note: 'a\uFFFDb' }))).outcome, 'BODY_INVALID');
  } finally {
    await node.close();
  }
  const exported = join(dir, 'chain.jsonl');
  assert.equal(dhl('export', '--data-dir', dataDir, '--out', exported).status, 0);
  const good = readFileSync(exported);
  assert.equal(dhl('verify', '--export', exported, '--chain', chainId).status, 0);

  // U+FFFD's UTF-8 bytes replaced by one invalid byte: decoding with replacement would give the same JSON back.
  const at = good.indexOf(Buffer.from('\uFFFD'));
  const badBytes = join(dir, 'bad-utf8.jsonl');
  writeFileSync(badBytes, Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at + 3)]));
  const utf8 = dhl('verify', '--export', badBytes, '--chain', chainId);
  assert.equal(utf8.status, VERIFY_FAILED, utf8.stdout);
  assert.match(utf8.stderr, /EXPORT_INVALID: .*line=3, reason=not valid UTF-8/);

  const lines = good.toString('utf8').split('\n');
  const block = JSON.parse(lines[2]!);
  block.entries[0].tx.header.extra = 1;
  lines[2] = JSON.stringify(block);
  const malformed = join(dir, 'malformed.jsonl');
  writeFileSync(malformed, lines.join('\n'));
  const parsed = dhl('verify', '--export', malformed, '--chain', chainId);
  assert.equal(parsed.status, VERIFY_FAILED);
  assert.match(parsed.stderr, /TX_MALFORMED: .*field=header\.extra, height=2, entry=0, line=3/);
});

test('rollback: dhl head saves a signed head; the last block removed and the state rebuilt passes dhl verify, but dhl verify --head fails with HEAD_BEHIND', async (t) => {
  const { dataDir, chainId, dir, node } = await ledgerForCli(t, 3);
  try {
    await runScenario(node, chainId);
  } finally {
    await node.close();
  }
  const printed = dhl('head', '--data-dir', dataDir);
  assert.equal(printed.status, 0, printed.stderr);
  const head = JSON.parse(printed.stdout) as { header: { height: number; chain: string }; attestation: { attestation: { nodeId: string } } };
  assert.equal(head.header.chain, chainId);
  assert.equal(head.attestation.attestation.nodeId, 'node1');
  const headFile = join(dir, 'head.json');
  writeFileSync(headFile, printed.stdout);
  const ok = dhl('verify', '--data-dir', dataDir, '--head', headFile);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`extends the signed head of node1 at height ${head.header.height}`));

  removeLastBlock(dataDir);
  assert.equal(dhl('admin', 'rebuild-state', '--data-dir', dataDir).status, 0);
  const alone = dhl('verify', '--data-dir', dataDir);
  assert.equal(alone.status, 0, 'without a head seen earlier the rollback is invisible');
  const rolledBack = dhl('verify', '--data-dir', dataDir, '--head', headFile);
  assert.equal(rolledBack.status, VERIFY_FAILED);
  assert.match(rolledBack.stderr, new RegExp(`HEAD_BEHIND: .*rolled back.*height=${head.header.height}`));
  const exported = join(dir, 'chain.jsonl');
  assert.equal(dhl('export', '--data-dir', dataDir, '--out', exported, '--withhold-bodies').status, 0);
  const viaExport = dhl('verify', '--export', exported, '--chain', chainId, '--head', headFile);
  assert.equal(viaExport.status, VERIFY_FAILED);
  assert.match(viaExport.stderr, /HEAD_BEHIND/);
  writeFileSync(join(dir, 'bad.json'), 'not json');
  const bad = dhl('verify', '--data-dir', dataDir, '--head', join(dir, 'bad.json'));
  assert.equal(bad.status, VERIFY_FAILED);
  assert.match(bad.stderr, /HEAD_INVALID/);
});
