/**
 * Where the unsealed keys live (STYLE 13): in this module's memory only, as
 * non-extractable CryptoKeys imported from the opened vault; the vault
 * itself, the passphrase and the auth key are dropped once login is done.
 * They are cleared by lock() — logout, the idle timeout, the session's
 * expiry — which also ends the node's session and reloads the page, so every
 * decrypted byte the page held goes with them. A reload is a lock too: the
 * keys are gone, and the session they belonged to is ended at the next start.
 */
import { ApiClient, fromBase64url, importSpki, openClient, type LoggedIn, type OpenedClient } from '../../../src/client/index.ts';
import { IdbHeadStore } from './browser-stores.ts';
import type { Rotated } from './key-rotation.ts';

export interface KeyHalf {
  keyId: string;
  /** Non-extractable: usable for its operation, never readable as bytes. */
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface Unlocked {
  username: string;
  /** The chain id this browser trusts for this node (checked at login). */
  chain: string;
  enc: KeyHalf;
  sig: KeyHalf;
  /** When the node's session ends. */
  expiresAt: number;
  /** Failed logins since the last successful one, shown once. */
  failedLogins: { count: number; lastAt?: number };
  /** The cookie session's API client (it carries the session's CSRF token). */
  api: ApiClient;
  /**
   * The client the flows run in (src/client/flows): file transfer, the
   * identity from the vault, and the keeper of signed heads, whose newest
   * head is kept in IndexedDB between visits; `reads` for the read routes.
   */
  client: OpenedClient;
  /** A key rotation this login finished, or the page did just before it: the account page shows the fingerprints before and after. */
  rotated?: Rotated;
}

/**
 * The session's CSRF token, also kept in sessionStorage: not a key and useless
 * without the httpOnly cookie, it lets the next page load end a session whose
 * keys a reload has dropped.
 */
const CSRF_KEY = 'dhl.csrf';
const LOCK_REASON_KEY = 'dhl.lockReason';

export type LockReason = 'logout' | 'idle' | 'expired' | 'reload' | 'passphrase';

let unlocked: Unlocked | null = null;
const listeners = new Set<() => void>();

export function current(): Unlocked | null {
  return unlocked;
}

/** For useSyncExternalStore: told when the keys arrive (a lock reloads the page instead). */
export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Keeps the keys of a login: the private halves as they came out of the vault (non-extractable), the public halves from the vault's SPKIs. */
export async function unlock(loggedIn: LoggedIn, chain: string, rotated?: Rotated): Promise<Unlocked> {
  const gen = loggedIn.vault.current;
  const csrfToken = loggedIn.session.csrfToken;
  const api = new ApiClient({ baseUrl: location.origin, ...(csrfToken ? { csrfToken } : {}) });
  const client = await openClient({ api, loggedIn, chain, heads: new IdbHeadStore(chain), transfer: csrfToken ? { csrfToken } : {} });
  if (loggedIn.keys.enc.privateKey.extractable || loggedIn.keys.sig.privateKey.extractable) throw new Error('unsealed private keys must be non-extractable');
  unlocked = {
    username: loggedIn.session.username,
    chain,
    enc: { keyId: loggedIn.keys.enc.keyId, privateKey: loggedIn.keys.enc.privateKey, publicKey: await importSpki('enc', fromBase64url(gen.enc.spki)) },
    sig: { keyId: loggedIn.keys.sig.keyId, privateKey: loggedIn.keys.sig.privateKey, publicKey: await importSpki('sig', fromBase64url(gen.sig.spki)) },
    expiresAt: loggedIn.session.expiresAt,
    failedLogins: { ...loggedIn.session.failedLogins },
    api,
    client,
    ...(rotated ? { rotated } : {}),
  };
  if (csrfToken) sessionStorage.setItem(CSRF_KEY, csrfToken);
  for (const listener of listeners) listener();
  return unlocked;
}

/** Drops the keys, ends the node's session, and reloads at the login page. */
export async function lock(reason: LockReason): Promise<never> {
  const api = unlocked?.api;
  unlocked = null;
  try {
    await api?.call('logout');
  } catch {
    // The session may have ended already (expiry, passphrase change elsewhere): the keys are gone either way.
  }
  sessionStorage.removeItem(CSRF_KEY);
  sessionStorage.setItem(LOCK_REASON_KEY, reason);
  location.assign('/login');
  return new Promise<never>(() => {});
}

/**
 * At page start: a session left by the previous page (its keys are gone) is
 * ended with the CSRF token it left. Returns why the last page locked, once.
 */
export async function endLeftoverSession(): Promise<LockReason | undefined> {
  const csrfToken = sessionStorage.getItem(CSRF_KEY);
  sessionStorage.removeItem(CSRF_KEY);
  if (csrfToken) {
    try {
      await new ApiClient({ baseUrl: location.origin, csrfToken }).call('logout');
    } catch {
      // Already ended.
    }
  }
  const reason = sessionStorage.getItem(LOCK_REASON_KEY) as LockReason | null;
  sessionStorage.removeItem(LOCK_REASON_KEY);
  return reason ?? (csrfToken ? 'reload' : undefined);
}
