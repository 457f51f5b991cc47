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
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { tempDir, removeTempDir } from '../helpers/temp.ts';

export const REPO = new URL('../../', import.meta.url).pathname;
const DHL = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];

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
