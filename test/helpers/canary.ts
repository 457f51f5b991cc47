/**
 * Canary scanning (DESIGN §2: no node sees plaintext or private keys; logs
 * hold no titles, bodies, ciphertext or keys): random markers travel in file
 * contents, file names, titles and purposes, and afterwards every byte a node
 * wrote — each file of its data directory, SQLite's journals included, and
 * its logs — is searched for each marker, as UTF-8 and as UTF-16 (either
 * byte order), so a marker copied anywhere in any encoding SQLite or a log
 * could use is found. Files are read whole: a marker cannot hide across a
 * read boundary.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A marker nobody could type by accident: a prefix, then 12 random bytes as hex. */
export function marker(kind: string): string {
  return `canary-${kind}-${randomBytes(12).toString('hex')}`;
}

export interface Hit {
  marker: string;
  /** A file relative to the scanned root, or `log`. */
  where: string;
  encoding: 'utf8' | 'utf16le' | 'utf16be' | 'bytes';
}

function encodings(needle: string | Uint8Array): [Hit['encoding'], Buffer][] {
  if (typeof needle !== 'string') return [['bytes', Buffer.from(needle)]];
  const le = Buffer.from(needle, 'utf16le');
  const be = Buffer.from(le).swap16();
  return [['utf8', Buffer.from(needle, 'utf8')], ['utf16le', le], ['utf16be', be]];
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Every place under `root` (recursively) and in `logs` where one of `needles` occurs. */
export function scan(root: string, logs: string, needles: readonly (string | Uint8Array)[]): Hit[] {
  const hits: Hit[] = [];
  const label = (n: string | Uint8Array) => (typeof n === 'string' ? n : `<${n.length} bytes>`);
  const search = (where: string, haystack: Buffer) => {
    for (const needle of needles) {
      for (const [encoding, bytes] of encodings(needle)) if (bytes.length > 0 && haystack.includes(bytes)) hits.push({ marker: label(needle), where, encoding });
    }
  };
  for (const path of files(root)) search(relative(root, path), readFileSync(path));
  search('log', Buffer.from(logs, 'utf8'));
  return hits;
}
