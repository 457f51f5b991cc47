/**
 * The verify page and saving to disk in real Chromium (issue 21). A node that
 * lies about one thing at a time — the proxy edits its answer on the way —
 * makes exactly that check fail on the verify page, the ones before it pass,
 * the ones after it unreached, and nothing is offered to open. A record
 * saved to disk is the uploaded file, byte for byte, under its own name,
 * collected in memory and written through the origin-private file system.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { Reads } from '../../src/client/reads.ts';
import { blockHash, signAttestation, type Attestation } from '../../src/ledger/index.ts';
import type { Page } from 'playwright-core';
import type { AnswerOf } from '../../src/protocol/routes.ts';
import type { LedgerHead } from '../../src/protocol/schemas-reads.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { Screenshots } from './browser.ts';
import type { Captured } from './capture-proxy.ts';
import { fillUpload, open, sendUpload, verifyOwn } from './steps.ts';
import { startWithPatient, type WebNode } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const CHECKS = ['head', 'inclusion', 'author-key', 'manifest-signature', 'block'] as const;
type CheckId = (typeof CHECKS)[number];

type VersionAnswer = AnswerOf<'recordVersion'>;
type BlockAnswer = AnswerOf<'ledgerBlock'>;

/** One hex digit changed: the same shape, another value. */
const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
const isVersion = (c: Captured) => c.method === 'GET' && /^\/v1\/records\/[0-9a-f]{32}\/versions\/\d+$/.test(c.url);
const isBlock = (c: Captured) => c.method === 'GET' && /^\/v1\/ledger\/blocks\/\d+$/.test(c.url);

/**
 * The node's current head forked: another tree root under the same size,
 * signed with the node's own key, so only its consistency with the head this
 * browser kept gives it away.
 */
async function signedFork(web: WebNode): Promise<LedgerHead> {
  const head = await new Reads(web.node.api()).head();
  const header = { ...head.header, treeRoot: flip(head.header.treeRoot) };
  const hash = blockHash(sha256, header as never);
  const nodeKey = await fixtureKey('node1', 'sig');
  const attestations = await Promise.all(head.attestations.map((a) => signAttestation({ ...a.attestation, blockHash: hash } as Attestation, nodeKey.privateKey)));
  return { header, blockHash: hash, attestations };
}

/** Each lie the node tells, the check it must fail, and what that check says. */
const LIES: { check: CheckId; what: string; says: RegExp; tell(web: WebNode): Promise<() => void> }[] = [
  {
    check: 'head', what: 'a head root no node signed', says: /no node of this chain signed/,
    tell: async (web) => web.proxy.rewrite<VersionAnswer>(isVersion, (v) => void (v.head.header.treeRoot = flip(v.head.header.treeRoot))),
  },
  {
    check: 'head', what: 'a signed fork of the kept head', says: /does not extend the one this browser saw/,
    tell: async (web) => {
      const fork = await signedFork(web);
      return web.proxy.rewrite<VersionAnswer>(isVersion, (v) => void (v.head = fork));
    },
  },
  { check: 'inclusion', what: 'another transaction hash', says: /\(inclusion proof\)/, tell: async (web) => web.proxy.rewrite<VersionAnswer>(isVersion, (v) => void (v.txHash = flip(v.txHash))) },
  { check: 'author-key', what: 'an author key the ledger does not hold', says: /\(no such key\)/, tell: async (web) => web.proxy.rewrite<VersionAnswer>(isVersion, (v) => void (v.manifest.authorKeyId = flip(v.manifest.authorKeyId))) },
  { check: 'manifest-signature', what: 'an altered title', says: /\(manifest signature\)/, tell: async (web) => web.proxy.rewrite<VersionAnswer>(isVersion, (v) => void (v.manifest.title = 'Altered by the node')) },
  { check: 'block', what: 'another block', says: /\(the block does not hold the entry\)/, tell: async (web) => web.proxy.rewrite<BlockAnswer>(isBlock, (b) => void (b.header.height += 1)) },
];

