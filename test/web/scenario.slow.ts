/**
 * DESIGN §1's scenario in real Chromium (issue 21), one browser context each
 * for the admin, raj and meera, behind the proxy that keeps every request
 * body the browser sent: set-up, register, enrol, request, review with the
 * doctor's proven keys, deny. Screenshots of each step under
 * test-artifacts/web/scenario/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Screenshots, startBrowser } from './browser.ts';
import { assertNoLeaks } from './leaks.ts';
import { field, open, registerAt, setUpNode } from './steps.ts';
import { startWebNode } from './web-node.ts';

const ADMIN = { username: 'ines', passphrase: 'ines correct horse battery' };
const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const PURPOSE = 'Follow-up of the fevers in March';

test('the scenario in the browser: set-up, register, enrol, request with purpose and duration, review with the proven fingerprint, deny, the empty lists', async (t) => {
  const web = await startWebNode(t);
  const { context, problems } = await startBrowser(t);
  const shots = new Screenshots('scenario');
  const page = async (name: string) => (await context(name)).newPage();
  const admin = await page('admin');
  const raj = await page('raj');
  const meera = await page('meera');

  const secrets = [ADMIN.passphrase, RAJ.passphrase, MEERA.passphrase];
  secrets.push(await setUpNode(admin, web.setupLink(), ADMIN));
  secrets.push(await registerAt(raj, web.url, RAJ));
  secrets.push(await registerAt(meera, web.url, MEERA));
  const meeraSig = (await meera.getByLabel('your signing key fingerprint').textContent())!;

  // The admin enrols meera, comparing the fingerprints the ledger proves.
  await open(admin, 'Enrol doctors');
  await field(admin, "Doctor's username").fill(MEERA.username);
  await admin.getByRole('button', { name: 'Look up' }).click();
  await admin.getByLabel(`${MEERA.username} signing key fingerprint`).waitFor();
  assert.equal(await admin.getByLabel(`${MEERA.username} signing key fingerprint`).textContent(), meeraSig, 'the admin sees the key meera holds');
  await shots.take(admin, 'admin-enrol-lookup');
  await admin.getByLabel(/I compared these fingerprints/).check();
  await admin.getByRole('button', { name: `Enrol ${MEERA.username} as a doctor` }).click();
  await admin.getByText(`${MEERA.username} is a doctor at clinic`).waitFor();
  await shots.take(admin, 'admin-enrolled');

  // Meera, now a doctor, finds raj in the directory and asks for his records.
  await meera.reload();
  await meera.getByRole('heading', { name: 'Log in' }).waitFor();
  await field(meera, 'Username').fill(MEERA.username);
  await field(meera, 'Passphrase').fill(MEERA.passphrase);
  await meera.getByRole('button', { name: 'Log in' }).click();
  await open(meera, 'Directory');
  await field(meera, "Patient's username").fill(RAJ.username);
  await meera.getByRole('button', { name: 'Find records' }).click();
  await meera.getByText(`${RAJ.username} has no listed records.`).waitFor();
  await meera.getByRole('button', { name: `Request access to all of ${RAJ.username}’s records` }).click();
  await field(meera, 'Purpose').fill(PURPOSE);
  await field(meera, 'Duration \\(days\\)').fill('14');
  await shots.take(meera, 'doctor-request-form');
  await meera.getByRole('button', { name: 'Send request' }).click();
  await meera.getByText('Request sent').waitFor();
  await open(meera, 'My requests');
  await meera.getByRole('cell', { name: PURPOSE }).waitFor();
  assert.equal(await meera.locator('[data-status]').first().getAttribute('data-status'), 'pending');
  await shots.take(meera, 'doctor-my-requests-pending');

  // Raj sees the request with meera's fingerprint and role, and denies it.
  await open(raj, 'Requests for me');
  await raj.getByRole('button', { name: `Review the request from ${MEERA.username}` }).click();
  await raj.getByLabel(`${MEERA.username} signing key fingerprint`).waitFor();
  assert.equal(await raj.getByLabel(`${MEERA.username} signing key fingerprint`).textContent(), meeraSig, 'raj sees the key meera holds');
  assert.match((await raj.getByTestId('role-doctor').textContent())!, /doctor at clinic · AssignRole in block \d+/);
  await shots.take(raj, 'patient-review-request');
  await raj.getByRole('button', { name: 'Deny' }).click();
  await raj.getByText(`${MEERA.username}’s request was denied`).waitFor();
  await shots.take(raj, 'patient-denied');

  await open(meera, 'Directory');
  await open(meera, 'My requests');
  await meera.locator('[data-status="denied"]').waitFor();
  await shots.take(meera, 'doctor-my-requests-denied');

  // The empty states, as a new patient and a doctor without grants see them.
  await open(raj, 'My records');
  await raj.getByText('You have no records yet').waitFor();
  await shots.take(raj, 'patient-no-records');
  await open(meera, 'Shared with me');
  await meera.getByText('No patient has shared a record with you yet').waitFor();

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
  assertNoLeaks(web.proxy.captured, { never: [...secrets, ...secrets.slice(3).map((k) => k.replaceAll('-', ''))] });
});
