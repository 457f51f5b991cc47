// Runs the independent Python implementation of docs/formats.md
// (test/independent/check_vectors.py, `cryptography` package) against the vectors:
// the crypto vectors (§2–§6) and the ledger vectors (§8), plus the contract and
// RFC 9162 vector files when present. A missing Python is a failure with the
// command to run, never a silent skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./check_vectors.py', import.meta.url));
const VECTORS = fileURLToPath(new URL('../vectors/crypto/crypto-vectors.json', import.meta.url));
const LEDGER_VECTORS = fileURLToPath(new URL('../vectors/ledger/ledger-vectors.json', import.meta.url));
const CONTRACT_VECTORS = fileURLToPath(new URL('../vectors/contract/contract-vectors.json', import.meta.url));
const CANDIDATES = ['python3', '/usr/bin/python3'];
const MIN_PASSED = 30;
const MIN_LEDGER_PASSED = 150;

// Every ledger section must be reported by passing checks (label prefixes of check_vectors.py).
const LEDGER_SECTIONS: [string, RegExp][] = [
  ['genesis', /^ok {3}genesis chain id = SHA-256/m],
  ['txExamples', /^ok {3}txExamples\[[^\]]+\] PS256 signature verifies/m],
  ['blocks (transactions)', /^ok {3}blocks\[\d+\]\.entries\[\d+\] .* PS256 verifies/m],
  ['blocks (header and hash)', /^ok {3}blocks\[\d+\] block hash = SHA-256/m],
  ['blocks (tree)', /^ok {3}blocks\[\d+\] treeSize = \d+, treeRoot/m],
  ['blocks (state digest)', /^ok {3}blocks\[\d+\] stateDigest = /m],
  ['blocks (attestations)', /^ok {3}blocks\[\d+\]\.attestations\[\d+\] PS256/m],
  ['blocks (whole chain)', /^ok {3}blocks: the whole chain verifies/m],
  ['proofs.inclusion', /^ok {3}proofs\.inclusion\[\d+\] .* verifies/m],
  ['proofs.consistency', /^ok {3}proofs\.consistency\[\d+\] .* verifies/m],
  ['mutations', /^ok {3}mutations\[[^\]]+\] applied to a copy, my chain check fails first at height/m],
  ['mutations (codes)', /^ok {3}mutations\[[^\]]+\] my code agrees with /m],
  ['signedHeads', /^ok {3}signedHeads\.heads\[\d+\] attestation is by a genesis node/m],
  ['signedHeads (extensions)', /^ok {3}signedHeads\.extensions\[[^\]]+\] gives HEAD_BEHIND/m],
  ['signedHeads (mutations)', /^ok {3}signedHeads\.mutations\[[^\]]+\] applied to a copy, my check refuses it/m],
];

function countMatching(stdout: string, re: RegExp): number {
  return stdout.split('\n').filter((l) => re.test(l)).length;
}

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

