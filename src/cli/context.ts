/**
 * What every command runs with: the global flags, the keystore, the node's
 * URL, an API client whose network failures are typed errors, the session,
 * and the user's keys unsealed on demand. One per invocation.
 */
import {
  ApiClient, isDhlError, unlockVault, type LoginSecret, type Signer, type Status, type Unlocked,
} from '../client/index.ts';
import { cliError } from './errors.ts';
import { dhlHome, Keystore, type Identity, type StoredSession } from './keystore.ts';
import { withSecret } from './prompts.ts';

export const DEFAULT_NODE = 'http://127.0.0.1:8480';

export interface GlobalFlags {
  node?: string;
  json?: boolean;
  passphraseFile?: string;
}

/** A command's answer: one JSON value for `--json`, lines for a person otherwise. */
export interface Answer {
  json: unknown;
  text: string[];
}

/** The origin of a node URL (scheme://host:port); anything else is NODE_URL_INVALID. */
export function nodeOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw cliError('NODE_URL_INVALID', { url });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw cliError('NODE_URL_INVALID', { url });
  return parsed.origin;
}

/** Why fetch failed, in a word a person can act on (ECONNREFUSED, ENOTFOUND, …). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : 'unknown';
}

export class Cli {
  readonly keystore: Keystore;

  constructor(
    readonly flags: GlobalFlags,
    readonly env: NodeJS.ProcessEnv = process.env,
    private readonly narrate: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
  ) {
    this.keystore = new Keystore(dhlHome(env));
  }

  now(): number {
    return Date.now();
  }

  /** Narration: stderr, so stdout stays the answer; with --json, none (the answer carries what matters, stderr only an error). */
  say(line: string): void {
    if (!this.flags.json) this.narrate(line);
  }

  /** --node, else DHL_NODE, else the node the keystore's account lives on, else the default. */
  nodeUrl(): string {
    const given = this.flags.node ?? (this.env.DHL_NODE || undefined);
    if (given !== undefined) return nodeOrigin(given);
    return this.keystore.identity()?.node ?? DEFAULT_NODE;
  }

  /**
   * An API client of `node` (default: nodeUrl()). A connection failure is
   * NODE_UNREACHABLE naming the node; when a session token is given and the
   * node says the session is over (expired, or revoked by a passphrase change
   * elsewhere), the stored token is dropped: the error (SESSION_EXPIRED) says
   * to log in again.
   */
  api(node = this.nodeUrl(), token?: string): ApiClient {
    return new ApiClient({ baseUrl: node, fetch: this.fetchFor(node, token), ...(token ? { token } : {}) });
  }

  /** The fetch every request of this invocation goes through (the API client's and the file transfer's). */
  fetchFor(node: string, token?: string): typeof globalThis.fetch {
    return async (input, init) => {
      let response: Response;
      try {
        response = await globalThis.fetch(input, init);
      } catch (err) {
        if (init?.signal?.aborted) throw err;
        throw cliError('NODE_UNREACHABLE', { node, reason: networkReason(err) }, err);
      }
      if (token && response.status === 401) {
        const code = await response.clone().json().then((b: { code?: unknown }) => b?.code, () => undefined);
        if (code === 'SESSION_EXPIRED' || code === 'SESSION_REQUIRED') this.keystore.clearSession();
      }
      return response;
    };
  }

  /** The node's status, checked to be a DHL node's. */
  async status(api: ApiClient): Promise<Status> {
    let status: Status;
    try {
      status = await api.call('status');
    } catch (err) {
      if (isDhlError(err, 'HTTP_ERROR')) throw cliError('NODE_NOT_DHL', { node: api.origin }, err);
      throw err;
    }
    if ((status as { service?: unknown } | undefined)?.service !== 'dhl') throw cliError('NODE_NOT_DHL', { node: api.origin });
    return status;
  }

  identity(): Identity {
    const identity = this.keystore.identity();
    if (!identity) throw cliError('KEYSTORE_EMPTY', { home: this.keystore.dir });
    return identity;
  }

  /** The keystore's account, registered on a node. */
  registered(): Identity & { node: string; chain: string } {
    const identity = this.identity();
    if (identity.status !== 'registered' || !identity.node || !identity.chain) throw cliError('KEYSTORE_PENDING', { user: identity.username });
    return identity as Identity & { node: string; chain: string };
  }

  /** The stored session of the keystore's account, unless it has expired here already. */
  session(): StoredSession {
    const identity = this.registered();
    const session = this.keystore.session();
    if (!session || session.username !== identity.username || session.node !== identity.node) throw cliError('NOT_LOGGED_IN', { user: identity.username });
    if (session.expiresAt <= this.now()) {
      this.keystore.clearSession();
      throw cliError('SESSION_ENDED', { user: identity.username, expiredAt: new Date(session.expiresAt).toISOString() });
    }
    return session;
  }

  /**
   * An API client with the session's bearer token, of the node the session
   * is on: a --node (or DHL_NODE) naming another node is NODE_MISMATCH, not
   * silently this one.
   */
  sessionApi(): ApiClient {
    const { node } = this.registered();
    const asked = this.nodeUrl();
    if (asked !== node) throw cliError('NODE_MISMATCH', { asked, account: node, home: this.keystore.dir });
    const session = this.session();
    return this.api(session.node, session.token);
  }

  /** Asks for the passphrase (or reads --passphrase-file) and opens the keystore's vault; three tries at the prompt. */
  async unlock(identity: Identity = this.registered(), o: { rotating?: boolean } = {}): Promise<Unlocked & { signer: Signer; passphrase: string }> {
    // The vault's newest keys are not on the ledger yet: nothing may be signed with them but the rotation's end.
    if (identity.rotation && !o.rotating) throw cliError('ROTATION_UNFINISHED', { user: identity.username });
    const unlocked = await withSecret(
      { prompt: `Passphrase for ${identity.username}:`, ...(this.flags.passphraseFile ? { file: this.flags.passphraseFile } : {}) },
      async (passphrase) => ({ ...(await this.open(identity, { passphrase })), passphrase }),
      (err) => (isDhlError(err, 'PASSPHRASE_WRONG') ? 'wrong passphrase' : undefined),
      (line) => this.say(line),
    );
    return { ...unlocked, signer: { username: identity.username, sigKeyId: unlocked.keys.sig.keyId, sigPrivateKey: unlocked.keys.sig.privateKey } };
  }

  /** Opens the keystore's vault with a secret: a wrong one is PASSPHRASE_WRONG. */
  async open(identity: Identity, secret: LoginSecret): Promise<Unlocked> {
    try {
      return await unlockVault(identity.vault, secret);
    } catch (err) {
      if (isDhlError(err, 'VAULT_OPEN_FAILED')) throw cliError('PASSPHRASE_WRONG', { home: this.keystore.dir }, err);
      throw err;
    }
  }
}
