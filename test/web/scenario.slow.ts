/**
 * DESIGN §1's scenario in real Chromium (issue 21), one browser context each
 * for the admin, raj and meera, behind the proxy that keeps every request
 * body the browser sent: set-up, register, enrol, upload (a file chosen and
 * one dropped), list, request, review with the doctor's proven keys, deny,
 * request again, approve with duration and scopes, verify, view — an SVG
 * carrying a script among them, which must run no script. Screenshots of
 * each step under test-artifacts/web/scenario/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Screenshots, startBrowser } from './browser.ts';
import { assertNoLeaks } from './leaks.ts';
import { field, fillUpload, open, recordFrame, registerAt, sendUpload, setUpNode } from './steps.ts';
import { startWebNode } from './web-node.ts';

const ADMIN = { username: 'ines', passphrase: 'ines correct horse battery' };
const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const PURPOSE = 'Follow-up of the fevers in March';
/** Markers that must never leave the browser in the clear: file contents and file names. Titles only inside a manifest. */
const FEVERS = { name: 'fevers-namemarker-3c1d.txt', mimeType: 'text/plain', buffer: Buffer.from('Temperature 39.2 C, 3 days. CONTENTMARKER-fevers-9b2e\n'.repeat(40)) };
const SVG_SCRIPT_MARKER = 'svg-script-ran-5e7a';
const SCAN = {
  name: 'scan-namemarker-81aa.svg',
  mimeType: 'image/svg+xml',
  buffer: Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120"><rect width="320" height="120" fill="#2b8a3e"/>` +
      `<text x="16" y="64" fill="white" font-size="20">CONTENTMARKER-scan-77d0</text>` +
      `<script>document.documentElement.setAttribute('data-ran','yes');fetch('/${SVG_SCRIPT_MARKER}');parent.postMessage('${SVG_SCRIPT_MARKER}','*')</script></svg>`,
  ),
};
const TITLES = { fevers: 'Fevers TITLEMARK-a1', scan: 'Scan TITLEMARK-b2' };

