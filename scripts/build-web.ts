/**
 * Builds the web app (web/ → web/dist) when the build is missing or stale:
 * `npm start` runs this first, so `npm ci && npm start` gives the whole
 * product at one URL. Stale means the content hash of everything the bundle
 * is made from (web/'s sources, the browser-side modules of src/, the
 * lockfile) differs from the one the last build wrote beside its output.
 * A content hash, not mtimes: a checkout or a copy changes mtimes, not content.
 *
 *   tsx scripts/build-web.ts          build if stale
 *   tsx scripts/build-web.ts --force  build anyway
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
export const WEB_DIST = join(ROOT, 'web', 'dist');
const HASH_FILE = join(WEB_DIST, '.source-hash');

/** What the bundle is made of: web/'s own files and the modules the browser runs (DESIGN §3). */
const INPUTS = [
  'web/index.html', 'web/vite.config.ts', 'web/tsconfig.json', 'web/src',
  'src/client', 'src/crypto', 'src/ledger', 'src/contract', 'src/protocol',
  'package-lock.json',
];

function* files(path: string): Generator<string> {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name));
  } else {
    yield path;
  }
}

/** SHA-256 over every input file's path and bytes, in a fixed order (of a checkout at `root`). */
export function sourceHash(root = ROOT): string {
  const h = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(join(root, input))) {
      const rel = relative(root, file).split(sep).join('/');
      const bytes = readFileSync(file);
      h.update(`${rel}\0${bytes.length}\0`);
      h.update(bytes);
    }
  }
  return h.digest('hex');
}

export function isWebBuildCurrent(): boolean {
  return existsSync(join(WEB_DIST, 'index.html')) && existsSync(HASH_FILE) && readFileSync(HASH_FILE, 'utf8').trim() === sourceHash();
}

/** Builds web/dist unless it is current; resolves with whether it built. */
export async function ensureWebBuild(o: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  if (!o.force && isWebBuildCurrent()) return false;
  const log = o.log ?? ((line: string) => console.error(line));
  log('web: building the web app (web/ → web/dist) …');
  const hash = sourceHash();
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(HASH_FILE, `${hash}\n`);
  log(`web: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureWebBuild({ force: process.argv.includes('--force') });
}
