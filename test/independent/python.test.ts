// Runs the independent Python implementation of docs/formats.md
// (test/independent/check_vectors.py, `cryptography` package) against the vectors.
// A missing Python is a failure with the command to run, never a silent skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./check_vectors.py', import.meta.url));
const VECTORS = fileURLToPath(new URL('../vectors/crypto/crypto-vectors.json', import.meta.url));
const CANDIDATES = ['python3', '/usr/bin/python3'];
const MIN_PASSED = 30;

function findPython(): string | undefined {
  for (const py of CANDIDATES) {
    const r = spawnSync(py, ['-c', 'import cryptography.hazmat.primitives.ciphers.aead'], { stdio: 'ignore', timeout: 30_000 });
    if (r.status === 0) return py;
  }
  return undefined;
}

function requirePython(): string {
  const py = findPython();
  if (py === undefined) {
    assert.fail(
      `no Python 3 with the \`cryptography\` package (tried ${CANDIDATES.join(', ')}): ` +
        'the independent format check cannot run. Fix: run `bash scripts/setup-system.sh` ' +
        '(as root it installs them), or `apt-get install -y python3-cryptography`.',
    );
  }
  return py;
}

function runCheck(py: string, vectorsPath?: string): SpawnSyncReturns<string> {
  const args = vectorsPath === undefined ? [SCRIPT] : [SCRIPT, vectorsPath];
  const r = spawnSync(py, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw r.error;
  return r;
}

function summary(stdout: string): { passed: number; failed: number } {
  const lines = stdout.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const m = /^(\d+) passed, (\d+) failed$/.exec(last);
  assert.ok(m, `last output line is not "N passed, M failed": ${JSON.stringify(last)}`);
  return { passed: Number(m[1]), failed: Number(m[2]) };
}

function failures(stdout: string): string {
  return stdout.split('\n').filter((l) => l.startsWith('FAIL')).join('\n');
}

test('independent Python implementation agrees with every crypto vector', () => {
  const py = requirePython();
  const r = runCheck(py);
  assert.equal(r.status, 0, `check_vectors.py exited ${r.status}\n${failures(r.stdout)}\n${r.stderr}`);
  const { passed, failed } = summary(r.stdout);
  assert.equal(failed, 0, failures(r.stdout));
  assert.ok(passed > MIN_PASSED, `only ${passed} checks passed (expected more than ${MIN_PASSED})`);
});

test('independent Python check catches one flipped stored-chunk byte (it cannot pass vacuously)', () => {
  const py = requirePython();
  const vectors = JSON.parse(readFileSync(VECTORS, 'utf8')) as {
    envelopes: { name: string; chunks: { index: number; storedB64: string }[] }[];
  };
  const envelope = vectors.envelopes[0];
  assert.ok(envelope, 'the vector file has no envelope');
  const chunk = envelope.chunks.find((c) => c.index === 1);
  assert.ok(chunk, `envelope ${envelope.name} has no stored chunk 1`);
  const bytes = Buffer.from(chunk.storedB64, 'base64url');
  bytes.writeUInt8(bytes.readUInt8(0) ^ 0x01, 0);
  chunk.storedB64 = bytes.toString('base64url');

  const dir = mkdtempSync(join(tmpdir(), 'dhl-independent-'));
  try {
    const mutated = join(dir, 'crypto-vectors.json');
    writeFileSync(mutated, JSON.stringify(vectors, null, 2));
    const r = runCheck(py, mutated);
    assert.notEqual(r.status, 0, `check_vectors.py accepted a flipped byte in ${envelope.name} chunk 1:\n${r.stdout}`);
    assert.equal(r.status, 1, `check_vectors.py should exit 1 on a failed check, got ${r.status}\n${r.stderr}`);
    const { failed } = summary(r.stdout);
    assert.ok(failed > 0, 'the summary line reports no failure');
    assert.match(failures(r.stdout), new RegExp(`^FAIL envelopes\\[${envelope.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`, 'm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
