import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clientStateDir, FileHeadStore, FileResumeStore } from '../../src/cli/client-state.ts';
import { tempDir } from '../helpers/temp.ts';

test("the CLI's state directory is per node origin under $DHL_HOME (or ~/.dhl), a safe file name", () => {
  assert.equal(clientStateDir('https://clinic.example:8443', '/h'), '/h/clinic.example_8443');
  assert.equal(clientStateDir('http://[::1]:8480', '/h'), '/h/___1__8480');
});

test('kept heads and resume states are files only their owner reads, replaced whole (no temp file left), and read back as written', async (t) => {
  const dir = tempDir('client-state');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const heads = new FileHeadStore(dir);
  assert.equal(await heads.load(), undefined);
  const kept = { chain: 'ab'.repeat(32), latest: { header: { height: 3 }, attestation: {} }, accepted: 2 } as never;
  await heads.save(kept);
  await heads.save(kept);
  assert.deepEqual(await heads.load(), kept);
  assert.equal(statSync(join(dir, 'heads.json')).mode & 0o777, 0o600);
  const resumes = new FileResumeStore(dir);
  const state = { uploadId: 'cd'.repeat(16), recordId: 'ef'.repeat(16), version: 1, chunkSize: 65536, declaredSize: 1000, startedAt: 1, wrappedDek: { recordId: 'ef'.repeat(16), version: 1, keyId: '01'.repeat(32), alg: 'RSA-OAEP-256', wrappedDek: 'AA' } } as never;
  await resumes.put('/home/raj/scan.dcm:3145728:1700000000', state);
  assert.deepEqual(await resumes.get('/home/raj/scan.dcm:3145728:1700000000'), state);
  assert.deepEqual(await resumes.keys(), ['/home/raj/scan.dcm:3145728:1700000000']);
  await resumes.delete('/home/raj/scan.dcm:3145728:1700000000');
  assert.deepEqual(await resumes.keys(), []);
  assert.deepEqual(readdirSync(dir).sort(), ['heads.json', 'uploads'], 'no temp file left behind');
});
