/**
 * Key rotation in real Chromium (issue 22): a patient rotates her keys in the
 * page (the fingerprints change, and the ledger's lookup proves the new ones),
 * logs out and in with the same passphrase, still opens the record wrapped for
 * her old key and uploads a new one; the doctor she granted before still reads
 * (a grant names the doctor, and the doctor's wrap the doctor's key: the
 * patient's keys are no part of it). A second rotation is cut off before its
 * RotateKeys reaches the node (the vault kept in the browser, the ledger still
 * on the old keys): the next login works and finishes it. A doctor who
 * rotates is warned first, then refused reads under her grant (the role names
 * the old keys: ROLE_KEY_NOT_VOUCHED) until an admin enrols the new ones, and
 * then opens the version wrapped for her old key. Screenshots under
 * test-artifacts/web/rotation/ and test-artifacts/web/rotation-doctor/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  ApiClient, approveRequest, directory, isDhlError, readFromLedger, register, requestAccess, setListing, submit, submitOk, uploadRecord, utf8, verifyUserView,
} from '../../src/client/index.ts';
import { ADMINS } from '../api/helpers.ts';
import type { OpenedClient } from '../../src/client/index.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkedSteps } from './axe.ts';
import { Screenshots } from './browser.ts';
import { assertNoLeaks } from './leaks.ts';
import { approveInBrowser, field, fillUpload, logIn, open, recordFrame, sendUpload, verifyOwn } from './steps.ts';
import { doctorInNode, loginInNode, startWithDoctor, startWithPatient } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj rotates quietly at dawn' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const OLD_TITLE = 'Allergy list';
const OLD_CONTENT = 'CONTENTMARKER-allergy-penicillin\n';
const NEW_TITLE = 'After rotation';

/** The fingerprints the account page shows for the keys the keyring holds. */
async function keyringKeys(page: Page) {
  return {
    sig: await page.getByLabel('your signing key fingerprint', { exact: true }).getAttribute('data-fingerprint'),
    enc: await page.getByLabel('your encryption key fingerprint', { exact: true }).getAttribute('data-fingerprint'),
  };
}

/** raj's current keys as the lookup proves them to another user (verifyUserView checks every inclusion proof). */
async function ledgerKeys(client: OpenedClient, username: string) {
  const view = await verifyUserView(sha256, await client.reads.user(username));
  const current = (use: string) => view.keys.find((k) => k.use === use && k.current)!;
  return { sig: current('sig').keyId, enc: current('enc').keyId, sigBy: current('sig').registeredBy.entry.tx.header.type };
}

async function rotateIn(page: Page, secret: string): Promise<void> {
  await open(page, 'Account');
  await field(page, 'Your passphrase, to rotate').fill(secret);
  await page.getByRole('button', { name: 'Rotate my keys' }).click();
}

async function logOutAndIn(page: Page, url: string): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await logIn(page, url, RAJ);
}

