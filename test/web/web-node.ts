/**
 * A node serving the built web app behind the capturing proxy, for the
 * browser tests: the app is built first when missing or stale (as npm start
 * does), vaults use the product's Argon2id costs (the browser accepts no
 * weaker ones), and the page reaches the node only through the proxy.
 */
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureWebBuild, WEB_DIST } from '../../scripts/build-web.ts';
import { ApiClient } from '../../src/client/api-client.ts';
import { login, register } from '../../src/client/account.ts';
import { submitOk } from '../../src/client/flows/context.ts';
import { openClient, type OpenedClient } from '../../src/client/flows/ledger.ts';
import { MemoryHeadStore } from '../../src/client/head-store.ts';
import { ADMINS, completeSetup, startTestNode, type TestNode } from '../api/helpers.ts';
import { startBrowser } from './browser.ts';
import { startCaptureProxy, type CaptureProxy } from './capture-proxy.ts';
import { logIn, type Person } from './steps.ts';

export interface WebNode {
  node: TestNode;
  proxy: CaptureProxy;
  /** Where the browser goes: the proxy. */
  url: string;
  setupLink(): string;
}

export async function startWebNode(t: TestContext, o: { admins?: number; rateLimit?: { max: number; windowMs: number } } = {}): Promise<WebNode> {
  await ensureWebBuild({ log: () => {} });
  const proxy = await startCaptureProxy(t);
  const node = await startTestNode(t, {
    admins: o.admins ?? 1,
    publicUrl: proxy.url,
    app: { web: { root: WEB_DIST }, testOnlyKdfCosts: undefined, ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}) },
  });
  // The node's own URL is the proxy's (its public URL): forward to where it listens.
  proxy.target(`http://127.0.0.1:${(node.node.dhl.app.server.address() as AddressInfo).port}`);
  return {
    node,
    proxy,
    url: proxy.url,
    setupLink: () => `${proxy.url}/setup#token=${node.token!}`,
  };
}

/**
 * A node already set up (through its API) with one patient registered, and
 * that patient logged in in a browser of its own: for the tests of one
 * person's pages.
 */
export async function startWithPatient(t: TestContext, patient: Person): Promise<{ web: WebNode; page: Page; problems: string[]; recoveryKey: string }> {
  const { enrolled, ...started } = await startSignedIn(t, patient, (web) => register(new ApiClient({ baseUrl: web.node.node.url }), { ...patient, now: Date.now() }));
  return { ...started, recoveryKey: enrolled.recoveryKey };
}

/** The same with a doctor (registered, and made a doctor by the first admin) logged in in the browser; their client in Node beside it. */
export async function startWithDoctor(t: TestContext, doctor: Person): Promise<{ web: WebNode; page: Page; problems: string[]; client: OpenedClient }> {
  const { enrolled, ...started } = await startSignedIn(t, doctor, (web) => doctorInNode(web, doctor));
  return { ...started, client: enrolled };
}

async function startSignedIn<T>(t: TestContext, u: Person, enrol: (web: WebNode) => Promise<T>): Promise<{ web: WebNode; page: Page; problems: string[]; enrolled: T }> {
  const web = await startWebNode(t, { admins: 2 });
  await completeSetup(web.node);
  const enrolled = await enrol(web);
  const { context, problems } = await startBrowser(t);
  const page = await (await context(u.username)).newPage();
  await logIn(page, web.url, u);
  return { web, page, problems, enrolled };
}

/** A person logged in through src/client in Node (a bearer session straight at the node), with a client of their own. */
export async function loginInNode(web: WebNode, u: Person): Promise<OpenedClient> {
  const api = new ApiClient({ baseUrl: web.node.url });
  const { chainId } = await api.call('status');
  const loggedIn = await login(api, { username: u.username, secret: { passphrase: u.passphrase }, session: 'bearer', chain: chainId!, now: Date.now() });
  return openClient({ api, loggedIn, chain: chainId!, heads: new MemoryHeadStore() });
}

/**
 * A doctor who works through src/client in Node beside a browser: registered
 * with the product's costs, made a doctor at the node's organisation by the
 * first set-up admin (an AssignRole for the keys they registered), logged in.
 */
export async function doctorInNode(web: WebNode, doctor: Person): Promise<OpenedClient> {
  await register(new ApiClient({ baseUrl: web.node.url }), { ...doctor, now: Date.now() });
  const admin = await loginInNode(web, ADMINS[0]!);
  const client = await loginInNode(web, doctor);
  const me = client.ctx.me;
  await submitOk(admin.ctx, 'AssignRole', { username: doctor.username, role: 'doctor', org: 'clinic', sigKeyId: me.sig.keyId, encKeyId: me.enc.keyId });
  return client;
}
