/**
 * The web app's first steps in real Chromium (issue 21): the admin's set-up
 * from the setup link, a patient's registration with the recovery key
 * check, login with a wrong and then the right passphrase (the failed
 * attempt shown), logout and the idle lock clearing the keys. Each user in
 * a context of their own, behind the capturing proxy; each step a screenshot
 * and an axe-core check (the set-up pages are in no other sweep: a node is
 * set up once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ApiClient } from '../../src/client/api-client.ts';
import { register } from '../../src/client/account.ts';
import { completeSetup } from '../api/helpers.ts';
import { checkedSteps } from './axe.ts';
import { Screenshots, startBrowser } from './browser.ts';
import { assertNoLeaks } from './leaks.ts';
import { field, fillAccountForm, keepRecoveryKey } from './steps.ts';
import { startWebNode } from './web-node.ts';

const ADMIN = { username: 'ines', passphrase: 'ines correct horse battery' };
const RAJ = { username: 'raj', passphrase: 'raj fevers staple orbit' };

test('an admin sets the node up from the setup link, and a patient registers, logs in, logs out, in Chromium', async (t) => {
  const web = await startWebNode(t);
  const { context, problems } = await startBrowser(t);
  const step = checkedSteps(new Screenshots('first-run'));

  const admin = await (await context('admin')).newPage();
  await admin.goto(web.setupLink());
  await admin.getByRole('heading', { name: 'Set up this node' }).waitFor();
  assert.equal(new URL(admin.url()).hash, '', 'the token leaves the address bar at once');
  await fillAccountForm(admin, ADMIN);
  await step(admin, 'setup-form');
  await admin.getByRole('button', { name: 'Generate my keys and join' }).click();
  await admin.getByRole('heading', { name: 'Check the new ledger' }).waitFor();
  const chainId = (await admin.getByTestId('chain-id').textContent())!.trim();
  assert.match(chainId, /^[0-9a-f]{64}$/);
  await step(admin, 'setup-genesis');
  await admin.getByRole('button', { name: 'Sign my registration' }).click();
  await admin.getByRole('heading', { name: 'Your recovery key' }).waitFor();
  await step(admin, 'setup-recovery-key');
  const adminRecovery = await keepRecoveryKey(admin);
  await admin.getByRole('heading', { name: `Welcome, ${ADMIN.username}` }).waitFor();
  await step(admin, 'admin-account');
  const status = await (await fetch(`${web.url}/v1/status`)).json() as { setup: string; chainId: string };
  assert.deepEqual([status.setup, status.chainId], ['complete', chainId]);

  const raj = await (await context('raj')).newPage();
  await raj.goto(`${web.url}/register`);
  await fillAccountForm(raj, RAJ);
  await step(raj, 'register-form');
  await raj.getByRole('button', { name: 'Create my keys and account' }).click();
  await raj.getByRole('heading', { name: 'Your recovery key' }).waitFor();
  await field(raj, 'Type the recovery key back').fill('0000-0000');
  await raj.getByRole('button', { name: 'I have kept it' }).click();
  await raj.getByText('That is not the recovery key shown above').waitFor();
  await step(raj, 'register-recovery-key-wrong');
  const rajRecovery = await keepRecoveryKey(raj);
  await raj.getByRole('heading', { name: `Welcome, ${RAJ.username}` }).waitFor();
  await step(raj, 'raj-account');

  await raj.getByRole('button', { name: 'Log out' }).click();
  await raj.getByRole('heading', { name: 'Log in' }).waitFor();
  await raj.getByText('You are logged out').waitFor();
  await field(raj, 'Username').fill(RAJ.username);
  await field(raj, 'Passphrase').fill('not the passphrase at all');
  await raj.getByRole('button', { name: 'Log in' }).click();
  await raj.getByText('The username or passphrase is wrong').waitFor();
  await step(raj, 'login-wrong-passphrase');
  await field(raj, 'Passphrase').fill(RAJ.passphrase);
  await raj.getByRole('button', { name: 'Log in' }).click();
  await raj.getByRole('heading', { name: `Welcome, ${RAJ.username}` }).waitFor();
  assert.match((await raj.getByTestId('failed-logins').textContent())!, /1 failed attempt/);
  await step(raj, 'login-failed-attempts-shown');
  assert.deepEqual(problems, [], 'no uncaught error and no CSP violation in any page');
  const secrets = [ADMIN.passphrase, RAJ.passphrase, 'not the passphrase at all', adminRecovery, rajRecovery];
  assertNoLeaks(web.proxy.captured, { never: [...secrets, ...secrets.slice(3).map((k) => k.replaceAll('-', ''))] });
});

test('the keys are cleared and the session ended after the idle timeout, and by a reload; a changed chain id is refused', async (t) => {
  const web = await startWebNode(t, { admins: 2 });
  await completeSetup(web.node);
  await register(new ApiClient({ baseUrl: web.node.node.url }), { ...RAJ, now: Date.now() });
  const { context, problems } = await startBrowser(t);
  const step = checkedSteps(new Screenshots('locks'));
  const ctx = await context('raj');
  // The page's clock is Playwright's from here: the idle timer is checked by moving it, not by waiting.
  await ctx.clock.install();
  const raj = await ctx.newPage();
  const sessionStatus = (page: Page) => page.evaluate(async () => (await fetch('/v1/session')).status);
  const logIn = async (page: Page) => {
    await page.goto(`${web.url}/login`);
    await field(page, 'Username').fill(RAJ.username);
    await field(page, 'Passphrase').fill(RAJ.passphrase);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: `Welcome, ${RAJ.username}` }).waitFor();
    assert.equal(await sessionStatus(page), 200);
  };

  await logIn(raj);
  await ctx.clock.fastForward('14:00');
  assert.equal(await raj.getByRole('heading', { name: `Welcome, ${RAJ.username}` }).isVisible(), true, 'still unlocked before the timeout');
  await ctx.clock.fastForward('01:10');
  await raj.getByText('You were logged out after a while without activity').waitFor();
  await step(raj, 'idle-locked');
  assert.equal(await sessionStatus(raj), 401, 'the node ended the session');
  await raj.goto(`${web.url}/account`);
  await raj.getByRole('heading', { name: 'Log in' }).waitFor();

  // A page whose clock is the real one (the moved clock is now ahead of the node's, and login challenges expire).
  const again = await (await context('raj-again')).newPage();
  await logIn(again);
  await again.reload();
  await again.getByText('The page was reloaded, which clears your keys').waitFor();
  assert.equal(await sessionStatus(again), 401, 'the session the reload left behind was ended');
  await step(again, 'reload-locked');

  // A browser that knows this node by another chain id refuses to log in (trust on first use, then pinned).
  const pinned = await (await context('raj-pinned')).newPage();
  await pinned.goto(`${web.url}/login`);
  await pinned.evaluate(() => localStorage.setItem('dhl.trustedChain', 'f'.repeat(64)));
  await field(pinned, 'Username').fill(RAJ.username);
  await field(pinned, 'Passphrase').fill(RAJ.passphrase);
  await pinned.getByRole('button', { name: 'Log in' }).click();
  await pinned.getByText('This node now names a different ledger').waitFor();
  assert.equal(await sessionStatus(pinned), 401, 'nothing was signed: no session');
  await step(pinned, 'chain-changed-refused');
  assert.deepEqual(problems, []);
});

test('two first admins set the node up from two browsers: the first waits for the second, both check the same genesis', async (t) => {
  const web = await startWebNode(t, { admins: 2 });
  const { context, problems } = await startBrowser(t);
  const step = checkedSteps(new Screenshots('two-admins'));
  const GRACE = { username: 'grace', passphrase: 'grace staple orbit lantern' };
  const ines = await (await context('ines')).newPage();
  const grace = await (await context('grace')).newPage();

  await ines.goto(web.setupLink());
  await fillAccountForm(ines, ADMIN);
  await ines.getByRole('button', { name: 'Generate my keys and join' }).click();
  await ines.getByText('1 of 2 administrators have joined').waitFor();
  await step(ines, 'first-admin-waits');

  await grace.goto(web.setupLink());
  await fillAccountForm(grace, GRACE);
  await grace.getByRole('button', { name: 'Generate my keys and join' }).click();
  await grace.getByRole('heading', { name: 'Check the new ledger' }).waitFor();
  await ines.getByRole('heading', { name: 'Check the new ledger' }).waitFor();
  const chainIds = await Promise.all([ines, grace].map(async (p) => (await p.getByTestId('chain-id').textContent())!.trim()));
  assert.equal(chainIds[0], chainIds[1], 'both browsers computed the same chain id');
  for (const p of [ines, grace]) {
    for (const name of [ADMIN.username, GRACE.username]) await p.getByLabel(`${name} signing key fingerprint`).waitFor();
  }
  await step(grace, 'second-admin-checks-genesis');

  await ines.getByRole('button', { name: 'Sign my registration' }).click();
  await keepRecoveryKey(ines);
  await ines.getByText('Waiting for the other administrators to sign their registrations').waitFor();
  await step(ines, 'first-admin-waits-for-block-1');
  await grace.getByRole('button', { name: 'Sign my registration' }).click();
  await keepRecoveryKey(grace);
  await grace.getByRole('heading', { name: `Welcome, ${GRACE.username}` }).waitFor();
  await ines.getByRole('heading', { name: `Welcome, ${ADMIN.username}` }).waitFor();
  const status = await (await fetch(`${web.url}/v1/status`)).json() as { setup: string; chainId: string };
  assert.deepEqual([status.setup, status.chainId], ['complete', chainIds[0]]);
  assert.deepEqual(problems, []);
});