test('a patient rotates her keys in the page: new fingerprints proven on the ledger, the same passphrase logs in, her old record opens, a new one uploads, the doctor granted before still reads; an interrupted rotation is finished by the next login', async (t) => {
  const { web, page: raj, problems } = await startWithPatient(t, RAJ);
  const meera = await doctorInNode(web, MEERA);
  const shots = new Screenshots('rotation');
  const step = checkedSteps(shots);

  await fillUpload(raj, { name: 'allergies.txt', mimeType: 'text/plain', buffer: Buffer.from(OLD_CONTENT) }, OLD_TITLE, { listed: true });
  await sendUpload(raj, OLD_TITLE);
  const [entry] = await directory(meera.reads, RAJ.username);
  await requestAccess(meera.ctx, { patient: RAJ.username, records: [entry!.recordId], purpose: 'Allergy check', durationMs: 7 * 86_400_000 });
  await approveInBrowser(raj, MEERA.username, 1);
  const meeraReads = async () => {
    const parts: Uint8Array[] = [];
    await readFromLedger(meera.ctx, meera.reads, entry!.recordId, 1, (c) => void parts.push(Uint8Array.from(c)));
    return Buffer.concat(parts).toString();
  };
  assert.equal(await meeraReads(), OLD_CONTENT, 'the grant works before the rotation');

  await open(raj, 'Account');
  const before = await keyringKeys(raj);
  assert.deepEqual(await ledgerKeys(meera, RAJ.username), { ...before, sigBy: 'RegisterUser' }, 'the ledger names the keys the page holds');
  await field(raj, 'Your passphrase, to rotate').fill(RAJ.passphrase);
  await step(raj, 'patient-rotate-form');
  await raj.getByRole('button', { name: 'Rotate my keys' }).click();
  await raj.getByTestId('rotated').getByText(/RotateKeys is in block \d+/).waitFor();
  await raj.getByTestId('ledger-keys').getByText('RotateKeys in block').first().waitFor();
  await step(raj, 'patient-rotated');
  const after = await keyringKeys(raj);
  assert.notEqual(after.sig, before.sig, 'a new signing key');
  assert.notEqual(after.enc, before.enc, 'a new encryption key');
  const shown = raj.getByTestId('rotated');
  assert.equal(await shown.getByLabel('your old signing key fingerprint').getAttribute('data-fingerprint'), before.sig);
  assert.equal(await shown.getByLabel('your new signing key fingerprint').getAttribute('data-fingerprint'), after.sig);
  assert.equal(await shown.getByLabel('your old encryption key fingerprint').getAttribute('data-fingerprint'), before.enc);
  assert.equal(await shown.getByLabel('your new encryption key fingerprint').getAttribute('data-fingerprint'), after.enc);
  assert.equal(await raj.getByTestId('ledger-keys').getByLabel('raj signing key fingerprint').getAttribute('data-fingerprint'), after.sig, 'the page shows the proven new key');
  assert.deepEqual(await ledgerKeys(meera, RAJ.username), { ...after, sigBy: 'RotateKeys' }, "another user's lookup proves the new keys");

  await logOutAndIn(raj, web.url);
  assert.deepEqual(await keyringKeys(raj), after, 'the same passphrase logs in with the new keys');
  await verifyOwn(raj, OLD_TITLE);
  await raj.getByRole('button', { name: 'Open and view' }).click();
  await (await recordFrame(raj)).getByText('CONTENTMARKER-allergy-penicillin').waitFor();
  // A screenshot only: axe waits for an answer from every frame, and the record's sandboxed frame runs no script (the other view tests do the same).
  await shots.take(raj, 'patient-old-record-opens');
  await fillUpload(raj, { name: 'after.txt', mimeType: 'text/plain', buffer: Buffer.from('written after the rotation\n') }, NEW_TITLE);
  await sendUpload(raj, NEW_TITLE);
  await verifyOwn(raj, NEW_TITLE);
  await step(raj, 'patient-new-record-after-rotation');
  assert.equal(await meeraReads(), OLD_CONTENT, "the doctor granted before still reads: the grant does not depend on the patient's keys");

  // Cut off before the node hears of the RotateKeys: the vault is kept in this browser, the ledger stays on the keys of the first rotation.
  let cut = 0;
  await raj.route('**/v1/tx', async (route) => {
    cut += 1;
    await route.abort('connectionreset');
  });
  await rotateIn(raj, RAJ.passphrase);
  await raj.getByRole('alert').filter({ hasText: 'Keys not rotated yet' }).waitFor();
  await step(raj, 'patient-rotation-interrupted');
  await raj.unroute('**/v1/tx');
  assert.equal(cut, 1, 'the RotateKeys was the one transaction cut off');
  assert.deepEqual(await ledgerKeys(meera, RAJ.username), { ...after, sigBy: 'RotateKeys' }, 'the ledger still names the keys of the first rotation');

  await logOutAndIn(raj, web.url);
  await raj.getByTestId('rotated').getByText(/The key rotation this browser kept unfinished was finished at this login. RotateKeys is in block \d+/).waitFor();
  await step(raj, 'patient-login-finished-rotation');
  const third = await keyringKeys(raj);
  assert.notEqual(third.sig, after.sig, 'the login finished the kept rotation');
  assert.equal(await raj.getByTestId('rotated').getByLabel('your old signing key fingerprint').getAttribute('data-fingerprint'), after.sig);
  assert.deepEqual(await ledgerKeys(meera, RAJ.username), { ...third, sigBy: 'RotateKeys' }, 'the ledger names the keys the login finished');
  await logOutAndIn(raj, web.url);
  assert.equal(await raj.getByTestId('rotated').count(), 0, 'nothing is left to finish');
  assert.deepEqual(await keyringKeys(raj), third);
  await verifyOwn(raj, OLD_TITLE);

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
  // Two rotations' worth of vaults and logins went to the node: never the passphrase, never the content.
  assertNoLeaks(web.proxy.captured, { never: [RAJ.passphrase, 'CONTENTMARKER', 'written after the rotation'], onlyInManifest: [OLD_TITLE, NEW_TITLE] });
});

