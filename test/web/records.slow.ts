/**
 * A patient's changes to their own records and account in real Chromium
 * (issue 22): list and unlist a record (the doctor's directory follows), a
 * new version of it (wrapped for the doctor whose grant still stands: she
 * reads the new content), and a passphrase change (every session ends; the
 * new passphrase logs in, the old one no longer does); the recovery key logs
 * in and sets a new passphrase. Screenshots under
 * test-artifacts/web/records/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { directory, readFromLedger, requestAccess } from '../../src/client/index.ts';
import { checkedSteps } from './axe.ts';
import { Screenshots } from './browser.ts';
import { approveInBrowser, field, fillUpload, logIn, open, sendUpload } from './steps.ts';
import { doctorInNode, loginInNode, startWithPatient } from './web-node.ts';

const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };
const MEERA = { username: 'meera', passphrase: 'meera lantern quartz river' };
const NEW_PASSPHRASE = 'raj new kettle harbour';
const THIRD_PASSPHRASE = 'raj chose again after losing it';
const TITLE = 'Blood pressure';
const V1 = 'Blood pressure 150/95.\n';
const V2 = 'Blood pressure 150/95; corrected: 135/85.\n';

test('a patient lists and unlists a record (the directory follows), adds a new version that the doctor still granted reads, changes the passphrase (the old one no longer logs in), and logs in with the recovery key to set a new one', async (t) => {
  const { web, page: raj, problems, recoveryKey } = await startWithPatient(t, RAJ);
  const meera = await doctorInNode(web, MEERA);
  const step = checkedSteps(new Screenshots('records'));
  const listedTitles = async () => (await directory(meera.reads, RAJ.username)).map((e) => e.title);

  await fillUpload(raj, { name: 'bp.txt', mimeType: 'text/plain', buffer: Buffer.from(V1) }, TITLE);
  await sendUpload(raj, TITLE);
  assert.deepEqual(await listedTitles(), [], 'not listed: doctors do not see it');

  await open(raj, 'My records');
  await raj.getByRole('button', { name: `List ${TITLE}` }).click();
  await raj.getByText(`“${TITLE}” is now listed for doctors`).waitFor();
  await raj.getByRole('button', { name: `Unlist ${TITLE}` }).waitFor();
  await step(raj, 'patient-listed');
  assert.deepEqual(await listedTitles(), [TITLE], 'listed: the doctor finds it');
  const [entry] = await directory(meera.reads, RAJ.username);

  await requestAccess(meera.ctx, { patient: RAJ.username, records: [entry!.recordId], purpose: 'Blood pressure review', durationMs: 7 * 86_400_000 });
  await approveInBrowser(raj, MEERA.username, 1);

  await open(raj, 'My records');
  await raj.getByRole('button', { name: `New version of ${TITLE}` }).click();
  await raj.getByRole('heading', { name: `A new version of “${TITLE}”` }).waitFor();
  await raj.locator('input[type=file]').setInputFiles({ name: 'bp-corrected.txt', mimeType: 'text/plain', buffer: Buffer.from(V2) });
  await raj.getByTestId('chosen-file').waitFor();
  await step(raj, 'patient-new-version-form');
  await raj.getByRole('button', { name: 'Encrypt and upload' }).click();
  await raj.getByText(`“${TITLE}” is encrypted on the node and recorded in block`).waitFor();
  await raj.getByText('as version 2').waitFor();
  await step(raj, 'patient-new-version-done');
  const parts: Uint8Array[] = [];
  await readFromLedger(meera.ctx, meera.reads, entry!.recordId, 2, (c) => void parts.push(Uint8Array.from(c)));
  assert.equal(Buffer.concat(parts).toString(), V2, 'the new version was wrapped for the doctor whose grant stands');

  await open(raj, 'My records');
  await raj.getByRole('button', { name: `Show versions of ${TITLE}` }).click();
  await raj.getByRole('table', { name: 'versions' }).getByRole('cell', { name: '2', exact: true }).waitFor();
  await raj.getByRole('button', { name: `Unlist ${TITLE}` }).click();
  await raj.getByText(`“${TITLE}” is no longer in the directory`).waitFor();
  await step(raj, 'patient-unlisted-versions');
  assert.deepEqual(await listedTitles(), [], 'unlisted: gone from the directory');

  await open(raj, 'Account');
  await field(raj, 'Current passphrase or recovery key').fill(RAJ.passphrase);
  await field(raj, 'New passphrase').fill(NEW_PASSPHRASE);
  await field(raj, 'New passphrase again').fill(NEW_PASSPHRASE);
  await step(raj, 'patient-change-passphrase');
  await raj.getByRole('button', { name: 'Change passphrase' }).click();
  await raj.getByText('Your passphrase was changed and every session of your account ended').waitFor();
  await step(raj, 'patient-passphrase-changed');
  await assert.rejects(loginInNode(web, RAJ), 'the old passphrase no longer opens the vault');
  await logIn(raj, web.url, { ...RAJ, passphrase: NEW_PASSPHRASE });

  // The passphrase lost: the recovery key logs in, and sets a new passphrase in its place.
  await raj.getByRole('button', { name: 'Log out' }).click();
  await raj.getByRole('heading', { name: 'Log in' }).waitFor();
  await field(raj, 'Username').fill(RAJ.username);
  await raj.getByLabel('I lost my passphrase: log in with my recovery key').check();
  await field(raj, 'Recovery key').fill(recoveryKey);
  await step(raj, 'patient-recovery-login');
  await raj.getByRole('button', { name: 'Log in' }).click();
  await raj.getByRole('heading', { name: `Welcome, ${RAJ.username}` }).waitFor();
  await field(raj, 'Current passphrase or recovery key').fill(recoveryKey);
  await field(raj, 'New passphrase').fill(THIRD_PASSPHRASE);
  await field(raj, 'New passphrase again').fill(THIRD_PASSPHRASE);
  await raj.getByRole('button', { name: 'Change passphrase' }).click();
  await raj.getByText('Your passphrase was changed and every session of your account ended').waitFor();
  await logIn(raj, web.url, { ...RAJ, passphrase: THIRD_PASSPHRASE });

  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
});
