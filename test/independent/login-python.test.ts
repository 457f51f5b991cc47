// The independent Python check of the login-challenge vectors (docs/formats.md §11):
// every challenge's signed bytes and signature, the domain separation from
// transactions, and every negative; a changed byte makes it fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./check_vectors.py', import.meta.url));
const LOGIN_VECTORS = fileURLToPath(new URL('../vectors/login/login-vectors.json', import.meta.url));

function python(): string {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import cryptography'], { stdio: 'ignore' }).status === 0) return py;
  }
  return assert.fail('no Python 3 with `cryptography`: run `bash scripts/setup-system.sh` (as root it installs them)');
}

const run = (file: string) => spawnSync(python(), [SCRIPT, file], { encoding: 'utf8', timeout: 60_000 });

test('independent Python check verifies every login challenge, its domain separation and every negative', () => {
  const vectors = JSON.parse(readFileSync(LOGIN_VECTORS, 'utf8')) as { challenges: unknown[]; negatives: unknown[] };
  const r = run(LOGIN_VECTORS);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const count = (re: RegExp) => r.stdout.split('\n').filter((l) => re.test(l)).length;
  assert.equal(count(/^ok {3}login\.challenges\[[^\]]+\] PS256 signature by the user's sig key verifies/), vectors.challenges.length);
  assert.equal(count(/^ok {3}login\.challenges\[[^\]]+\] the same signature is no transaction signature/), vectors.challenges.length);
  assert.equal(count(/^ok {3}login\.negatives\[[^\]]+\] the signature does not verify/), vectors.negatives.length);
  assert.match(r.stdout, /^\d+ passed, 0 failed$/m);
});

test('independent Python check of the login vectors fails on one changed origin', () => {
  const vectors = JSON.parse(readFileSync(LOGIN_VECTORS, 'utf8')) as { challenges: { challenge: { origin: string }; signedBytesHex: string }[] };
  vectors.challenges[0]!.challenge.origin = 'http://127.0.0.1:8481';
  const dir = mkdtempSync(join(tmpdir(), 'dhl-independent-'));
  try {
    const file = join(dir, 'login-vectors.json');
    writeFileSync(file, JSON.stringify(vectors));
    const r = run(file);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /^FAIL login\.challenges\[cli-on-loopback\] signed bytes/m);
    assert.match(r.stdout, /^FAIL login\.challenges\[cli-on-loopback\] PS256 signature/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
