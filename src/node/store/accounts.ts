/**
 * Node-private account data (DESIGN §2, §8, §9): sealed vaults, verifiers,
 * sessions, failed-login counts, the first-run setup token, and the uploads'
 * bookkeeping (uploader, quota, expiry, pins: upload-rows.ts). None of it is
 * ledger state, and none of it may change what `dhl verify` sees, so it lives
 * in its own SQLite file beside the ledger (accounts.sqlite, mode 0600, WAL,
 * synchronous=FULL).
 *
 * The node keeps no secret a client sent in the clear: an auth key is kept as
 * its verifier HMAC(node secret, auth key) (a fast keyed hash is right for a
 * high-entropy key: the slow Argon2id ran on the client, DESIGN §4); session
 * tokens and the setup token as their SHA-256. The node secret is 32 random
 * bytes made when the file is created; it also derives the decoy KDF salts of
 * unknown users and each session's CSRF token.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { DEFAULT_ARGON2ID } from '../../crypto/index.ts';
import { GenerationalCache } from './generational-cache.ts';
import { openOwnerOnlyDb } from './owner-only-db.ts';
import { inTransaction } from './schema.ts';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.ts';
import { UPLOAD_SCHEMA, UploadRows } from './upload-rows.ts';

export const ACCOUNTS_FILE = 'accounts.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
  username TEXT PRIMARY KEY,
  vault TEXT NOT NULL,
  kdf TEXT NOT NULL,
  passphrase_verifier BLOB NOT NULL,
  recovery_verifier BLOB NOT NULL,
  register_tx TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  last_failed_at INTEGER,
  last_login_at INTEGER
) WITHOUT ROWID;
-- A registration waiting for its RegisterUser's block: never an account until the block is durable and accepted.
CREATE TABLE IF NOT EXISTS pending_registrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_hash TEXT NOT NULL,
  username TEXT NOT NULL,
  vault TEXT NOT NULL,
  kdf TEXT NOT NULL,
  passphrase_verifier BLOB NOT NULL,
  recovery_verifier BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username);
CREATE TABLE IF NOT EXISTS setup_token (id INTEGER PRIMARY KEY CHECK (id = 1), token_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
`;

export type Slot = 'passphrase' | 'recovery';
export type SessionKind = 'cookie' | 'bearer';

/** The cost half of Argon2id parameters; each vault has its own salt. */
export interface KdfCosts {
  alg: 'argon2id';
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}
export type KdfParams = KdfCosts & { salt: string };

export interface NewRegistration {
  txHash: string;
  username: string;
  /** The sealed vault as the client sent it (JSON value). */
  vault: unknown;
  kdf: KdfParams;
  authKeys: Record<Slot, string>;
}

export interface Session {
  /** SHA-256 of the token, hex: the row key; the token itself is never stored. */
  id: string;
  username: string;
  kind: SessionKind;
  createdAt: number;
  expiresAt: number;
}

export interface FailedLogins {
  count: number;
  lastAt?: number;
}

const sha256Hex = (text: string) => hash('sha256', text, 'hex');

/**
 * Live sessions kept in memory, by token hash, so a request's session check
 * reads no row (the `sessions` table stays the truth; a miss reads it). Every
 * write that ends a session here drops it from the cache in the same call —
 * logout, a passphrase change (all of the user's), expiry — so a revoked
 * session is refused by the next request. Only this process's writes are seen:
 * this store must be the sessions table's only writer (docs/decisions.md).
 * Per generation; at most twice this many are held.
 */
const SESSION_CACHE_GENERATION = 8_192;
const newToken = () => randomBytes(32).toString('base64url');

export class AccountStore {
  private readonly secret: Buffer;
  private readonly stmt: Record<string, ReturnType<DatabaseSync['prepare']>>;
  /** Who uploaded which blob, quotas, expiry and pins (node/uploads.ts decides). */
  readonly uploads: UploadRows;
  /** Rate-limit trips and failed logins, bounded (refusal-log.ts: its own file, beside this one). */
  readonly refusals: RefusalLog;
  /** Sessions read or created by this store and not ended since (frozen: callers share them). */
  private readonly sessions = new GenerationalCache<string, Readonly<Session>>(SESSION_CACHE_GENERATION);

