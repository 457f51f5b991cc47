/** What a person does in the web app, as steps the browser tests share. */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';

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

/** Drags a file onto a drop zone: a DataTransfer made in the page carries it, as a person's drag would. */
export async function dropFile(page: Page, zone: Locator, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
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
