import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { FileResumeStore } from '../../src/cli/client-state.ts';
import { FileTransfer } from '../../src/client/files.ts';
import { ledgerRecord, uploadBlob } from '../../src/client/flows/records.ts';
import { tempDir } from '../helpers/temp.ts';
import { patterned, startWorld } from './world.ts';

const CHILD = new URL('./upload-child.ts', import.meta.url).pathname;

test('an upload whose client process is SIGKILLed half-way resumes from the state it left on disk: only the chunks the node lacks are sent', async (t) => {
  const w = await startWorld(t);
  const home = tempDir('client-home');
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const size = 800_000;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, w.n.url, w.chainId, w.raj.passphrase, home, String(size)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? null : code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      // Half-way through the 197 stored chunks: kill it.
      if ((out.match(/^P /gm) ?? []).length >= 90) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`the child ended on its own (${code}): ${err.slice(0, 400)}`)));
  });
  assert.equal(await exited, null, 'killed');
  assert.doesNotMatch(out, /DONE/);

  const store = new FileResumeStore(home);
  const state = await store.get('scan.bin');
  assert.ok(state, 'the resume state survived the kill');
  let sent = 0;
  const files = new FileTransfer(w.raj.ctx.api, { fetch: async (i, init) => { if (init?.method === 'PUT') sent++; return fetch(i, init); } });
  const held = (await files.status(state.uploadId)).chunks.length;
  assert.ok(held >= 90, `the node holds what was acknowledged (${held})`);
  const uploaded = await uploadBlob({ ...w.raj.ctx, files }, {
    title: 'Imaging', mediaType: 'application/octet-stream', fileName: 'scan.bin', content: patterned(size), contentSize: size, chunkSize: 4096,
    resume: { store, key: 'scan.bin' },
  });
  assert.equal(uploaded.uploadId, state.uploadId);
  assert.equal(sent, uploaded.sealed.summary.chunkHashes.length - held);
  assert.equal((await ledgerRecord(w.raj.ctx, uploaded)).outcome, 'OK');
});
