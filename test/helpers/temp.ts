/**
 * Temporary directories for tests, each removed when the test file's process
 * exits — passed or failed — so a run leaves nothing under the temp directory
 * (scripts/run-tests.sh checks that it does not). Tests that hold a `t` may
 * remove theirs earlier with `t.after(() => removeTempDir(dir))`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory named `dhl-<purpose>-XXXXXX` under the temp directory. */
export function tempDir(purpose: string): string {
  const dir = mkdtempSync(join(tmpdir(), `dhl-${purpose}-`));
  made.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}