test('a doctor rotates her keys in the page: warned first, she is refused reads under her grant until an admin enrols the new keys, then reads the version wrapped for her old key', async (t) => {
  const { web, page: meera, problems } = await startWithDoctor(t, MEERA);
  const step = checkedSteps(new Screenshots('rotation-doctor'));
  await register(new ApiClient({ baseUrl: web.node.url }), { ...RAJ, now: Date.now() });
  const raj = await loginInNode(web, RAJ);
  const before = await loginInNode(web, MEERA);
  const content = utf8.encode(OLD_CONTENT);
  const record = await uploadRecord(raj.ctx, { title: OLD_TITLE, mediaType: 'text/plain', fileName: 'allergies.txt', content: () => [content], contentSize: content.length });
  await setListing(raj.ctx, record.recordId, true);
  const asked = await requestAccess(before.ctx, { patient: RAJ.username, records: [record.recordId], purpose: 'Allergy check', durationMs: 7 * 86_400_000 });
  await approveRequest(raj.ctx, raj.reads, { requestId: asked.requestId, doctor: MEERA.username, records: [record.recordId], durationMs: 7 * 86_400_000 });
  const reads = async (client: OpenedClient) => {
    const parts: Uint8Array[] = [];
    await readFromLedger(client.ctx, client.reads, record.recordId, 1, (c) => void parts.push(Uint8Array.from(c)));
    return Buffer.concat(parts).toString();
  };

  await open(meera, 'Account');
  await meera.getByTestId('rotate-doctor-warning').getByText('Until an administrator of clinic enrols your new keys').waitFor();
  await field(meera, 'Your passphrase, to rotate').fill(MEERA.passphrase);
  await step(meera, 'doctor-rotate-warned');
  await meera.getByRole('button', { name: 'Rotate my keys' }).click();
  await meera.getByTestId('rotated').getByText(/RotateKeys is in block \d+/).waitFor();
  await meera.getByTestId('ledger-keys').getByTestId('role-doctor').getByText('keys not vouched').waitFor();
  await step(meera, 'doctor-rotated-role-not-vouched');

  const rotated = await loginInNode(web, MEERA);
  // The role names the old keys, so the grant is not usable: the node hides the record, and the contract refuses the read itself.
  await assert.rejects(reads(rotated), (err: unknown) => isDhlError(err, 'RESOURCE_NOT_FOUND'), 'the node does not show her the record');
  assert.equal((await submit(rotated.ctx, 'RecordRead', { recordId: record.recordId, version: 1 })).outcome, 'ROLE_KEY_NOT_VOUCHED', 'the ledgered read is refused');
  const admin = await loginInNode(web, ADMINS[0]!);
  await submitOk(admin.ctx, 'AssignRole', { username: MEERA.username, role: 'doctor', org: 'clinic', sigKeyId: rotated.ctx.me.sig.keyId, encKeyId: rotated.ctx.me.enc.keyId });
  assert.equal(await reads(rotated), OLD_CONTENT, 'enrolled again: the version wrapped for her old enc key opens with the old key from her vault');
  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
});
