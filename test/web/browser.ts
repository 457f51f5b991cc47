/**
 * Debian's Chromium for the browser tests (issue 21), launched by us with
 * exactly these flags and a fresh profile directory, and driven by
 * playwright-core over CDP (Playwright's own launcher would pick its own
 * profile and flags). One browser per test; each user gets a context of
 * their own (STYLE 15), so cookies, storage and keys never mix. Everything
 * is removed when the test ends, also on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type ConnectOverCDPTransport, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** The flags the issue names: no sandbox (containers), no GPU, no network of Chromium's own. */
export const CHROMIUM_FLAGS = Object.freeze([
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
]);

const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'web');

export interface TestBrowser {
  browser: Browser;
  /** A new, isolated context (one per user). */
  context(name: string): Promise<BrowserContext>;
  /**
   * What went wrong in any page so far: uncaught errors and every CSP
   * violation (the app must run under its CSP with nothing refused).
   */
  problems: string[];
}

/** Records a page's uncaught errors and CSP violation reports into `problems`, prefixed with the context's name. */
function watchPage(page: Page, name: string, problems: string[]): void {
  page.on('pageerror', (err) => problems.push(`${name}: uncaught ${err.name}: ${err.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`${name}: ${m.text()} (at ${m.location().url || 'the page'})`);
  });
}

function devtoolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (m) {
        child.stderr!.off('data', onData);
        resolveUrl(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}) before listening: ${seen.slice(-2000)}`)));
    child.once('error', reject);
  });
}

/**
 * Request bodies above this size stay out of the DevTools network events
 * (Network.enable's maxPostDataSize; 0, Playwright's default, means no
 * limit): otherwise every 1 MiB chunk an upload PUTs is sent to Playwright a
 * second and third time, as postData and as base64 postDataEntries, and
 * serialising that kept Chromium's DevTools thread busier than the page
 * itself (the browser-upload bench: ~480 ms of its CPU per MiB uploaded).
 */
const MAX_POST_DATA_IN_EVENTS = 64 * 1024;

/**
 * CDP over the browser's WebSocket for Playwright, every Network.enable
 * given MAX_POST_DATA_IN_EVENTS; with `networkEvents: false` Network.enable
 * is answered here and never reaches the browser, so pages run without the
 * DevTools network agent, as in a person's browser: it keeps every request's
 * body for `Network.getRequestPostData` while the page lives (an upload's
 * whole ciphertext: the renderer's RSS after a 256 MiB upload stayed ~200 MiB
 * up, and went back to where it started without it). Playwright's request
 * events and routing then see nothing, so only the benchmark does this.
 */
function cdpTransport(url: string, o: { networkEvents: boolean }): Promise<ConnectOverCDPTransport> {
  const socket = new WebSocket(url);
  const transport: ConnectOverCDPTransport = {
    send(message) {
      const m = message as { id?: number; sessionId?: string; method?: string; params?: Record<string, unknown> };
      if (m.method === 'Network.enable' && !o.networkEvents) {
        queueMicrotask(() => transport.onmessage?.({ id: m.id, ...(m.sessionId ? { sessionId: m.sessionId } : {}), result: {} }));
        return;
      }
      if (m.method === 'Network.enable') m.params = { ...m.params, maxPostDataSize: MAX_POST_DATA_IN_EVENTS };
      socket.send(JSON.stringify(m));
    },
    close: () => socket.close(),
  };
  socket.onmessage = (e) => transport.onmessage?.(JSON.parse(e.data as string) as object);
  socket.onclose = (e) => transport.onclose?.(e.reason);
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(transport);
    socket.onerror = () => reject(new Error(`could not open the DevTools connection at ${url}`));
  });
}

/** Every process left in the browser's process group (ESRCH: none is left). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The profile removed, and removed again if a process that was still exiting wrote into it meanwhile. */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    rmSync(profile, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    await new Promise((r) => setTimeout(r, 200));
    if (!existsSync(profile)) return;
  }
  throw new Error(`the browser profile ${profile} keeps being written after the browser stopped`);
}

/** A launched Chromium outside a test (the browser benchmark): the caller stops it. */
export interface LaunchedBrowser extends TestBrowser {
  /** The browser process (its renderers are its children, `--type=renderer`). */
  pid: number;
  /** Closes the connection, stops every process of the browser and removes its profile. */
  close(): Promise<void>;
}

/** One browser for this test, stopped and its profile removed when the test ends (also on failure). */
export async function startBrowser(t: TestContext): Promise<TestBrowser> {
  const launched = await launchBrowser();
  t.after(() => launched.close());
  return launched;
}

export async function launchBrowser(o: { networkEvents?: boolean } = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup-system.sh (as root it installs Debian's chromium; otherwise it prints the command)`);
  const profile = mkdtempSync(join(tmpdir(), 'dhl-chromium-'));
  // Chromium's own scratch (org.chromium.Chromium.*) goes inside the profile, so removing the profile removes it too.
  const scratch = join(profile, 'tmp');
  mkdirSync(scratch);
  const child = spawn(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${join(profile, 'profile')}`, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TMPDIR: scratch },
    // Its own process group, so stopping it also stops the helpers it started (renderers, the crash
    // handler), which otherwise outlive the browser and write into the profile after it was removed.
    detached: true,
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    killGroup(child.pid);
    await removeProfile(profile);
  };
  let browser: Browser;
  try {
    // A transport of our own is taken as local: the browser shares this file system, so a file set on an input
    // by its path is the file on disk (as a person chooses it), not its bytes read here and sent over CDP.
    browser = await chromium.connectOverCDP(await cdpTransport(await devtoolsUrl(child), { networkEvents: o.networkEvents ?? true }));
  } catch (err) {
    await stop();
    throw err;
  }
  // Drain stderr so Chromium never blocks on a full pipe.
  child.stderr!.resume();
  const problems: string[] = [];
  return {
    browser,
    pid: child.pid!,
    problems,
    context: async (name: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(60_000);
      context.on('page', (page) => watchPage(page, name, problems));
      return context;
    },
    async close() {
      await browser.close().catch(() => {});
      await stop();
    },
  };
}

/** Screenshots of each step, as test artifacts: test-artifacts/web/<test>/<NN>-<step>.png. */
export class Screenshots {
  private n = 0;
  readonly dir: string;
  constructor(testName: string) {
    this.dir = join(ARTIFACTS, testName);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }
  /** The whole page; with `viewport`, what is on screen (a frame's own document shows only there, not in a full-page capture). */
  async take(page: Page, step: string, o: { viewport?: boolean } = {}): Promise<string> {
    const path = join(this.dir, `${String(++this.n).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path, fullPage: !o.viewport });
    return path;
  }
}
