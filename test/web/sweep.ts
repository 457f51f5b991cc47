/**
 * The accessibility sweep's table (pages-a11y.slow.ts): one line per route of
 * web/src/routes.tsx, keyed by its path as written there, with who can see
 * the page, the address to visit and what shows once it has loaded.
 * sweep.test.ts fails when routes.tsx has a path this table lacks, so a new
 * page joins the sweep with one line here.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';

/** Who visits: nobody logged in, or the seeded patient, doctor or admin. */
export type Visitor = 'anyone' | 'patient' | 'doctor' | 'admin';

/** What the sweep seeds through src/client before any page is visited. */
export interface Seeded {
  /** The patient's record (listed, granted to the doctor). */
  recordId: string;
  recordTitle: string;
}

export interface SweptPage {
  as: Visitor;
  url(s: Seeded): string;
  /** Visible once the page has loaded what it shows. */
  ready(page: Page, s: Seeded): Locator;
}

const h1 = (name: string | RegExp) => (page: Page) => page.getByRole('heading', { level: 1, name });

/** `index` is the index route; `*` the catch-all. */
export const SWEEP: Readonly<Record<string, SweptPage>> = Object.freeze({
  index: { as: 'anyone', url: () => '/', ready: h1('Log in') },
  // Without its one-time token (a set-up node has none); the set-up form itself is first-run.slow.ts's.
  setup: { as: 'anyone', url: () => '/setup', ready: (page) => page.getByText('Open the one-time setup link the node printed') },
  register: { as: 'anyone', url: () => '/register', ready: h1('Create an account') },
  login: { as: 'anyone', url: () => '/login', ready: h1('Log in') },
  account: { as: 'patient', url: () => '/account', ready: (page) => page.getByRole('button', { name: 'Rotate my keys' }) },
  records: { as: 'patient', url: () => '/records', ready: (page, s) => page.getByRole('link', { name: s.recordTitle }) },
  upload: { as: 'patient', url: () => '/upload', ready: h1('Upload a record') },
  'records/:recordId/verify': { as: 'patient', url: (s) => `/records/${s.recordId}/verify`, ready: (page) => page.getByTestId('verify-summary').getByText('Every check passed') },
  'records/:recordId/new-version': { as: 'patient', url: (s) => `/records/${s.recordId}/new-version`, ready: (page, s) => h1(`A new version of “${s.recordTitle}”`)(page) },
  requests: { as: 'patient', url: () => '/requests', ready: (page) => page.getByRole('button', { name: /^Review the request from / }) },
  access: { as: 'patient', url: () => '/access', ready: (page) => page.getByRole('button', { name: /^Revoke/ }).first() },
  audit: { as: 'patient', url: () => '/audit', ready: h1('Audit: who opened my records') },
  notifications: { as: 'patient', url: () => '/notifications', ready: h1('Notifications') },
  directory: { as: 'doctor', url: () => '/directory', ready: h1('Directory') },
  'my-requests': { as: 'doctor', url: () => '/my-requests', ready: (page) => page.locator('[data-status="pending"]').first() },
  shared: { as: 'doctor', url: () => '/shared', ready: (page, s) => page.getByRole('link', { name: new RegExp(s.recordTitle) }).first() },
  contribute: { as: 'doctor', url: () => '/contribute', ready: h1('Add to a patient’s chart') },
  'admin/enrol': { as: 'admin', url: () => '/admin/enrol', ready: h1(/^Enrol a doctor in /) },
  'admin/users': { as: 'admin', url: () => '/admin/users', ready: (page) => page.getByRole('cell', { name: 'meera', exact: true }) },
  'admin/refusals': { as: 'admin', url: () => '/admin/refusals', ready: h1('Refused actions on this node') },
  status: { as: 'patient', url: () => '/status', ready: (page) => page.getByTestId('head') },
  ledger: { as: 'patient', url: () => '/ledger', ready: (page) => page.getByTestId('head') },
  'ledger/blocks/:height': { as: 'patient', url: () => '/ledger/blocks/1', ready: (page) => page.getByTestId('block') },
  '*': { as: 'anyone', url: () => '/no-such-page', ready: h1('No such page') },
});

/**
 * The paths of web/src/routes.tsx as written in its table (`index` for an
 * index route), without the shell's `/` that holds them: read from the
 * source, as the table's elements need a browser to load.
 */
export function routePaths(source = readFileSync(new URL('../../web/src/routes.tsx', import.meta.url), 'utf8')): string[] {
  const paths: string[] = [];
  for (const m of source.matchAll(/\{\s*(?:index:\s*true|path:\s*'([^']*)')/g)) {
    const path = m[1] ?? 'index';
    if (path !== '/') paths.push(path);
  }
  return paths;
}
