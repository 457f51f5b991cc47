/** Shared benchmark helpers: timing, concurrency, option parsing, machine facts. */
import { cpus, totalmem } from 'node:os';
import { spawnSync } from 'node:child_process';

export function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
  return n;
}

/** A comma-separated list of positive numbers (`--sizes-mib 64,256`). */
export function listOption(args: string[], name: string, fallback: number[]): number[] {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const list = (args[i + 1] ?? '').split(',').map(Number);
  if (list.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`--${name} needs a comma-separated list of positive numbers`);
  return list;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Runs `task` `count` times with at most `concurrency` in flight; returns operations per second. */
export async function rate(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

export function machine() {
  return {
    node: process.version,
    openssl: process.versions.openssl,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

/** `openssl speed` for RSA-3072 sign/verify, when the openssl binary is present (a reference figure, not a ratio base). */
export function opensslRsa3072(): { signPerSec: number; verifyPerSec: number; version: string } | { unavailable: string } {
  const result = spawnSync('openssl', ['speed', '-seconds', '2', 'rsa3072'], { encoding: 'utf8' });
  if (result.status !== 0) return { unavailable: (result.error?.message ?? result.stderr ?? '').slice(0, 200) };
  const line = result.stdout.split('\n').find((l) => /^rsa\s+3072/.test(l));
  const nums = line?.trim().split(/\s+/) ?? [];
  const version = spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim();
  // Columns: rsa 3072 bits sign(s) verify(s) sign/s verify/s (format of OpenSSL 3).
  return { signPerSec: Number(nums[nums.length - 2]), verifyPerSec: Number(nums[nums.length - 1]), version };
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** `count` jobs with up to `depth` in flight; job `i` gets its index. */
export async function inFlight(count: number, depth: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: depth }, async () => {
    while (next < count) await job(next++);
  }));
}
