/**
 * An upload cut off mid-way resumes after a reload (issue 21): the proxy
 * holds the later chunks as a dead network would, the patient cancels,
 * reloads (which locks), logs in again and chooses the same file; the page
 * finds the resume state in IndexedDB, sends only the chunks the node lacks,
 * and the record opens to the same content.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Screenshots } from './browser.ts';
import { assertNoLeaks } from './leaks.ts';
import { fillUpload, logIn, recordFrame, sendUpload, verifyOwn } from './steps.ts';
import { startWithPatient } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const MiB = 1024 * 1024;

test('an upload cancelled mid-way resumes after a reload by choosing the same file: only the missing chunks are sent, IndexedDB keeps no file name and the data key only wrapped, nothing plain leaves the page', async (t) => {
  const { web, page: raj, problems } = await startWithPatient(t, RAJ);
  const shots = new Screenshots('upload-resume');
  const line = 'Imaging study, slice data CONTENTMARKER-study-4411 ';
  const content = Buffer.from(line.repeat(Math.ceil((5 * MiB) / line.length)));
  // A file on disk, as a person would choose it twice: its name, size and date stay the same (the resume key).
  const dir = mkdtempSync(join(tmpdir(), 'dhl-upload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const study = join(dir, 'study-namemarker.txt');
  writeFileSync(study, content);
  const chunkPuts = () => web.proxy.captured.filter((c) => c.method === 'PUT' && /\/chunks\/\d+$/.test(c.url));

  await fillUpload(raj, study, 'Imaging study');
  // From the third stored chunk on, the network goes dead.
  const cut = web.proxy.hold((c) => c.method === 'PUT' && Number(/\/chunks\/(\d+)$/.exec(c.url)?.[1] ?? -1) >= 2);
  await raj.getByRole('button', { name: 'Encrypt and upload' }).click();
  await raj.getByRole('progressbar', { name: 'upload progress' }).waitFor();
  await cut.firstHeld;
  await shots.take(raj, 'uploading');
  await raj.getByRole('button', { name: 'Cancel' }).click();
  await raj.getByText('Upload stopped').waitFor();
  cut.drop();
  await shots.take(raj, 'cancelled');
  // What IndexedDB keeps to resume: a hashed key, no file name, the data key only wrapped (RSA-OAEP) for raj's own key.
  const kept = await raj.evaluate(
    () =>
      new Promise<{ keys: string[]; values: string }>((resolve, reject) => {
        const open = indexedDB.open('dhl');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('uploads').objectStore('uploads');
          const keys = store.getAllKeys();
          const values = store.getAll();
          values.onsuccess = () => resolve({ keys: keys.result.map(String), values: JSON.stringify(values.result) });
        };
      }),
  );
  assert.equal(kept.keys.length, 1);
  assert.match(kept.keys[0]!, /^[0-9a-f]{64}$/, 'the resume key is a hash');
  assert.ok(!kept.values.includes('namemarker') && !kept.values.includes('CONTENTMARKER'), 'no file name and no content in IndexedDB');
  const state = (JSON.parse(kept.values) as { wrappedDek: { alg: string; wrappedDek: string } }[])[0]!;
  assert.equal(state.wrappedDek.alg, 'RSA-OAEP-256');
  assert.ok(state.wrappedDek.wrappedDek.length > 300, 'an RSA-OAEP ciphertext, not a 32-byte key');
  const sentBefore = chunkPuts().length;

  await raj.reload();
  await raj.getByRole('heading', { name: 'Log in' }).waitFor();
  await logIn(raj, web.url, RAJ);
  await fillUpload(raj, study, 'Imaging study');
  await raj.getByText('This upload continues').waitFor();
  await shots.take(raj, 'resume-found');
  await sendUpload(raj, 'Imaging study');
  const resent = chunkPuts().slice(sentBefore).map((c) => Number(/\/chunks\/(\d+)$/.exec(c.url)![1]));
  assert.ok(!resent.includes(0) && !resent.includes(1), `the chunks the node held were not sent again (sent: ${resent.join(',')})`);
  assert.ok(resent.length > 0);

  // The resumed record opens to the file's content.
  await verifyOwn(raj, 'Imaging study');
  await raj.getByRole('button', { name: 'Open and view' }).click();
  const frame = await recordFrame(raj);
  await frame.getByText('CONTENTMARKER-study-4411', { exact: false }).first().waitFor();
  const shown = await frame.evaluate(() => document.body.innerText.length);
  assert.ok(shown >= content.length - 1, `the whole file came back (${shown} of ${content.length} characters)`);
  assert.deepEqual(problems, []);
  assertNoLeaks(web.proxy.captured, { never: ['CONTENTMARKER', 'namemarker', RAJ.passphrase], onlyInManifest: ['Imaging study'] });
});
