/** What a person does in the web app, as steps the browser tests share. */
import assert from 'node:assert/strict';
import type { Frame, Locator, Page } from 'playwright-core';

export interface Person {
  username: string;
  passphrase: string;
}

/** A form field by its label (Mantine marks a required one with an asterisk). */
export const field = (page: Page, label: string) => page.getByLabel(new RegExp(`^${label}\\s*\\*?$`));

export async function fillAccountForm(page: Page, u: Person): Promise<void> {
  await field(page, 'Username').fill(u.username);
  await field(page, 'Passphrase').fill(u.passphrase);
  await field(page, 'Passphrase again').fill(u.passphrase);
}

/** Reads the recovery key shown once and types it back; returns it. */
export async function keepRecoveryKey(page: Page): Promise<string> {
  const key = (await page.getByTestId('recovery-key').textContent())!.trim();
  assert.match(key, /^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){12}$/);
  await field(page, 'Type the recovery key back').fill(key);
  await page.getByRole('button', { name: 'I have kept it' }).click();
  return key;
}

export async function welcomed(page: Page, u: Person): Promise<void> {
  await page.getByRole('heading', { name: `Welcome, ${u.username}` }).waitFor();
}

/** The first-run set-up from the setup link, as the one admin; returns the recovery key. */
export async function setUpNode(page: Page, link: string, admin: Person): Promise<string> {
  await page.goto(link);
  await page.getByRole('heading', { name: 'Set up this node' }).waitFor();
  await fillAccountForm(page, admin);
  await page.getByRole('button', { name: 'Generate my keys and join' }).click();
  await page.getByRole('heading', { name: 'Check the new ledger' }).waitFor();
  await page.getByRole('button', { name: 'Sign my registration' }).click();
  await page.getByRole('heading', { name: 'Your recovery key' }).waitFor();
  const key = await keepRecoveryKey(page);
  await welcomed(page, admin);
  return key;
}

/** Registration at /register; returns the recovery key. */
export async function registerAt(page: Page, baseUrl: string, u: Person): Promise<string> {
  await page.goto(`${baseUrl}/register`);
  await fillAccountForm(page, u);
  await page.getByRole('button', { name: 'Create my keys and account' }).click();
  await page.getByRole('heading', { name: 'Your recovery key' }).waitFor();
  const key = await keepRecoveryKey(page);
  await welcomed(page, u);
  return key;
}

export async function logIn(page: Page, baseUrl: string, u: Person): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await field(page, 'Username').fill(u.username);
  await field(page, 'Passphrase').fill(u.passphrase);
  await page.getByRole('button', { name: 'Log in' }).click();
  await welcomed(page, u);
}

/** Follows a main-navigation link. */
export async function open(page: Page, link: string): Promise<void> {
  await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: link }).click();
}

/** A file as a test hands it to the page (or a path on disk, as a person chooses one). */
export interface FileToUpload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Drags a file onto a drop zone: a DataTransfer made in the page carries it, as a person's drag would. */
export async function dropFile(page: Page, zone: Locator, file: FileToUpload): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, type, bytes }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type }));
      return dt;
    },
    { name: file.name, type: file.mimeType, bytes: [...file.buffer] },
  );
  for (const type of ['dragenter', 'dragover', 'drop']) await zone.dispatchEvent(type, { dataTransfer: transfer });
}

/** Opens the upload page and fills its form: the file chosen with the button (or dropped), the title, "list for doctors". */
export async function fillUpload(page: Page, file: FileToUpload | string, title: string, o: { drop?: boolean; listed?: boolean } = {}): Promise<void> {
  await open(page, 'Upload');
  if (o.drop && typeof file !== 'string') await dropFile(page, page.getByTestId('drop-zone'), file);
  else await page.locator('input[type=file]').setInputFiles(file);
  await page.getByTestId('chosen-file').waitFor();
  await field(page, 'Title').fill(title);
  if (o.listed) await page.getByLabel('List for doctors').check();
}

/** Sends the filled upload form and waits until the record is on the node. */
export async function sendUpload(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: 'Encrypt and upload' }).click();
  await page.getByText(`“${title}” is encrypted on the node`).waitFor();
}

/** From the patient's records, the verify page of the record with this title: every check passed. */
export async function verifyOwn(page: Page, title: string): Promise<void> {
  await open(page, 'My records');
  await page.getByRole('link', { name: title }).click();
  await page.getByTestId('verify-summary').getByText('Every check passed').waitFor();
}

/** The sandboxed frame a record is viewed in. */
export async function recordFrame(page: Page): Promise<Frame> {
  const handle = await page.getByTestId('record-frame').elementHandle();
  const frame = await handle!.contentFrame();
  assert.ok(frame, 'the record frame has a document');
  return frame;
}

/** The patient approves the doctor's pending request from "Requests for me", read only, for the days it asked, after the doctor's proven key shows. */
export async function approveInBrowser(page: Page, doctor: string, records: number): Promise<void> {
  await open(page, 'Requests for me');
  await page.getByRole('button', { name: `Review the request from ${doctor}` }).click();
  await page.getByTestId('grantee-fingerprint').waitFor();
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByText(`${doctor} may read ${records} record(s)`).waitFor();
}
