/**
 * What a person reads when something fails: the node's and the client's
 * error codes in plain words. Unknown codes show the error's own message
 * (which names fields and ids, never content: STYLE 6).
 */
import { isDhlError, isRejectCode, rejectMessage } from '../../src/client/index.ts';

const PLAIN: Record<string, string> = {
  LOGIN_FAILED: 'The username or passphrase is wrong. Failed attempts are counted and shown to the account’s owner at their next login.',
  LOGIN_CHALLENGE_REFUSED: 'The node’s login challenge names another chain, user or origin: this browser did not sign it.',
  LOGIN_CHALLENGE_FAILED: 'The login took too long or was already used: please try again.',
  VAULT_OPEN_FAILED: 'The key vault did not open with this passphrase.',
  USERNAME_TAKEN: 'This username is already registered: choose another one.',
  REGISTRATION_NOT_ACCEPTED: 'The ledger did not accept this registration (the name may have just been taken): choose another one.',
  NODE_AWAITING_SETUP: 'This node is not set up yet: an administrator must first open the setup link the node printed.',
  SETUP_TOKEN_INVALID: 'This setup link is wrong or no longer valid (the node prints a new one when it restarts).',
  SETUP_COMPLETE: 'This node is already set up: log in instead.',
  SETUP_ADMINS_COMPLETE: 'Every administrator the set-up expects has already joined.',
  SETUP_ADMIN_KEYS_DIFFER: 'This administrator already joined from another browser or before a reload, with other keys: use that browser, or restart the node and begin again.',
  SETUP_GENESIS_REFUSED: 'The genesis the node built does not match this browser’s keys: nothing was signed. Do not use this node.',
  SESSION_EXPIRED: 'Your session has ended: please log in again.',
  SESSION_REQUIRED: 'Please log in.',
  RATE_LIMITED: 'Too many attempts from this address: wait a minute and try again.',
  CHAIN_CHANGED: 'This node now names a different ledger (chain id) than the one this browser knows it by: not logging in. Ask your administrator.',
  NODE_OVERLOADED: 'The node is busy: please try again in a moment.',
  READ_REFUSED: 'The ledger refused this read (no grant that lets you read it now): nothing was downloaded. The refusal is in the owner’s audit trail.',
  HEAD_INCONSISTENT: 'The node answered with a ledger that does not extend the one this browser saw before (a rollback or a fork): refused. Tell your administrator.',
  HEAD_INVALID: 'The node answered with a ledger head no node of this chain signed: refused.',
  KEY_NOT_PROVEN: 'The key the node served is not the one the ledger proves for that person: nothing was signed or shared.',
  MANIFEST_NOT_PROVEN: 'The record’s manifest is not the one the ledger proves: not opened.',
  TRANSFER_INTERRUPTED: 'The transfer stopped before its end (network, cancel, or the node stopped): it can continue.',
  RECORD_NOT_READABLE: 'You hold no key for this record.',
  ROLE_CHANGED: 'The role no longer names the keys whose fingerprint you confirmed (it was revoked or assigned again meanwhile): nothing was signed. Look again.',
  READ_DENIED: 'The ledger gives you no right to see this now.',
  PASSPHRASE_REQUIRED: 'This needs your passphrase, not the recovery key (the node keeps the rotated vault under the passphrase): nothing was changed.',
  ROTATION_PENDING: 'A key rotation begun in this browser is not finished yet: log in with your passphrase (that finishes it), then try again.',
  // The node answers a record one may not see as one that does not exist (so as not to tell that it does).
  RESOURCE_NOT_FOUND: 'Not found here, or not something you may see (the node answers both alike). Check the name or the link.',
};

/**
 * The contract's refusals as people read them, where the registry's own
 * message (src/contract/codes.ts REJECT_CODES, written for the spec) speaks
 * of actors and fields: these say it as the person on the page would.
 */
const OUTCOMES: Record<string, string> = {
  REQUEST_PENDING_EXISTS: 'you already asked for this record and the patient has not answered yet',
  DOCTOR_REQUIRED: 'only an enrolled doctor can do this',
  ROLE_ALREADY_ASSIGNED: 'this person already holds that role',
  ACCESS_TOO_LONG: 'that is longer than this ledger allows',
  ADMIN_REQUIRED: 'only an active administrator of that organisation can do this',
  ROLE_NOT_HELD: 'that person does not hold this role in this organisation (it may already be revoked)',
  ROLE_KEY_NOT_VOUCHED: 'the role does not name this person’s current keys: an administrator must vouch for them again',
  GRANT_VOID: 'the grant is void for good: the doctor’s role was revoked after it was given',
  GRANT_EXPIRED: 'the grant has expired',
  READ_NOT_PERMITTED: 'no grant lets this person open the record',
  USER_UNKNOWN: 'there is no such registered user',
  NONCE_REPLAYED: 'the same signed transaction was sent twice',
  RECORD_NOT_FOUND: 'there is no such record',
};

/**
 * A contract code (a refused transaction's outcome) in words: the page's own
 * where it has them, else the contract registry's message, so every code the
 * contract declares has words; a code it does not know (a newer node's) is
 * shown as itself.
 */
export function outcomeInWords(code: string): string {
  // Own keys only: a code such as `toString` is not the object's method.
  if (Object.hasOwn(OUTCOMES, code)) return OUTCOMES[code]!;
  return isRejectCode(code) ? rejectMessage(code) : code;
}

/** A ledger entry's outcome as people read it: "accepted", or the contract's refusal in plain words. */
export function outcomeText(outcome: string): string {
  return outcome === 'OK' ? 'accepted' : `refused: ${outcomeInWords(outcome)}`;
}

export function messageOf(err: unknown): string {
  if (isDhlError(err, 'TX_REJECTED')) {
    const outcome = String(err.details.outcome ?? '');
    return `The ledger recorded this as refused: ${outcomeInWords(outcome)}.`;
  }
  // READ_DENIED names the contract's reason in its message (reason=…): the admin-only views say so plainly.
  if (isDhlError(err, 'READ_DENIED') && /ADMIN_REQUIRED/.test(err.message)) return 'Only an active administrator of the organisation that runs this node may see this.';
  if (isDhlError(err)) return Object.hasOwn(PLAIN, err.code) ? PLAIN[err.code]! : `${err.message} (${err.code})`;
  if (err instanceof TypeError && /fetch/i.test(err.message)) return 'The node could not be reached: check the connection and try again.';
  return err instanceof Error ? err.message : String(err);
}

export function codeOf(err: unknown): string | undefined {
  return isDhlError(err) ? err.code : undefined;
}
