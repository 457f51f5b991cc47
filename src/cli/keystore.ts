/**
 * The CLI's keystore: a directory ($DHL_HOME, default ~/.dhl; mode 0700) of
 * files of mode 0600, one user per directory:
 *
 *   keystore.json  the user, the node and chain the account lives on, the
 *                  public key ids, and the key pairs sealed in the vault
 *                  format (Argon2id → HKDF → AES-GCM): never a private key in
 *                  the clear
 *   session.json   the bearer session token and its expiry
 *   <node>/        the client state of that node (src/cli/client-state.ts):
 *                  heads.json, the signed heads seen (rollback and fork
 *                  detection across runs), and uploads/, the resume states of
 *                  interrupted uploads, sealed under the vault (flows.ts)
 *
 * Every write goes to a temporary file that is fsynced and renamed over the
 * old one, then the directory is fsynced: a crash leaves the old file or the
 * new one, never half of either.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SealedVault } from '../client/index.ts';
import { cliError } from './errors.ts';

export const KEYSTORE_FILE = 'keystore.json';
export const SESSION_FILE = 'session.json';

export interface Identity {
  v: 1;
  username: string;
  /**
   * Registered: the account exists on `node` and the node holds the same
   * vault. Pending: keys made here (admin init, set-up) not yet registered.
   */
  status: 'registered' | 'pending';
  /** The node's origin (absent for keys made offline by admin init). */
  node?: string;
  /** The chain id this keystore trusts (absent before a set-up's genesis). */
  chain?: string;
  sigKeyId: string;
  encKeyId: string;
  vault: SealedVault;
  /** The genesis of `chain`, checked to hash to it (public; kept so heads can be checked without asking again). */
  genesis?: unknown;
  /**
   * A key rotation under way (src/client/rotation.ts): `vault` holds the new
   * generation already; the signed RotateKeys, the new key ids and the vault
   * as it was before, until the node holds the new vault.
   */
  rotation?: { tx: unknown; sigKeyId: string; encKeyId: string; previousVault: SealedVault };
  updatedAt: number;
}

export interface StoredSession {
  v: 1;
  username: string;
  node: string;
  token: string;
  expiresAt: number;
}

export function dhlHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.DHL_HOME && env.DHL_HOME !== '' ? env.DHL_HOME : join(homedir(), '.dhl');
}

export class Keystore {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Creates the directory (0700), and takes group and other bits off one that has them: it is ours. */
  ensureDir(sub?: string): string {
    const dir = sub ? join(this.dir, sub) : this.dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
    return dir;
  }

  identity(): Identity | undefined {
    return this.readChecked(KEYSTORE_FILE, isIdentity);
  }

  saveIdentity(identity: Identity): void {
    this.writeJson(KEYSTORE_FILE, identity);
  }

  session(): StoredSession | undefined {
    return this.readChecked(SESSION_FILE, isSession);
  }

  /** A file of the keystore, checked to be what it should hold: KEYSTORE_INVALID naming it otherwise. */
  private readChecked<T>(name: string, is: (value: unknown) => value is T): T | undefined {
    const value = this.readJson(name);
    if (value === undefined) return undefined;
    if (!is(value)) throw cliError('KEYSTORE_INVALID', { file: this.path(name) });
    return value;
  }

  saveSession(session: StoredSession): void {
    this.writeJson(SESSION_FILE, session);
  }

  clearSession(): void {
    rmSync(this.path(SESSION_FILE), { force: true });
  }

  readJson(name: string): unknown {
    const file = this.path(name);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
      throw cliError('KEYSTORE_INVALID', { file }, cause);
    }
  }

  /** Atomic replace (temp file, fsync, rename, fsync of the directory), mode 0600. */
  writeJson(name: string, value: unknown): void {
    const dir = this.ensureDir(name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : undefined);
    writeFileAtomic(this.path(name), `${JSON.stringify(value, null, 2)}\n`, dir);
  }

  remove(name: string): void {
    rmSync(this.path(name), { force: true });
  }
}

export function writeFileAtomic(file: string, text: string, dir: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // A file that existed with wider bits (made by hand) gets 0600 too: rename keeps the temp file's mode.
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function isIdentity(v: unknown): v is Identity {
  return (
    isObject(v) && v.v === 1 && isString(v.username) && (v.status === 'registered' || v.status === 'pending') &&
    (v.node === undefined || isString(v.node)) && (v.chain === undefined || isString(v.chain)) &&
    isString(v.sigKeyId) && isString(v.encKeyId) && isObject(v.vault) && typeof v.updatedAt === 'number'
  );
}

function isSession(v: unknown): v is StoredSession {
  return isObject(v) && v.v === 1 && isString(v.username) && isString(v.node) && isString(v.token) && typeof v.expiresAt === 'number';
}
