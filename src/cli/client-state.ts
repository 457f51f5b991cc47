/**
 * The CLI's client state on disk (DESIGN §2): the signed heads it has seen
 * and the resume states of interrupted uploads, in its home directory
 * (`~/.dhl/<node origin>/` by default), owner-readable only. Each file is
 * replaced atomically — written to a temp file, fsynced, renamed, the
 * directory fsynced — so a crash leaves the old state or the new one, never
 * half of either. Nothing secret is here: heads are public, and a resume
 * state holds its data key only wrapped for the user's own enc key.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HeadStore, KeptHeads, ResumeStore, UploadResume } from '../client/index.ts';

/** The CLI's state directory for one node: `$DHL_HOME` or `~/.dhl`, then the node's origin made a safe name. */
export function clientStateDir(origin: string, home = process.env.DHL_HOME ?? join(homedir(), '.dhl')): string {
  return join(home, origin.replace(/^[a-z]+:\/\//, '').replace(/[^A-Za-z0-9.-]/g, '_'));
}

async function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, name));
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The kept heads as `heads.json` in the state directory. */
export class FileHeadStore implements HeadStore {
  constructor(readonly dir: string) {}

  async load(): Promise<KeptHeads | undefined> {
    return (await readJson(join(this.dir, 'heads.json'))) as KeptHeads | undefined;
  }

  async save(heads: KeptHeads): Promise<void> {
    await writeAtomically(this.dir, 'heads.json', `${JSON.stringify(heads)}\n`);
  }
}

/** Resume states as `uploads/<hex of the key>.json` in the state directory. */
export class FileResumeStore implements ResumeStore {
  private readonly uploads: string;

  constructor(readonly dir: string) {
    this.uploads = join(dir, 'uploads');
  }

  private nameOf(key: string): string {
    return `${Buffer.from(key, 'utf8').toString('hex').slice(0, 200)}.json`;
  }

  async get(key: string): Promise<UploadResume | undefined> {
    return (await readJson(join(this.uploads, this.nameOf(key)))) as UploadResume | undefined;
  }

  async put(key: string, state: UploadResume): Promise<void> {
    await writeAtomically(this.uploads, this.nameOf(key), `${JSON.stringify(state)}\n`);
  }

  async delete(key: string): Promise<void> {
    await rm(join(this.uploads, this.nameOf(key)), { force: true });
  }

  /** The keys with a resume state (hex names decoded), for `dhl` to list interrupted uploads. */
  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.uploads);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => /^[0-9a-f]+\.json$/.test(n)).map((n) => Buffer.from(n.slice(0, -5), 'hex').toString('utf8'));
  }
}
