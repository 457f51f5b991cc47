/**
 * Registration (issue 17): a signed RegisterUser, the sealed vault and the
 * auth keys. The account (vault and verifiers) is written as *pending*
 * before the transaction goes in and becomes an account only when the
 * RegisterUser is accepted in a durable block; a rejected or failed one is
 * dropped. So a registration for a taken name never touches the existing
 * account, and a stop between the block and the account is mended at the
 * next start (`reconcilePending`).
 */
import type { KdfCosts, KdfParams, LedgerPort, Accounts, Submitted } from './node-port.ts';
import type { RegisterRequest, RegisterResult, SealedVault } from '../protocol/index.ts';
import { apiError } from './errors.ts';
import type { Clock } from './sessions.ts';

export interface Registration {
  tx: RegisterRequest['tx'];
  vault: SealedVault;
  authKeys: RegisterRequest['authKeys'];
}

/**
 * A vault the node will keep for `username`: that user's, one passphrase and
 * one recovery slot, the passphrase slot at the node's KDF costs (so a decoy
 * prelogin looks the same). Returns the passphrase slot's KDF parameters.
 */
export function checkVault(vault: SealedVault, username: string, kdf: KdfCosts): KdfParams {
  if (vault.username !== username) throw apiError('ACCOUNT_VAULT_INVALID', { reason: 'vault username' });
  const pass = vault.slots.filter((s) => s.kind === 'passphrase');
  if (pass.length !== 1 || vault.slots.filter((s) => s.kind === 'recovery').length !== 1) throw apiError('ACCOUNT_VAULT_INVALID', { reason: 'slots' });
  const params = pass[0]!.kdf;
  if (!params || params.memoryKiB !== kdf.memoryKiB || params.iterations !== kdf.iterations || params.parallelism !== kdf.parallelism) {
    throw apiError('ACCOUNT_VAULT_INVALID', { reason: 'kdf costs' });
  }
  return params;
}

/** A RegisterUser of the vault's user, and a vault the node will keep. */
export function checkRegistration(r: Registration, kdf: KdfCosts): { username: string; kdf: KdfParams } {
  const username = r.tx.header.actor;
  const body = r.tx.body as { username?: unknown } | null;
  if (r.tx.header.type !== 'RegisterUser' || typeof body !== 'object' || body === null || body.username !== username) {
    throw apiError('REGISTRATION_TX_INVALID');
  }
  return { username, kdf: checkVault(r.vault, username, kdf) };
}

/** Writes the pending account of a checked registration; returns its id. */
export function addPending(accounts: Accounts, ledger: LedgerPort, r: Registration, checked: { username: string; kdf: KdfParams }, clock: Clock): number {
  return accounts.addPending({ txHash: ledger.txHash(r.tx), username: checked.username, vault: r.vault, kdf: checked.kdf, authKeys: r.authKeys }, clock.now());
}

/**
 * Settles a pending account by its transaction's durable answer: an account
 * if this submission's RegisterUser was accepted, nothing otherwise.
 */
export function settle(accounts: Accounts, pendingId: number, result: Submitted): RegisterResult {
  if (result.outcome === 'OK' && !result.duplicate && accounts.activate(pendingId)) return { account: 'created', result };
  accounts.dropPending(pendingId);
  throw apiError('REGISTRATION_NOT_ACCEPTED', { outcome: result.outcome, duplicate: result.duplicate });
}

/** Registers a user: checks, pending account, submission, account. */
export async function register(
  o: { accounts: Accounts; ledger: LedgerPort; kdf: KdfCosts; clock: Clock },
  r: Registration,
): Promise<RegisterResult> {
  const checked = checkRegistration(r, o.kdf);
  if (o.ledger.isRegistered(checked.username)) {
    // A retried request whose RegisterUser made this account answers as before; any other is refused at the
    // door, so the log does not fill with doomed registrations (a race still ends as USER_EXISTS in the log).
    const recorded = o.ledger.recorded(o.ledger.txHash(r.tx));
    if (recorded?.outcome === 'OK' && o.accounts.hasAccount(checked.username)) return { account: 'created', result: recorded };
    throw apiError('USERNAME_TAKEN');
  }
  const pendingId = addPending(o.accounts, o.ledger, r, checked, o.clock);
  let result: Submitted;
  try {
    result = await o.ledger.submit(r.tx);
  } catch (err) {
    o.accounts.dropPending(pendingId);
    throw err;
  }
  return settle(o.accounts, pendingId, result);
}

/** At start: pending accounts whose RegisterUser was accepted become accounts; the rest are dropped. */
export function reconcilePending(accounts: Accounts, ledger: LedgerPort): void {
  for (const p of accounts.pendingRegistrations()) {
    const recorded = ledger.recorded(p.txHash);
    if (recorded?.outcome === 'OK') accounts.activate(p.id);
    else accounts.dropPending(p.id);
  }
}
