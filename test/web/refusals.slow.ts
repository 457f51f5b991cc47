/**
 * The admin's view of refused actions across the node (issue 22) in real
 * Chromium: a doctor without a grant tries to open a patient's record (the
 * ledger refuses it), someone fails a login to the patient's account, and a
 * client trips the rate limit; the node's admin finds each under its tab,
 * with no record title or content on the page. Screenshots under
 * test-artifacts/web/refusals/, at desktop and phone width (390x844).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, register, uploadRecord, utf8 } from '../../src/client/index.ts';
import { submit } from '../../src/client/flows/context.ts';
import { ADMINS, completeSetup } from '../api/helpers.ts';
import { checkedSteps } from './axe.ts';
import { startBrowser, Screenshots } from './browser.ts';
import { logIn, open } from './steps.ts';
import { doctorInNode, loginInNode, startWebNode } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const OMAR = { username: 'omar', passphrase: 'omar quartz lantern river' };
const TITLE = 'Psychiatry notes TITLEMARKER-refusals';
const CONTENT = 'CONTENTMARKER-refusals: nothing of this reaches the admin\n';

test("the node's admin sees a doctor's refused read, a failed login to a patient's account and a rate-limit trip, each under its tab, without a title or content; at phone width too", async (t) => {
  // A low limit per route and address: set-up's four joins leave room for a few more, then the joins below trip it.
  const web = await startWebNode(t, { admins: 2, rateLimit: { max: 8, windowMs: 60_000 } });
  await completeSetup(web.node);
  const admin = ADMINS[0]!;

  await register(new ApiClient({ baseUrl: web.node.url }), { ...RAJ, now: Date.now() });
  const raj = await loginInNode(web, RAJ);
  const text = utf8.encode(CONTENT);
  const notes = await uploadRecord(raj.ctx, { title: TITLE, mediaType: 'text/plain', fileName: 'notes.txt', content: () => [text], contentSize: text.length });
  const omar = await doctorInNode(web, OMAR);
  const refused = await submit(omar.ctx, 'RecordRead', { recordId: notes.recordId, version: 1 });
  assert.equal(refused.outcome, 'READ_NOT_PERMITTED', 'omar holds no grant');
  await assert.rejects(loginInNode(web, { ...RAJ, passphrase: 'not raj’s passphrase' }));
  // Set-up is over: each join is refused (409) until the limit refuses them first (429).
  const joins: number[] = [];
  for (let i = 0; i < 8; i++) {
    joins.push(await fetch(`${web.node.url}/v1/setup/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(async (r) => (await r.text(), r.status)));
  }
  const trips = joins.filter((s) => s === 429).length;
  assert.ok(trips >= 1, `the rate limit tripped (${joins.join(', ')})`);

  const { context, problems } = await startBrowser(t);
  const page = await (await context(admin.username)).newPage();
  await logIn(page, web.url, admin);
  const step = checkedSteps(new Screenshots('refusals'));

  await open(page, 'Refused actions');
  await page.getByRole('heading', { name: 'Refused actions on this node' }).waitFor();
  const read = page.locator('[data-refusal="refused-tx"][data-refusal-who="omar"]');
  await read.waitFor();
  assert.match((await read.textContent())!, /no grant lets this person open the record/);
  assert.match((await read.textContent())!, /READ_NOT_PERMITTED/);
  assert.match((await read.textContent())!, new RegExp(notes.recordId.slice(0, 12)), 'the record by its id');
  const noMarkers = async (tab: string) => {
    const html = await page.content();
    assert.ok(!html.includes('TITLEMARKER') && !html.includes('CONTENTMARKER'), `no title or content on the page (${tab})`);
  };
  await noMarkers('refused in the ledger');
  await step(page, 'admin-refused-reads');

  await page.getByRole('tab', { name: 'Rate-limit trips' }).click();
  const tripRows = page.locator('[data-refusal="rate-limit"]');
  await tripRows.first().waitFor();
  assert.equal(await tripRows.count(), trips, 'one row per 429');
  assert.match((await tripRows.first().textContent())!, /POST \/v1\/setup\/join/);
  await step(page, 'admin-rate-limit-trips');

  await page.getByRole('tab', { name: 'Failed logins' }).click();
  await page.locator('[data-refusal="failed-login"][data-refusal-who="raj"]').waitFor();
  await step(page, 'admin-failed-logins');
  await noMarkers('failed logins');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('tab', { name: 'Refused in the ledger' }).click();
  await read.waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling of the page at phone width');
  await step(page, 'phone-admin-refused-reads');
  await page.getByRole('tab', { name: 'Failed logins' }).click();
  await page.locator('[data-refusal="failed-login"][data-refusal-who="raj"]').waitFor();
  await step(page, 'phone-admin-failed-logins');

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
});
