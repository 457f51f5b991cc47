/**
 * Running the real `dhl` as a child process (its own DHL_HOME per user), in
 * the background so that a node in the test's own process keeps answering,
 * and under a real pseudo-terminal (util-linux `script`) for the hidden
 * prompts. Secret files and keystores live in temp directories removed when
 * the test ends.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { once } from 'node:events';
import { after, type TestContext } from 'node:test';
import { tempDir, removeTempDir } from '../helpers/temp.ts';
import { DEFAULT_KDF_COSTS } from '../../src/api/node-port.ts';
import { register } from '../../src/client/index.ts';
import { completeSetup, fixturePairs, startTestNode, type TestNode } from '../api/helpers.ts';
import { endToEndHeaders } from '../helpers/proxy-headers.ts';
import { NODE_FLAGS } from '../../src/cli/node-flags.ts';

export const REPO = new URL('../../', import.meta.url).pathname;
// As bin/dhl.js starts it: the product's Node flags, then the CLI through tsx.
const DHL = [process.execPath, ...NODE_FLAGS, '--import', 'tsx', 'src/cli/main.ts'];

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `dhl ...args` with the environment given (DHL_HOME, DHL_NODE); resolves when it exits. */
export async function dhl(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Ran> {
  const child = spawn(DHL[0]!, [...DHL.slice(1), ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

/** A scratch directory for a test: keystores and secret files; removed when the test ends. */
export function scratch(t: TestContext, purpose = 'cli'): { dir: string; secret(name: string, value: string): string; home(user: string): string } {
  const dir = tempDir(purpose);
  t.after(() => removeTempDir(dir));
  return {
    dir,
    secret(name, value) {
      const file = join(dir, `${name}.secret`);
      writeFileSync(file, `${value}\n`, { mode: 0o600 });
      return file;
    },
    home: (user) => join(dir, `home-${user}`),
  };
}

/** A loopback port nothing listens on (taken and released). */
export async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** `dhl` under a pseudo-terminal: what it prints (the terminal's echo included) and a way to type. */
export class PtyDhl {
  output = '';
  status: number | null | undefined;
  private readonly child;
  private wake: () => void = () => {};
  readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv, args: string[]) {
    const command = [...DHL, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // -e: exit with the child's status; -q: no start/done lines; the typescript file is /dev/null.
    this.child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: REPO, env: { ...process.env, ...env, TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (d: string) => {
      this.output += d;
      this.wake();
    };
    this.child.stdout.setEncoding('utf8').on('data', take);
    this.child.stderr.setEncoding('utf8').on('data', take);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (status: number | null) => {
        this.status = status;
        this.wake();
        resolve(status);
      });
    });
  }

  /** Resolves once the output (from `from` on) matches; fails if the program exits first. */
  async waitFor(pattern: RegExp, from = 0): Promise<number> {
    for (;;) {
      const m = pattern.exec(this.output.slice(from));
      if (m) return from + m.index + m[0].length;
      if (this.status !== undefined) throw new Error(`dhl exited (${this.status}) before printing ${pattern}:\n${this.output}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  kill(): void {
    if (this.status === undefined) this.child.kill('SIGKILL');
  }
}

/**
 * A proxy in front of a node that passes everything, except that once
 * `hold` is set, requests `matches` selects are held (never answered) after
 * the first `passFirst` of them went through; with `swallow` instead, they
 * are passed to the node but their answers are dropped (the client sees the
 * connection cut). Counts the matching requests the node answered.
 */
export class Gate {
  server!: Server;
  url = '';
  hold = false;
  swallow = false;
  passed = 0;
  held = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly matches: (method: string, url: string) => boolean, private readonly passFirst = 0) {}

  async start(target: string): Promise<void> {
    const t = new URL(target);
    this.server = createHttpServer((req, res) => {
      const selected = this.matches(req.method ?? '', req.url ?? '');
      if (selected && this.hold && this.passed >= this.passFirst) {
        this.held++;
        for (const w of this.waiters.splice(0)) w();
        req.resume();
        req.on('close', () => res.destroy());
        return;
      }
      const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (selected && this.swallow) {
          answer.resume();
          answer.on('end', () => {
            this.passed++;
            res.destroy();
            for (const w of this.waiters.splice(0)) w();
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
        answer.pipe(res);
        answer.on('end', () => {
          if (selected && (answer.statusCode ?? 0) < 300) {
            this.passed++;
            for (const w of this.waiters.splice(0)) w();
          }
        });
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async untilHeld(n = 1): Promise<void> {
    while (this.held < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  async untilPassed(n: number): Promise<void> {
    while (this.passed < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/**
 * A node at the real KDF costs behind `gate`, whose origin it serves (as
 * behind a reverse proxy: --public-url), set up, with raj registered under
 * `passphrase`. The CLI under test talks to `gate.url`.
 */
export async function rajBehindGate(t: TestContext, gate: Gate, passphrase: string): Promise<TestNode> {
  const origins = new Set<string>();
  const n = await startTestNode(t, { app: { testOnlyKdfCosts: DEFAULT_KDF_COSTS, origins } });
  for (const alias of ['127.0.0.1', 'localhost']) origins.add(n.url.replace('127.0.0.1', alias));
  await gate.start(n.url);
  origins.add(gate.url);
  t.after(() => gate.close());
  await completeSetup(n);
  await register(n.api(), { username: 'raj', passphrase, now: Date.now(), keys: await fixturePairs('raj') });
  return n;
}

/**
 * A context for a whole file's before(): what is registered with its
 * after() runs once the file's tests have ended, last first (a node started
 * once for the file, its temp directories).
 */
export function fileScope(): TestContext {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  return { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
}
