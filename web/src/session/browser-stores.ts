/**
 * What the page keeps between sessions, in IndexedDB (never a key, never a
 * file name or content):
 * - the newest signed head seen per chain (the client's HeadStore), so a node
 *   cannot roll the ledger back or fork it between two visits unnoticed;
 * - the resume state of interrupted uploads (the client's ResumeStore), under
 *   a key that is a hash of the user and the file's name, size and date, so
 *   choosing the same file again after a reload resumes it. Its one secret,
 *   the data key, is stored only wrapped for the user's own enc key (RSA-OAEP
 *   with the record's label): it opens nothing without the vault;
 * - a key rotation under way (key-rotation.ts): the vault with the new
 *   generation, sealed as the node keeps vaults (only the passphrase or the
 *   recovery key opens it), and the signed RotateKeys, kept before the node
 *   hears of either so that an interruption cannot lock the user out.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { sha256, toHex, utf8 } from '../../../src/client/index.ts';

const DB = 'dhl';
const HEADS = 'heads';
const UPLOADS = 'uploads';
const ROTATIONS = 'rotations';

let db: Promise<IDBPDatabase> | undefined;
function database(): Promise<IDBPDatabase> {
  db ??= openDB(DB, 2, {
    upgrade(d, oldVersion) {
      // Version 1 had heads and uploads; version 2 adds the rotation under way.
      if (oldVersion < 1) {
        d.createObjectStore(HEADS);
        d.createObjectStore(UPLOADS);
      }
      if (oldVersion < 2) d.createObjectStore(ROTATIONS);
    },
  });
  return db;
}

/** A structured clone in and out: nothing kept shares a reference with the caller (STYLE 2). */
const copy = <T,>(v: T): T => structuredClone(v);

export class IdbHeadStore<K extends { chain: string }> {
  constructor(private readonly chain: string) {}
  async load(): Promise<K | undefined> {
    const v = (await (await database()).get(HEADS, this.chain)) as K | undefined;
    return v && copy(v);
  }
  async save(heads: K): Promise<void> {
    await (await database()).put(HEADS, copy(heads), this.chain);
  }
}

export class IdbResumeStore<S> {
  async get(key: string): Promise<S | undefined> {
    const v = (await (await database()).get(UPLOADS, key)) as S | undefined;
    return v && copy(v);
  }
  async put(key: string, state: S): Promise<void> {
    await (await database()).put(UPLOADS, copy(state), key);
  }
  async delete(key: string): Promise<void> {
    await (await database()).delete(UPLOADS, key);
  }
}

/** At most one rotation under way per user and chain. */
export class IdbRotationStore<R> {
  private readonly key: string;
  constructor(chain: string, username: string) {
    this.key = `${chain}/${username}`;
  }
  async get(): Promise<R | undefined> {
    const v = (await (await database()).get(ROTATIONS, this.key)) as R | undefined;
    return v && copy(v);
  }
  async put(rotation: R): Promise<void> {
    // Strict: the kept vault holds the only copy of the new private keys once RotateKeys is sent; a relaxed commit could lose it to an OS crash.
    const tx = (await database()).transaction(ROTATIONS, 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(copy(rotation), this.key), tx.done]);
  }
  async delete(): Promise<void> {
    await (await database()).delete(ROTATIONS, this.key);
  }
}

/** The resume key of a file for a user: a hash, so IndexedDB holds no file name. */
export async function resumeKeyOf(username: string, file: File): Promise<string> {
  const id = utf8.encode(`dhl/upload-resume/v1\n${username}\n${file.name}\n${file.size}\n${file.lastModified}`);
  return toHex(await sha256(id));
}
