import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

const repo = new URL('../../', import.meta.url).pathname;

function tempDataDir(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'dhl-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'data');
}

test('dhl serve on a fresh data directory: prints the URL, the docs and a one-time setup link; status answers; SIGTERM stops it cleanly', async (t) => {
  const dataDir = tempDataDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0'], {
    cwd: repo, env: { ...process.env, DHL_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  while (!/#token=[A-Za-z0-9_-]{43}/.test(out)) {
    if (child.exitCode !== null) assert.fail(`dhl serve exited ${child.exitCode}:\n${out}`);
    await once(child.stdout, 'data');
  }
  const url = /Dynamic Health Ledger node on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
  assert.match(out, new RegExp(`docs: ${url}/v1/docs`));
  assert.match(out, new RegExp(`${url}/setup#token=`));
  assert.match(out, new RegExp(`data directory: ${dataDir}`), 'DHL_DATA_DIR is honoured');
  const status = (await (await fetch(`${url}/v1/status`)).json()) as { setup: string };
  assert.equal(status.setup, 'awaiting-admins');
  // First run made this node's key (mode 0600) and its private accounts file (0600).
  assert.equal(statSync(join(dataDir, 'node-key.pem')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dataDir, 'accounts.sqlite')).mode & 0o777, 0o600);
  assert.ok(!existsSync(join(dataDir, 'ledger.sqlite')), 'no ledger before the admins have joined');
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, out);
  assert.match(out, /SIGTERM: stopping/);
  assert.match(out, /stopped/);
});

test('dhl serve refuses plain HTTP off loopback without --insecure-http, naming the TLS flags', (t) => {
  const dataDir = tempDataDir(t);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], {
    cwd: repo, encoding: 'utf8', timeout: 60_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /needs TLS: give --tls-cert and --tls-key/);
  assert.ok(!existsSync(join(dataDir, 'accounts.sqlite')), 'nothing was written');
});

test('dhl serve takes --port and DHL_PORT; a bad port is a usage error', (t) => {
  const dataDir = tempDataDir(t);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '99999', '--data-dir', dataDir], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /port number/);
  const env = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--data-dir', dataDir], {
    cwd: repo, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DHL_PORT: 'eighty' },
  });
  assert.notEqual(env.status, 0);
  assert.match(env.stderr, /port number/);
});
