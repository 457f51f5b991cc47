/**
 * Revoke, revoke and re-key, the audit timeline and notifications in real
 * Chromium (issue 22): raj works in the browser; meera, a doctor, asks and
 * reads through src/client in Node (her reads are what raj's pages show).
 * After raj revokes, meera's read is refused, and the refusal is in raj's
 * audit and notifications; after revoke and re-key she cannot open the new
 * version. Screenshots under test-artifacts/web/access/, at desktop and
 * phone width.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import { directory, readFromLedger, requestAccess } from '../../src/client/index.ts';
import { checkedSteps } from './axe.ts';
import { Screenshots } from './browser.ts';
import { assertNoLeaks } from './leaks.ts';
import { approveInBrowser, fillUpload, open, sendUpload } from './steps.ts';
import { doctorInNode, loginInNode, startWithPatient } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const PHONE = { width: 390, height: 844 };
const TITLES = { fevers: 'Fevers TITLEMARK-c3', scan: 'Scan TITLEMARK-d4' };
const note = (name: string, text: string) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(text) });
const refused = (err: unknown) => isDhlError(err) && ['READ_REFUSED', 'RESOURCE_NOT_FOUND', 'TX_REJECTED'].includes(err.code);

test('revoke: meera’s next read is refused and shows in raj’s audit and notifications; revoke and re-key: she cannot open the new version; each page at phone width', async (t) => {
  const { web, page: raj, problems } = await startWithPatient(t, RAJ);
  const meera = await doctorInNode(web, MEERA);
  const step = checkedSteps(new Screenshots('access'));

  await open(raj, 'Who may open');
  await raj.getByText('Nobody holds a grant on your records.').waitFor();
  await step(raj, 'patient-no-grants');
  await open(raj, 'Audit');
  await raj.getByText('You have no records yet').waitFor();

  // Raj uploads two records, listed for doctors: meera finds them in his directory.
  await fillUpload(raj, note('fevers-namemarker.txt', 'Temperature 39.2 C. CONTENTMARKER-a\n'), TITLES.fevers, { listed: true });
  await sendUpload(raj, TITLES.fevers);
  await fillUpload(raj, note('scan-namemarker.txt', 'Scan report. CONTENTMARKER-b\n'), TITLES.scan, { listed: true });
  await sendUpload(raj, TITLES.scan);
  const listed = new Map((await directory(meera.reads, RAJ.username)).map((e) => [e.title, e.recordId]));
  const fevers = listed.get(TITLES.fevers)!;
  const scan = listed.get(TITLES.scan)!;

  /** Meera asks for one record; raj approves in the browser. */
  const grant = async (recordId: string, purpose: string) => {
    await requestAccess(meera.ctx, { patient: RAJ.username, records: [recordId], purpose, durationMs: 7 * 86_400_000 });
    await approveInBrowser(raj, MEERA.username, 1);
  };

  // A grant on fevers, used once: raj's page lists it.
  await grant(fevers, 'Follow-up of the fevers');
  await readFromLedger(meera.ctx, meera.reads, fevers, 1, () => undefined);
  await open(raj, 'Who may open');
  await raj.getByRole('cell', { name: TITLES.fevers }).waitFor();
  await step(raj, 'patient-active-grants');

  // Revoke: the page says what it cannot undo; after it, meera's read is refused.
  await raj.getByRole('button', { name: `Revoke ${MEERA.username}’s grant`, exact: true }).click();
  await raj.getByText(`What ${MEERA.username} already opened cannot be taken back`).waitFor();
  await step(raj, 'patient-revoke-confirm');
  await raj.getByRole('button', { name: 'Revoke now' }).click();
  await raj.getByText(`${MEERA.username} can no longer open “${TITLES.fevers}”`).waitFor();
  await step(raj, 'patient-revoked');
  await assert.rejects(readFromLedger(meera.ctx, meera.reads, fevers, 1, () => undefined), refused);

  // Raj's audit, filtered to fevers: meera's read under the grant, and her refused one.
  await open(raj, 'Audit');
  await raj.getByRole('table', { name: 'audit trail' }).waitFor();
  await raj.getByRole('combobox', { name: 'Record' }).click();
  await raj.getByRole('option', { name: TITLES.fevers }).click();
  const meeraReads = raj.locator(`tr[data-audit-type="RecordRead"][data-audit-actor="${MEERA.username}"]`);
  await meeraReads.filter({ hasText: 'refused' }).waitFor();
  assert.equal(await meeraReads.count(), 2, 'one accepted read and one refused');
  assert.equal(await meeraReads.filter({ hasText: 'accepted' }).locator('code').count(), 1, 'the accepted read names its grant');
  const refusedRead = meeraReads.filter({ hasText: 'refused' }).first();
  assert.equal(await refusedRead.getAttribute('data-audit-outcome'), 'READ_NOT_PERMITTED');
  assert.match((await refusedRead.textContent())!, /refused\s*no grant lets this person open the record READ_NOT_PERMITTED$/, 'the refusal in words, its code beside them');
  await step(raj, 'patient-audit-refused-read');

  // A failed login to raj's account, then his notifications: the request, the used grant, the refused read, the failed login.
  await assert.rejects(loginInNode(web, { ...RAJ, passphrase: 'not raj’s passphrase' }));
  await open(raj, 'Notifications');
  for (const kind of ['request-received', 'grant-used', 'read-refused']) await raj.locator(`tr[data-notification="${kind}"]`).first().waitFor();
  assert.match(
    (await raj.locator('tr[data-notification="read-refused"]').first().textContent())!,
    new RegExp(`${MEERA.username} tried to open a record and was refused: no grant lets this person open the record READ_NOT_PERMITTED`),
    'the refused read in words, its code beside them',
  );
  await raj.getByTestId('failed-logins').getByText(/1 failed login/).waitFor();
  await step(raj, 'patient-notifications');

  // Revoke and re-key the scan: the new version is sealed for raj alone; meera cannot open it.
  await grant(scan, 'Imaging review');
  await readFromLedger(meera.ctx, meera.reads, scan, 1, () => undefined);
  await open(raj, 'Who may open');
  await raj.getByRole('button', { name: `Revoke and re-key: ${MEERA.username}’s grant` }).click();
  await raj.getByText('The old version stays on the node, encrypted under its old key, until erasure exists', { exact: false }).waitFor();
  await step(raj, 'patient-rekey-confirm');
  await raj.getByRole('button', { name: 'Revoke and re-key now' }).click();
  await raj.getByText(`${MEERA.username} can no longer open “${TITLES.scan}”`).waitFor();
  await raj.getByText('The new version (2)', { exact: false }).waitFor();
  await step(raj, 'patient-rekeyed');
  await assert.rejects(readFromLedger(meera.ctx, meera.reads, scan, 2, () => undefined), refused);
  await open(raj, 'Who may open');
  await raj.getByText('Nobody holds a grant on your records.').waitFor();

  // The same pages at phone width.
  await raj.setViewportSize(PHONE);
  for (const [link, name, ready] of [
    ['Audit', 'phone-audit', raj.getByRole('table', { name: 'audit trail' })],
    ['Notifications', 'phone-notifications', raj.getByRole('table', { name: 'notifications' })],
    ['Who may open', 'phone-no-grants', raj.getByText('Nobody holds a grant on your records.')],
  ] as const) {
    await open(raj, link);
    await ready.waitFor();
    assert.ok(await raj.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${link}: no sideways scrolling of the page at phone width`);
    await step(raj, name);
  }

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
  assertNoLeaks(web.proxy.captured, { never: [RAJ.passphrase, 'CONTENTMARKER', 'namemarker'], onlyInManifest: Object.values(TITLES) });
});
