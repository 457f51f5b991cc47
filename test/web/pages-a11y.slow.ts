/**
 * Every page of the web app through axe-core, at desktop and phone width
 * (issue 22): one node, its data seeded through src/client in Node (a
 * patient's listed record granted to a doctor, who read it and asked again),
 * then each route of test/web/sweep.ts — every path of web/src/routes.tsx —
 * visited as the person who can see it, screenshot and assertAccessible at
 * 1280x800 and 390x844. Pages behind a login are reached inside the app (a
 * reload would lock the keys). Screenshots under test-artifacts/web/pages-a11y/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ApiClient, approveRequest, readFromLedger, register, requestAccess, setListing, uploadRecord, utf8 } from '../../src/client/index.ts';
import { ADMINS, completeSetup } from '../api/helpers.ts';
import { assertAccessible } from './axe.ts';
import { Screenshots, startBrowser } from './browser.ts';
import { logIn, type Person } from './steps.ts';
import { SWEEP, type Seeded, type Visitor } from './sweep.ts';
import { doctorInNode, loginInNode, startWebNode } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj sweeps every page' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

/** A client-side navigation, as a link click is: the router follows the history entry, and the keys stay. */
async function goInApp(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

test('every route of the web app, as who can see it, has no serious or critical axe-core violation at 1280x800 and at 390x844; the account page tells an admin (who confirms) and a doctor what a rotation does to the role', async (t) => {
  const web = await startWebNode(t, { admins: 2 });
  await completeSetup(web.node);
  await register(new ApiClient({ baseUrl: web.node.url }), { ...RAJ, now: Date.now() });
  const raj = await loginInNode(web, RAJ);
  const meera = await doctorInNode(web, MEERA);
  const content = utf8.encode('Peak flow 420 L/min.\n');
  const seeded: Seeded = { recordTitle: 'Peak flow', recordId: '' };
  const uploaded = await uploadRecord(raj.ctx, { title: seeded.recordTitle, mediaType: 'text/plain', fileName: 'peak-flow.txt', content: () => [content], contentSize: content.length });
  seeded.recordId = uploaded.recordId;
  await setListing(raj.ctx, uploaded.recordId, true);
  const asked = await requestAccess(meera.ctx, { patient: RAJ.username, records: [uploaded.recordId], purpose: 'Asthma review', durationMs: 7 * 86_400_000 });
  await approveRequest(raj.ctx, raj.reads, { requestId: asked.requestId, doctor: MEERA.username, records: [uploaded.recordId], durationMs: 7 * 86_400_000 });
  await readFromLedger(meera.ctx, meera.reads, uploaded.recordId, 1, () => {});
  await requestAccess(meera.ctx, { patient: RAJ.username, records: [uploaded.recordId], purpose: 'Follow-up in a month', durationMs: 7 * 86_400_000 });

  const { context, problems } = await startBrowser(t);
  const people: Record<Exclude<Visitor, 'anyone'>, Person> = { patient: RAJ, doctor: MEERA, admin: ADMINS[0]! };
  const pages = new Map<Visitor, Page>();
  const pageOf = async (who: Visitor): Promise<Page> => {
    let page = pages.get(who);
    if (!page) {
      page = await (await context(who)).newPage();
      if (who !== 'anyone') {
        // The test node's clock is a manual one, set when it started; Chromium signs login challenges by the wall clock, and refuses one
        // that expired by it (LOGIN_CHALLENGE_REFUSED) — this sweep outlasts the challenge's lifetime, so the node's clock catches up first.
        web.node.clock.advance(Math.max(0, Date.now() - web.node.clock.now()));
        await logIn(page, web.url, people[who]);
      }
      pages.set(who, page);
    }
    return page;
  };
  const shots = new Screenshots('pages-a11y');

  for (const [path, swept] of Object.entries(SWEEP)) {
    await t.test(`${path} as ${swept.as}`, async () => {
      const page = await pageOf(swept.as);
      const url = swept.url(seeded);
      if (swept.as === 'anyone') await page.goto(`${web.url}${url}`);
      else await goInApp(page, url);
      for (const size of VIEWPORTS) {
        await page.setViewportSize(size);
        await swept.ready(page, seeded).waitFor();
        await shots.take(page, `${path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'not-found'}-${size.width}`);
        await assertAccessible(page, `${path} at ${size.width}x${size.height}`);
      }
    });
  }

  // An admin who rotates loses the role: the page says so and asks for a confirmation before the button works.
  const admin = await pageOf('admin');
  await admin.setViewportSize(VIEWPORTS[0]);
  await goInApp(admin, '/account');
  await admin.getByTestId('rotate-admin-warning').waitFor();
  await admin.getByLabel('Your passphrase, to rotate').fill(ADMINS[0]!.passphrase);
  assert.equal(await admin.getByRole('button', { name: 'Rotate my keys' }).isDisabled(), true, 'not before the admin confirms');
  await admin.getByLabel(/^I understand that I lose the admin role of /).check();
  assert.equal(await admin.getByRole('button', { name: 'Rotate my keys' }).isDisabled(), false);
  await shots.take(admin, 'admin-rotate-warning');
  await assertAccessible(admin, 'the admin rotation warning');
  // A doctor is told the role names the old keys; a patient is told neither.
  const doctor = await pageOf('doctor');
  await goInApp(doctor, '/account');
  await doctor.getByTestId('rotate-doctor-warning').waitFor();
  assert.equal(await doctor.getByTestId('rotate-admin-warning').count(), 0, 'meera is no admin');
  const patient = await pageOf('patient');
  await goInApp(patient, '/account');
  await patient.getByLabel('Your passphrase, to rotate').fill(RAJ.passphrase);
  // Enabled once the ledger's view of raj (his roles) has loaded: the warnings would show by then.
  await patient.getByRole('button', { name: 'Rotate my keys', disabled: false }).waitFor();
  assert.equal(await patient.locator('[data-testid^="rotate-"][data-testid$="-warning"]').count(), 0, 'raj holds no role the rotation affects');

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
});