test('the verify page fails exactly the check a lying node breaks (an unsigned head, a signed fork of the kept head, inclusion, author key, manifest signature, block), passes the ones before it, and offers nothing to open', async (t) => {
  const { web, page: raj, problems } = await startWithPatient(t, RAJ);
  const shots = new Screenshots('verify-fails');
  const note = { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('Blood pressure 120/80.\n') };
  await fillUpload(raj, note, 'Blood pressure');
  await sendUpload(raj, 'Blood pressure');
  await verifyOwn(raj, 'Blood pressure');

  for (const lie of LIES) {
    const stop = await lie.tell(web);
    try {
      await open(raj, 'My records');
      await raj.getByRole('link', { name: 'Blood pressure' }).click();
      const failed = raj.locator(`[data-check="${lie.check}"][data-state="fails"]`);
      await failed.waitFor();
      assert.match((await failed.textContent())!, lie.says, `${lie.what}: the check says why`);
      await raj.getByTestId('verify-summary').getByText('A check failed').waitFor();
      const at = CHECKS.indexOf(lie.check);
      for (const [i, id] of CHECKS.entries()) {
        const want = i < at ? 'passes' : i === at ? 'fails' : 'not checked';
        assert.equal(await raj.locator(`[data-check="${id}"]`).getAttribute('data-state'), want, `${lie.what}: the ${id} check ${want}`);
      }
      assert.equal(await raj.getByRole('button', { name: 'Open and view' }).count(), 0, `${lie.what}: nothing to open`);
      assert.equal(await raj.getByRole('button', { name: 'Save to disk' }).count(), 0, `${lie.what}: nothing to save`);
      await shots.take(raj, `${lie.check}-fails${lie.what.includes('fork') ? '-fork' : ''}`);
    } finally {
      stop();
    }
  }
  // The lies left nothing behind: the head this browser keeps is still the true one.
  await verifyOwn(raj, 'Blood pressure');

  // A record the node does not have: an error state that says so, with a retry.
  await raj.evaluate((path) => {
    history.pushState({}, '', path);
    dispatchEvent(new PopStateEvent('popstate'));
  }, `/records/${'0'.repeat(32)}/verify`);
  await raj.getByRole('alert').filter({ hasText: 'Could not load the record' }).getByText('Not found here, or not something you may see').waitFor();
  await raj.getByRole('button', { name: 'Try again' }).waitFor();
  await shots.take(raj, 'unknown-record');

  // A reload clears the keys but keeps the newest head seen, in IndexedDB, for the next visit's consistency check.
  const keptBefore = await keptTreeSize(raj);
  await raj.reload();
  await raj.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.ok(keptBefore > 0);
  assert.equal(await keptTreeSize(raj), keptBefore, 'the head outlives the page');
  assert.deepEqual(problems, []);
});

test('a record saved to disk is the uploaded file byte for byte under its own name, collected in memory and through the private file system (which keeps no left-over); a PDF may be saved as well as viewed', async (t) => {
  const { page: raj, problems } = await startWithPatient(t, RAJ);
  const shots = new Screenshots('save');
  const dir = mkdtempSync(join(tmpdir(), 'dhl-saved-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pdf = { name: 'discharge-letter.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300 * 1024)]) };
  await fillUpload(raj, pdf, 'Discharge letter');
  await sendUpload(raj, 'Discharge letter');
  await verifyOwn(raj, 'Discharge letter');
  // pdf.js draws a PDF in the page (test/web/pdf.slow.ts); saving it is offered beside that.
  await raj.getByRole('button', { name: 'Open and view' }).waitFor();

  // What a page closed mid-save would have left in the private file system: the next save sweeps it.
  const leftOver = 'dhl-save-1000-left-by-a-closed-page';
  const privateFiles = () => raj.evaluate(async () => {
    const names: string[] = [];
    for await (const name of (await navigator.storage.getDirectory() as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    return names;
  });
  await raj.evaluate(async (name) => void (await navigator.storage.getDirectory()).getFileHandle(name, { create: true }), leftOver);
  assert.ok((await privateFiles()).includes(leftOver));

  for (const method of ['memory', 'private-fs'] as const) {
    await raj.evaluate((m) => localStorage.setItem('dhl.saveMethod', m), method);
    const download = raj.waitForEvent('download');
    await raj.getByRole('button', { name: 'Save to disk' }).click();
    const saved = await download;
    assert.equal(saved.suggestedFilename(), pdf.name, `${method}: saved under the file's own name, out of the envelope`);
    const path = join(dir, `${method}-${pdf.name}`);
    await saved.saveAs(path);
    assert.ok(readFileSync(path).equals(pdf.buffer), `${method}: the saved file is the uploaded one, byte for byte`);
    await raj.getByText(method === 'memory' ? 'Saved (through the browser’s downloads)' : 'Saved (through the browser’s downloads, from disk)').waitFor();
    await raj.getByTestId('read-receipt').waitFor();
    await shots.take(raj, `saved-${method}`);
    if (method === 'private-fs') {
      const names = await privateFiles();
      assert.ok(!names.includes(leftOver), 'the left-over decrypted file was swept');
      assert.equal(names.filter((n) => n.startsWith('dhl-save-')).length, 1, 'only the file of this save, until its download has copied it');
    }
    // Another save is another ledgered read: the page comes back to its button.
    await verifyOwn(raj, 'Discharge letter');
  }
  assert.deepEqual(problems, []);
});

/** The tree size of the head this browser keeps for its chain (IndexedDB `dhl`, store `heads`). */
function keptTreeSize(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('dhl');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('heads').objectStore('heads').getAll();
          all.onsuccess = () => resolve(Math.max(0, ...all.result.map((kept: { latest: { header: { treeSize: number } } }) => kept.latest.header.treeSize)));
        };
      }),
  );
}