  private constructor(private readonly db: DatabaseSync, refusals: RefusalLog) {
    this.uploads = new UploadRows(db);
    this.refusals = refusals;
    let secret = (db.prepare("SELECT value FROM meta WHERE key = 'secret'").get() as { value: Uint8Array } | undefined)?.value;
    if (!secret) {
      secret = randomBytes(32);
      db.prepare("INSERT INTO meta (key, value) VALUES ('secret', ?)").run(secret);
    }
    this.secret = Buffer.from(secret);
    this.stmt = {
      account: db.prepare('SELECT username, vault, kdf, failed_logins, last_failed_at, last_login_at, created_at FROM accounts WHERE username = ?'),
      verifier: db.prepare('SELECT passphrase_verifier, recovery_verifier FROM accounts WHERE username = ?'),
      failed: db.prepare('UPDATE accounts SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE username = ?'),
      loggedIn: db.prepare('UPDATE accounts SET failed_logins = 0, last_failed_at = NULL, last_login_at = ? WHERE username = ?'),
      addPending: db.prepare(
        'INSERT INTO pending_registrations (tx_hash, username, vault, kdf, passphrase_verifier, recovery_verifier, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      pendingById: db.prepare('SELECT * FROM pending_registrations WHERE id = ?'),
      pending: db.prepare('SELECT id, tx_hash, username FROM pending_registrations ORDER BY id'),
      dropPending: db.prepare('DELETE FROM pending_registrations WHERE id = ?'),
      dropPendingOfTx: db.prepare('DELETE FROM pending_registrations WHERE tx_hash = ?'),
      insertAccount: db.prepare(
        'INSERT INTO accounts (username, vault, kdf, passphrase_verifier, recovery_verifier, register_tx, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING',
      ),
      updateVault: db.prepare('UPDATE accounts SET vault = ?, kdf = ?, passphrase_verifier = ? WHERE username = ?'),
      insertSession: db.prepare('INSERT INTO sessions (token_hash, username, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      session: db.prepare('SELECT token_hash, username, kind, created_at, expires_at FROM sessions WHERE token_hash = ?'),
      deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
      deleteSessionsOf: db.prepare('DELETE FROM sessions WHERE username = ?'),
      pruneSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
      setToken: db.prepare(
        'INSERT INTO setup_token (id, token_hash, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at',
      ),
      token: db.prepare('SELECT token_hash FROM setup_token WHERE id = 1'),
      clearToken: db.prepare('DELETE FROM setup_token'),
    };
  }

  /** Opens (creating if absent) the accounts file of a data directory, readable by its owner only. */
  static open(dataDir: string, options: { refusals?: RefusalLogOptions } = {}): AccountStore {
    const db = openOwnerOnlyDb(dataDir, ACCOUNTS_FILE, { synchronous: 'FULL', schema: [SCHEMA, UPLOAD_SCHEMA] });
    let refusals: RefusalLog;
    try {
      refusals = RefusalLog.open(dataDir, options.refusals);
    } catch (err) {
      db.close();
      throw err;
    }
    try {
      return new AccountStore(db, refusals);
    } catch (err) {
      refusals.close();
      db.close();
      throw err;
    }
  }

  close(): void {
    this.refusals.close();
    if (this.db.isOpen) this.db.close();
  }

  private mac(domain: string, text: string): Buffer {
    return createHmac('sha256', this.secret).update(`${domain}\n${text}`).digest();
  }

  /** HMAC(node secret, auth key), domain-separated per slot. */
  private verifier(slot: Slot, authKey: string): Buffer {
    return this.mac(`dhl/verifier/v1\n${slot}`, authKey);
  }

  // -------------------------------------------------------------------------
  // Accounts
  // -------------------------------------------------------------------------

  /**
   * The KDF parameters prelogin answers with: the account's own, or for an
   * unknown name the node's costs with a salt derived from the node secret and
   * the name (stable across calls, so repeating a prelogin reveals nothing).
   */
  preloginKdf(username: string, costs: KdfCosts): KdfParams {
    const stored = this.stmt.account!.get(username) as { kdf: string } | undefined;
    const params = stored ? (JSON.parse(stored.kdf) as KdfParams) : { ...costs, salt: this.mac('dhl/decoy-salt/v1', username).subarray(0, 16).toString('base64url') };
    return { alg: 'argon2id', memoryKiB: params.memoryKiB, iterations: params.iterations, parallelism: params.parallelism, salt: params.salt };
  }

  hasAccount(username: string): boolean {
    return this.stmt.account!.get(username) !== undefined;
  }

  /** The sealed vault, handed out only after the auth key was proven. */
  vault(username: string): unknown {
    const row = this.stmt.account!.get(username) as { vault: string } | undefined;
    return row ? JSON.parse(row.vault) : undefined;
  }

  /**
   * Checks an auth key in constant time against the account's verifier (an
   * unknown user costs the same HMAC). A wrong key is counted on the account
   * (reset by the next success) and logged in the refusal log (never reset).
   */
  checkAuthKey(username: string, slot: Slot, authKey: string, now: number): 'ok' | 'wrong' | 'unknown' {
    const row = this.stmt.verifier!.get(username) as { passphrase_verifier: Uint8Array; recovery_verifier: Uint8Array } | undefined;
    const given = this.verifier(slot, authKey);
    const stored = row ? Buffer.from(slot === 'passphrase' ? row.passphrase_verifier : row.recovery_verifier) : this.verifier(slot, '');
    const equal = stored.length === given.length && timingSafeEqual(stored, given);
    if (!row) return 'unknown';
    if (equal) return 'ok';
    this.stmt.failed!.run(now, username);
    try {
      this.refusals.record({ kind: 'failed-login', at: now, username, slot });
    } catch {
      // The log is the admin's evidence, not the decision: a busy or full refusals.sqlite must not turn a wrong passphrase into a 500.
    }
    return 'wrong';
  }

  /** The failed logins to the account since its last successful one, without resetting them (notifications show them while a session is open). */
  failedLogins(username: string): FailedLogins {
    const row = this.stmt.account!.get(username) as { failed_logins: number; last_failed_at: number | null } | undefined;
    if (!row) return { count: 0 };
    return row.last_failed_at !== null ? { count: row.failed_logins, lastAt: row.last_failed_at } : { count: row.failed_logins };
  }

  /** A successful login: returns the failed attempts since the last one (shown to the owner) and resets them. */
  loginSucceeded(username: string, now: number): FailedLogins {
    return inTransaction(this.db, () => {
      const row = this.stmt.account!.get(username) as { failed_logins: number; last_failed_at: number | null } | undefined;
      this.stmt.loggedIn!.run(now, username);
      return row && row.last_failed_at !== null ? { count: row.failed_logins, lastAt: row.last_failed_at } : { count: row?.failed_logins ?? 0 };
    });
  }

  /**
   * Passphrase change: the re-sealed vault and the new passphrase verifier in
   * one transaction, and every session of the user revoked in it too.
   */
  changePassphrase(username: string, vault: unknown, kdf: KdfParams, authKey: string): { sessionsRevoked: number } {
    return inTransaction(this.db, () => {
      const updated = this.stmt.updateVault!.run(JSON.stringify(vault), JSON.stringify(kdf), this.verifier('passphrase', authKey), username);
      if (updated.changes !== 1) throw new RangeError('changePassphrase: no such account');
      const revoked = Number(this.stmt.deleteSessionsOf!.run(username).changes);
      this.sessions.deleteWhere((session) => session.username === username);
      return { sessionsRevoked: revoked };
    });
  }

  // -------------------------------------------------------------------------
  // Registrations: pending until the RegisterUser's block is durable
  // -------------------------------------------------------------------------

  addPending(r: NewRegistration, now: number): number {
    const result = this.stmt.addPending!.run(
      r.txHash, r.username, JSON.stringify(r.vault), JSON.stringify(r.kdf), this.verifier('passphrase', r.authKeys.passphrase),
      this.verifier('recovery', r.authKeys.recovery), now,
    );
    return Number(result.lastInsertRowid);
  }

  /**
   * Turns a pending registration into an account (its RegisterUser was
   * accepted in a durable block). An existing account is never touched:
   * returns false if the name already has one.
   */
  activate(pendingId: number): boolean {
    return inTransaction(this.db, () => {
      const p = this.stmt.pendingById!.get(pendingId) as
        | { tx_hash: string; username: string; vault: string; kdf: string; passphrase_verifier: Uint8Array; recovery_verifier: Uint8Array; created_at: number }
        | undefined;
      if (!p) return false;
      const inserted = this.stmt.insertAccount!.run(p.username, p.vault, p.kdf, p.passphrase_verifier, p.recovery_verifier, p.tx_hash, p.created_at);
      this.stmt.dropPendingOfTx!.run(p.tx_hash);
      return inserted.changes === 1;
    });
  }

  dropPending(pendingId: number): void {
    this.stmt.dropPending!.run(pendingId);
  }

  /** Registrations left pending by a stop between a block and its account (reconciled at start, oldest first). */
  pendingRegistrations(): { id: number; txHash: string; username: string }[] {
    return (this.stmt.pending!.all() as { id: number; tx_hash: string; username: string }[]).map((r) => ({ id: r.id, txHash: r.tx_hash, username: r.username }));
  }

  // -------------------------------------------------------------------------
  // Sessions
  // -------------------------------------------------------------------------

  createSession(username: string, kind: SessionKind, now: number, ttlMs: number): { token: string; session: Session } {
    this.stmt.pruneSessions!.run(now);
    this.sessions.deleteWhere((session) => session.expiresAt <= now);
    const token = newToken();
    const session: Session = Object.freeze({ id: sha256Hex(token), username, kind, createdAt: now, expiresAt: now + ttlMs });
    this.stmt.insertSession!.run(session.id, username, kind, now, session.expiresAt);
    this.sessions.set(session.id, session);
    return { token, session };
  }

  /**
   * The live session of a token (from memory when this store has seen it, else
   * its row); an expired one is deleted and reported as such. A token that
   * names no session is not remembered: a later session is read when made.
   */
  findSession(token: string, now: number): Readonly<Session> | 'expired' | undefined {
    const id = sha256Hex(token);
    let session = this.sessions.get(id);
    if (session === undefined) {
      const row = this.stmt.session!.get(id) as { username: string; kind: SessionKind; created_at: number; expires_at: number } | undefined;
      if (!row) return undefined;
      session = Object.freeze({ id, username: row.username, kind: row.kind, createdAt: row.created_at, expiresAt: row.expires_at });
      this.sessions.set(id, session);
    }
    if (session.expiresAt <= now) {
      this.deleteSession(id);
      return 'expired';
    }
    return session;
  }

  deleteSession(id: string): void {
    this.stmt.deleteSession!.run(id);
    this.sessions.delete(id);
  }

  /** The CSRF token of a cookie session: derived, so nothing more is stored. */
  csrfToken(sessionId: string): string {
    return this.mac('dhl/csrf/v1', sessionId).toString('base64url');
  }

  isCsrfTokenValid(sessionId: string, given: string): boolean {
    const expected = Buffer.from(this.csrfToken(sessionId));
    const actual = Buffer.from(given);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  // -------------------------------------------------------------------------
  // First-run setup token
  // -------------------------------------------------------------------------

  /** A new one-time setup token (replacing any earlier one); only its hash is stored. */
  newSetupToken(now: number): string {
    const token = newToken();
    this.stmt.setToken!.run(sha256Hex(token), now);
    return token;
  }

  isSetupTokenValid(token: string): boolean {
    const row = this.stmt.token!.get() as { token_hash: string } | undefined;
    if (!row) return false;
    const expected = Buffer.from(row.token_hash, 'hex');
    return timingSafeEqual(expected, Buffer.from(sha256Hex(token), 'hex'));
  }

  clearSetupToken(): void {
    this.stmt.clearToken!.run();
  }
}

/** The Argon2id costs new vaults must use (and decoys show): crypto's default, Bitwarden's and OWASP's 64 MiB, 3 passes. */
export const DEFAULT_KDF_COSTS: Readonly<KdfCosts> = Object.freeze({ alg: 'argon2id', ...DEFAULT_ARGON2ID });
