/**
 * A node serving the built web app behind the capturing proxy, for the
 * browser tests: the app is built first when missing or stale (as npm start
 * does), vaults use the product's Argon2id costs (the browser accepts no
 * weaker ones), and the page reaches the node only through the proxy.
 */
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { ensureWebBuild, WEB_DIST } from '../../scripts/build-web.ts';
import { startTestNode, type TestNode } from '../api/helpers.ts';
import { startCaptureProxy, type CaptureProxy } from './capture-proxy.ts';

export interface WebNode {
  node: TestNode;
  proxy: CaptureProxy;
  /** Where the browser goes: the proxy. */
  url: string;
  setupLink(): string;
}

export async function startWebNode(t: TestContext, o: { admins?: number } = {}): Promise<WebNode> {
  await ensureWebBuild({ log: () => {} });
  const proxy = await startCaptureProxy(t);
  const node = await startTestNode(t, {
    admins: o.admins ?? 1,
    publicUrl: proxy.url,
    app: { web: { root: WEB_DIST }, testOnlyKdfCosts: undefined },
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