test('the scenario in the browser: set-up, register, enrol, upload, list, request, deny, approve with duration and scopes, verify, view; an SVG runs no script; nothing secret leaves the page', async (t) => {
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
  const meeraEnc = (await meera.getByLabel('your encryption key fingerprint').textContent())!;
  const rajSig = (await raj.getByLabel('your signing key fingerprint').textContent())!;

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

  // The empty states, as a new patient and a doctor without grants see them.
  await open(raj, 'My records');
  await raj.getByText('You have no records yet').waitFor();
  await shots.take(raj, 'patient-no-records');

  // Raj uploads two records: one chosen with the file button, one dropped; both listed for doctors.
  await fillUpload(raj, FEVERS, TITLES.fevers, { listed: true });
  await shots.take(raj, 'patient-upload-form');
  await sendUpload(raj, TITLES.fevers);
  await shots.take(raj, 'patient-uploaded');
  await fillUpload(raj, SCAN, TITLES.scan, { listed: true, drop: true });
  await sendUpload(raj, TITLES.scan);
  await open(raj, 'My records');
  await raj.getByRole('link', { name: TITLES.fevers }).waitFor();
  await raj.getByRole('link', { name: TITLES.scan }).waitFor();
  await shots.take(raj, 'patient-records');

  // Meera, now a doctor, finds raj in the directory and asks for his records.
  await meera.reload();
  await meera.getByRole('heading', { name: 'Log in' }).waitFor();
  await field(meera, 'Username').fill(MEERA.username);
  await field(meera, 'Passphrase').fill(MEERA.passphrase);
  await meera.getByRole('button', { name: 'Log in' }).click();
  await open(meera, 'Directory');
  await field(meera, "Patient's username").fill(RAJ.username);
  await meera.getByRole('button', { name: 'Find records' }).click();
  await meera.getByRole('cell', { name: TITLES.fevers, exact: true }).waitFor();
  await meera.getByRole('cell', { name: TITLES.scan, exact: true }).waitFor();
  await shots.take(meera, 'doctor-directory');
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

  await open(meera, 'Shared with me');
  await meera.getByText('No patient has shared a record with you yet').waitFor();

  // Asked again, raj approves: 7 days, read only, for the key whose fingerprint he sees.
  await open(meera, 'Directory');
  await field(meera, "Patient's username").fill(RAJ.username);
  await meera.getByRole('button', { name: 'Find records' }).click();
  await meera.getByRole('button', { name: `Request access to all of ${RAJ.username}’s records` }).click();
  await field(meera, 'Purpose').fill(PURPOSE);
  await meera.getByRole('button', { name: 'Send request' }).click();
  await meera.getByText('Request sent').waitFor();
  await open(raj, 'Account');
  await open(raj, 'Requests for me');
  await raj.getByRole('button', { name: `Review the request from ${MEERA.username}` }).click();
  const granteeFingerprint = (await raj.getByTestId('grantee-fingerprint').textContent())!;
  assert.equal(granteeFingerprint, meeraEnc, 'the key raj wraps for is the one meera holds');
  await field(raj, 'For how many days').fill('7');
  await shots.take(raj, 'patient-approve');
  await raj.getByRole('button', { name: 'Approve' }).click();
  await raj.getByText(`${MEERA.username} may read 2 record(s)`).waitFor();
  await shots.take(raj, 'patient-approved');

  // Meera verifies and opens the text record: every check passes, her read is ledgered, the text shows in the sandbox.
  await open(meera, 'Shared with me');
  const links = meera.getByRole('link', { name: / — verify and open$/ });
  await links.first().waitFor();
  assert.equal(await links.count(), 2);
  await meera.getByRole('link', { name: `“${TITLES.scan}” — verify and open` }).waitFor();
  await shots.take(meera, 'doctor-shared-with-me');
  const feversLink = meera.getByRole('link', { name: `“${TITLES.fevers}” — verify and open` });
  await feversLink.click();
  await meera.getByTestId('verify-summary').getByText('Every check passed').waitFor();
  for (const id of ['head', 'inclusion', 'author-key', 'manifest-signature', 'block']) {
    assert.equal(await meera.locator(`[data-check="${id}"]`).getAttribute('data-state'), 'passes', id);
  }
  assert.match((await meera.getByTestId('block-hash').textContent())!, /^[0-9a-f]{64}$/);
  assert.equal(await meera.getByLabel("author's signing key fingerprint").textContent(), rajSig, "the author's fingerprint is raj's key");
  await shots.take(meera, 'doctor-verify');
  await meera.getByRole('button', { name: 'Open and view' }).click();
  await meera.getByTestId('read-receipt').waitFor();
  assert.match((await meera.getByTestId('ciphertext-excerpt').textContent())!, /^[0-9a-f]{96}$/);
  const textFrame = await recordFrame(meera);
  await textFrame.getByText('CONTENTMARKER-fevers-9b2e').first().waitFor();
  await meera.getByTestId('record-frame').scrollIntoViewIfNeeded();
  await shots.take(meera, 'doctor-view-text', { viewport: true });

  // The SVG carries a script: viewed in the sandbox it renders, and its script never runs.
  await open(meera, 'Shared with me');
  await meera.getByRole('link', { name: `“${TITLES.scan}” — verify and open` }).click();
  await meera.getByTestId('verify-summary').getByText('Every check passed').waitFor();
  const messages: string[] = [];
  await meera.exposeFunction('dhlTestSawMessage', (m: string) => messages.push(m));
  await meera.evaluate(() => window.addEventListener('message', (e) => (window as unknown as { dhlTestSawMessage(m: string): void }).dhlTestSawMessage(String(e.data))));
  const blocked = meera.waitForEvent('console', (m) => /Blocked script execution/.test(m.text()));
  await meera.getByRole('button', { name: 'Open and view' }).click();
  const svgFrame = await recordFrame(meera);
  await svgFrame.getByText('CONTENTMARKER-scan-77d0').waitFor();
  await blocked;
  assert.equal(await meera.getByTestId('record-frame').getAttribute('sandbox'), '', 'a sandbox with no allowances: no scripts, an opaque origin');
  assert.equal(await svgFrame.evaluate(() => document.documentElement.getAttribute('data-ran')), null, "the SVG's script did not run");
  assert.deepEqual(messages, [], 'the SVG posted nothing to the app');
  assert.ok(!web.proxy.captured.some((c) => c.url.includes(SVG_SCRIPT_MARKER)), 'the SVG fetched nothing');
  await meera.getByTestId('record-frame').scrollIntoViewIfNeeded();
  await shots.take(meera, 'doctor-view-svg-no-script', { viewport: true });

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
  const markers = ['CONTENTMARKER', FEVERS.name, SCAN.name, 'namemarker', SVG_SCRIPT_MARKER];
  assertNoLeaks(web.proxy.captured, { never: [...secrets, ...secrets.slice(3).map((k) => k.replaceAll('-', '')), ...markers], onlyInManifest: Object.values(TITLES) });
  assert.ok(web.proxy.captured.some((c) => c.url.includes('/chunks/') && c.body.length > 0), 'ciphertext chunks went through the proxy: the content check saw them');
});

