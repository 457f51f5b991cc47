/**
 * Login, in DESIGN §9's order: (1) prelogin answers KDF parameters, a decoy
 * of the same shape for an unknown name; (2) the client proves the auth key it
 * derived, and only then gets its sealed vault with a login challenge; (3) the
 * client opens the vault and signs the challenge with the user's registered
 * sig key, which opens a session. Wrong auth keys are counted on the account
 * and reported to its owner at the next login.
 */
import { randomBytes } from 'node:crypto';
import type {
  LoginFinishRequest, LoginFinishResult, LoginStartRequest, LoginStartResult, PreloginResult, SealedVault,
} from '../protocol/index.ts';
import { apiError } from './errors.ts';
import type { Accounts, KdfCosts, LedgerPort, LoginChallengeValue } from './node-port.ts';
import type { Clock } from './sessions.ts';

export interface LoginOptions {
  accounts: Accounts;
  clock: Clock;
  /** The open ledger (throws NODE_AWAITING_SETUP before set-up). */
  ledger: () => LedgerPort;
  kdf: KdfCosts;
  origins: ReadonlySet<string>;
  /** How long a challenge may be signed and sent back. */
  challengeTtlMs: number;
}

/** Outstanding challenges are few and short-lived; past this many the oldest go first. */
const MAX_CHALLENGES = 10_000;

export class Login {
  /** nonce → challenge: in memory, single use; a restart only voids logins in progress. */
  private readonly challenges = new Map<string, LoginChallengeValue>();

  constructor(private readonly o: LoginOptions) {}

  prelogin(username: string): PreloginResult {
    this.o.ledger();
    return { kdf: this.o.accounts.preloginKdf(username, this.o.kdf) };
  }

  /**
   * The origin is the client's to name (it signs it), ours to accept: it must
   * be one we serve and, from a browser, the page's own (the Origin header).
   */
  start(req: LoginStartRequest, originHeader: string | undefined): LoginStartResult {
    const ledger = this.o.ledger();
    if (!this.o.origins.has(req.origin) || (originHeader !== undefined && originHeader !== req.origin)) throw apiError('ORIGIN_NOT_ACCEPTED');
    const now = this.o.clock.now();
    if (this.o.accounts.checkAuthKey(req.username, req.slot, req.authKey, now) !== 'ok') throw apiError('LOGIN_FAILED');
    const challenge: LoginChallengeValue = {
      chain: ledger.chainId, username: req.username, origin: req.origin, nonce: randomBytes(16).toString('hex'), notAfter: now + this.o.challengeTtlMs,
    };
    this.remember(challenge);
    return { vault: this.o.accounts.vault(req.username) as SealedVault, challenge };
  }

  /** Verifies the signed challenge (used up either way) and returns the login's account facts. */
  async finish(req: LoginFinishRequest): Promise<Pick<LoginFinishResult, 'username' | 'failedLogins'>> {
    const ledger = this.o.ledger();
    const challenge = this.challenges.get(req.nonce);
    this.challenges.delete(req.nonce);
    const now = this.o.clock.now();
    if (!challenge || challenge.notAfter < now) throw apiError('LOGIN_CHALLENGE_FAILED');
    if (!(await ledger.verifyLoginSignature(challenge, req.sig))) throw apiError('LOGIN_CHALLENGE_FAILED');
    return { username: challenge.username, failedLogins: this.o.accounts.loginSucceeded(challenge.username, now) };
  }

  private remember(challenge: LoginChallengeValue): void {
    const now = this.o.clock.now();
    for (const [nonce, c] of this.challenges) {
      if (c.notAfter >= now && this.challenges.size < MAX_CHALLENGES) break;
      this.challenges.delete(nonce);
    }
    this.challenges.set(challenge.nonce, challenge);
  }
}