function runCheck(py: string, ...vectorsPaths: string[]): SpawnSyncReturns<string> {
  const args = [SCRIPT, ...vectorsPaths];
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

test('independent Python implementation agrees with every crypto and ledger vector', () => {
  const py = requirePython();
  const r = runCheck(py);
  assert.equal(r.status, 0, `check_vectors.py exited ${r.status}\n${failures(r.stdout)}\n${r.stderr}`);
  const { passed, failed } = summary(r.stdout);
  assert.equal(failed, 0, failures(r.stdout));
  assert.ok(passed > MIN_PASSED + MIN_LEDGER_PASSED, `only ${passed} checks passed`);
  assert.match(r.stdout, /^# {4}vectors \(crypto\): .*crypto-vectors\.json$/m);
  assert.match(r.stdout, /^# {4}vectors \(ledger\): .*ledger-vectors\.json$/m);
  assert.match(r.stdout, /^ok {3}envelopes\[/m, 'no crypto envelope check in the output');
  for (const [section, re] of LEDGER_SECTIONS) assert.match(r.stdout, re, `no passing ${section} check in the output`);
  if (existsSync(CONTRACT_VECTORS)) {
    assert.match(r.stdout, /^ok {3}contract\.blocks\[\d+\] changesHash = SHA-256\(JCS\(writes\)\)/m);
  }
  assert.doesNotMatch(r.stdout, /has no checker yet/, 'a vector section went unchecked');
});

test('independent Python check of the ledger vectors alone covers every block, proof and mutation', () => {
  const py = requirePython();
  const vectors = JSON.parse(readFileSync(LEDGER_VECTORS, 'utf8')) as {
    blocks: { entries: unknown[] }[];
    txExamples: unknown[];
    mutations: unknown[];
    proofs: { inclusion: unknown[]; consistency: unknown[] };
  };
  const r = runCheck(py, LEDGER_VECTORS);
  assert.equal(r.status, 0, `check_vectors.py exited ${r.status}\n${failures(r.stdout)}\n${r.stderr}`);
  const { passed, failed } = summary(r.stdout);
  assert.equal(failed, 0, failures(r.stdout));
  assert.ok(passed > MIN_LEDGER_PASSED, `only ${passed} checks passed (expected more than ${MIN_LEDGER_PASSED})`);
  assert.doesNotMatch(r.stdout, /^ok {3}envelopes\[/m, 'crypto sections checked when only the ledger file was named');
  const txs = vectors.blocks.reduce((n, b) => n + b.entries.length, 0);
  const expectations: [string, RegExp, number][] = [
    ['block hashes', /^ok {3}blocks\[\d+\] block hash = /, vectors.blocks.length],
    ['transaction signatures', /^ok {3}blocks\[\d+\]\.entries\[\d+\] .* PS256 verifies/, txs],
    ['leaf inputs', /^ok {3}blocks\[\d+\]\.entries\[\d+\] .* leaf input = /, txs],
    ['txExamples', /^ok {3}txExamples\[[^\]]+\] PS256 signature verifies/, vectors.txExamples.length],
    ['inclusion proofs', /^ok {3}proofs\.inclusion\[\d+\] .* a bit flipped/, vectors.proofs.inclusion.length],
    ['consistency proofs', /^ok {3}proofs\.consistency\[\d+\] .* a bit flipped/, vectors.proofs.consistency.length],
    ['mutation heights', /^ok {3}mutations\[[^\]]+\] applied to a copy/, vectors.mutations.length],
  ];
  for (const [what, re, want] of expectations) {
    assert.equal(countMatching(r.stdout, re), want, `${what}: expected ${want} passing checks`);
  }
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

test('independent Python check catches one flipped byte in a ledger block header', () => {
  const py = requirePython();
  const vectors = JSON.parse(readFileSync(LEDGER_VECTORS, 'utf8')) as {
    blocks: { header: { height: number; entriesRoot: string } }[];
  };
  const index = 1;
  const block = vectors.blocks[index];
  assert.ok(block, `the ledger vector file has no blocks[${index}]`);
  const bytes = Buffer.from(block.header.entriesRoot, 'hex');
  bytes.writeUInt8(bytes.readUInt8(0) ^ 0x01, 0);
  block.header.entriesRoot = bytes.toString('hex');

  const dir = mkdtempSync(join(tmpdir(), 'dhl-independent-'));
  try {
    const mutated = join(dir, 'ledger-vectors.json');
    writeFileSync(mutated, JSON.stringify(vectors, null, 2));
    const r = runCheck(py, mutated);
    assert.notEqual(r.status, 0, `check_vectors.py accepted a flipped byte in blocks[${index}].header:\n${r.stdout}`);
    assert.equal(r.status, 1, `check_vectors.py should exit 1 on a failed check, got ${r.status}\n${r.stderr}`);
    const { failed } = summary(r.stdout);
    assert.ok(failed > 0, 'the summary line reports no failure');
    const fails = failures(r.stdout);
    assert.match(fails, new RegExp(`^FAIL blocks\\[${index}\\] entriesRoot`, 'm'));
    assert.match(fails, /^FAIL blocks: the whole chain verifies.*CHAIN_ENTRIES_ROOT_MISMATCH at height 2/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
