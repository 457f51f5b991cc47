/**
 * A doctor's pages of issue 22 in real Chromium: meera asks for raj's
 * records from the directory and withdraws the request (a DenyRequest by its
 * doctor: the status reads "withdrawn", and raj has nothing left to decide);
 * she adds a letter to raj's chart under his contribute grant, and he opens it;
 * her notifications, empty, then with a failed login to her account.
 * Screenshots under test-artifacts/web/doctor/, at desktop and phone width.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, approveRequest, directory, readFromLedger, register, requestAccess, requests, setListing, uploadRecord, utf8 } from '../../src/client/index.ts';
import { checkedSteps } from './axe.ts';
import { Screenshots } from './browser.ts';
import { field, open } from './steps.ts';
import { loginInNode, startWithDoctor } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const PURPOSE = 'Second opinion on the fevers';
const LETTER = 'Discharge: fevers resolved. CONTENTMARKER-letter\n';

test('a doctor withdraws a pending request (its status reads withdrawn, the patient has nothing left to decide), adds a record to a patient’s chart under a contribute grant (the patient opens it), and sees her notifications, a failed login among them; at phone width too', async (t) => {
  const { web, page: meera, problems, client: meeraInNode } = await startWithDoctor(t, MEERA);
  const step = checkedSteps(new Screenshots('doctor'));
  await register(new ApiClient({ baseUrl: web.node.url }), { ...RAJ, now: Date.now() });
  const raj = await loginInNode(web, RAJ);
  const text = utf8.encode('Temperature 39.2 C.\n');
  const fevers = await uploadRecord(raj.ctx, { title: 'Fevers', mediaType: 'text/plain', fileName: 'fevers.txt', content: () => [text], contentSize: text.length });
  await setListing(raj.ctx, fevers.recordId, true);

  await open(meera, 'Notifications');
  await meera.getByText('Nothing new').waitFor();
  await step(meera, 'doctor-notifications-empty');

  await open(meera, 'Directory');
  await field(meera, "Patient's username").fill(RAJ.username);
  await meera.getByRole('button', { name: 'Find records' }).click();
  await meera.getByRole('button', { name: 'Request access to Fevers' }).click();
  await field(meera, 'Purpose').fill(PURPOSE);
  await meera.getByRole('button', { name: 'Send request' }).click();
  await meera.getByText('Request sent').waitFor();
  await open(meera, 'My requests');
  await meera.locator('[data-status="pending"]').waitFor();
  await step(meera, 'doctor-request-pending');

  await meera.getByRole('button', { name: new RegExp(`^Withdraw the request to ${RAJ.username}, asked `) }).click();
  await meera.getByText(`Your request to ${RAJ.username} was withdrawn`).waitFor();
  await meera.locator('[data-status="withdrawn"]').waitFor();
  assert.equal(await meera.getByRole('button', { name: /^Withdraw the request/ }).count(), 0, 'nothing left to withdraw');
  await step(meera, 'doctor-request-withdrawn');
  assert.deepEqual((await requests(raj.reads, { direction: 'incoming', status: 'pending' })).length, 0, 'raj has nothing left to decide');
  assert.deepEqual((await requests(raj.reads, { direction: 'incoming', status: 'withdrawn' })).map((r) => r.purpose), [PURPOSE]);

  // A contribution: with no contribute grant the page says so; once raj grants it, meera adds a letter to his chart, and raj reads it.
  await open(meera, 'Add to a chart');
  await meera.getByText('No patient has let you add records to their chart').waitFor();
  await step(meera, 'doctor-contribute-none');
  const asked = await requestAccess(meeraInNode.ctx, { patient: RAJ.username, records: 'all', purpose: 'Add the discharge letter', durationMs: 86_400_000 });
  await approveRequest(raj.ctx, raj.reads, { requestId: asked.requestId, doctor: MEERA.username, records: 'all', durationMs: 86_400_000 }, { scopes: ['contribute'] });
  await open(meera, 'My requests');
  await open(meera, 'Add to a chart');
  await meera.getByRole('combobox', { name: 'Patient' }).click();
  await meera.getByRole('option', { name: RAJ.username }).click();
  await meera.locator('input[type=file]').setInputFiles({ name: 'discharge.txt', mimeType: 'text/plain', buffer: Buffer.from(LETTER) });
  await field(meera, 'Title').fill('Discharge letter');
  await step(meera, 'doctor-contribute-form');
  await meera.getByRole('button', { name: 'Encrypt and upload' }).click();
  await meera.getByText(`“Discharge letter” is encrypted on the node and recorded in block`).waitFor();
  await meera.getByText(`in ${RAJ.username}’s chart`, { exact: false }).waitFor();
  await step(meera, 'doctor-contributed');
  const letter = (await directory(raj.reads, RAJ.username)).find((e) => e.title === 'Discharge letter');
  assert.ok(letter, 'the letter is in raj’s records');
  const parts: Uint8Array[] = [];
  await readFromLedger(raj.ctx, raj.reads, letter.recordId, 1, (c) => void parts.push(Uint8Array.from(c)));
  assert.equal(Buffer.concat(parts).toString(), LETTER, 'raj opens what meera sealed for him');

  await assert.rejects(loginInNode(web, { ...MEERA, passphrase: 'not meera’s passphrase' }));
  await open(meera, 'Notifications');
  await meera.getByTestId('failed-logins').getByText(/1 failed login/).waitFor();
  await step(meera, 'doctor-notifications-failed-login');

  await meera.setViewportSize({ width: 390, height: 844 });
  await open(meera, 'My requests');
  await meera.locator('[data-status="withdrawn"]').waitFor();
  assert.ok(await meera.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling of the page at phone width');
  await step(meera, 'phone-doctor-my-requests');

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
});
