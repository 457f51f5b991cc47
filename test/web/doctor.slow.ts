/**
 * A doctor's pages of issue 22 in real Chromium: meera asks for raj's
 * records from the directory and withdraws the request (a DenyRequest by its
 * doctor: the status reads "withdrawn", and raj has nothing left to decide);
 * her notifications, empty, then with a failed login to her account.
 * Screenshots under test-artifacts/web/doctor/, at desktop and phone width.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, register, requests, setListing, uploadRecord, utf8 } from '../../src/client/index.ts';
import { checkedSteps } from './axe.ts';
import { Screenshots } from './browser.ts';
import { field, open } from './steps.ts';
import { loginInNode, startWithDoctor } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const PURPOSE = 'Second opinion on the fevers';

test('a doctor withdraws a pending request (its status reads withdrawn, the patient has nothing left to decide) and sees her notifications, a failed login among them; at phone width too', async (t) => {
  const { web, page: meera, problems } = await startWithDoctor(t, MEERA);
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
