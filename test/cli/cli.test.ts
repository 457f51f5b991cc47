import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { tempDir } from '../helpers/temp.ts';

const repo = new URL('../../', import.meta.url).pathname;
const dhl = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });

test('dhl demo encrypts, decrypts, runs the scenario on a ledger and verifies it', () => {
  const r = dhl('demo');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cipherRoot: [0-9a-f]{64}/);
  assert.match(r.stdout, /identical to the original/);
  assert.match(r.stdout, /RecordRead\s+READ_NOT_PERMITTED/);
  assert.match(r.stdout, /meera looks up raj's directory: "Fevers, November"/);
  assert.match(r.stdout, /verified from the chain id: 11 blocks/);
});

test('dhl admin init, export and verify agree; a changed byte fails verify with exit 2 and a named place', () => {
  const dir = tempDir('cli');
  const dataDir = join(dir, 'data');
  const init = dhl('admin', 'init', '--data-dir', dataDir, '--org', 'city-hospital');
  assert.equal(init.status, 0, init.stderr);
  const chain = init.stdout.match(/chain id: ([0-9a-f]{64})/)![1]!;
  assert.equal(dhl('verify', '--data-dir', dataDir, '--chain', chain).status, 0);
  const exported = join(dir, 'chain.jsonl');
  assert.equal(dhl('export', '--data-dir', dataDir, '--out', exported).status, 0);
  const ok = dhl('verify', '--export', exported, '--chain', chain);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^OK: chain/);
  const wrongChain = dhl('verify', '--export', exported, '--chain', '00'.repeat(32));
  assert.equal(wrongChain.status, 2);
  assert.match(wrongChain.stderr, /CHAIN_GENESIS_MISMATCH/);

  const db = new DatabaseSync(join(dataDir, 'ledger.sqlite'));
  db.prepare("UPDATE state SET value = replace(value, 'city-hospital', 'city-hospitaX') WHERE key LIKE 'org/%'").run();
  db.close();
  const bad = dhl('verify', '--data-dir', dataDir);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /DATA_DIR_TAMPERED.*table=state/);
});

test('dhl explains bad input: missing options, unknown data directory, a bad chunk size', () => {
  const noDir = dhl('verify');
  assert.notEqual(noDir.status, 0);
  assert.match(noDir.stderr, /--data-dir/);
  const missing = dhl('verify', '--data-dir', join(tmpdir(), 'does-not-exist-dhl'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /NODE_NOT_INITIALISED/);
  const chunk = dhl('demo', '--chunk-size', '1000');
  assert.notEqual(chunk.status, 0);
  assert.match(chunk.stderr, /power of two/);
  const file = join(tempDir('cli'), 'x.jsonl');
  writeFileSync(file, 'not json\n');
  const garbage = dhl('verify', '--export', file, '--chain', '00'.repeat(32));
  assert.equal(garbage.status, 2);
  assert.match(garbage.stderr, /EXPORT_INVALID/);
});
