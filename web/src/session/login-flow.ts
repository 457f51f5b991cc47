/**
 * Login in the browser (DESIGN §9): Argon2id runs here, the node gets the
 * auth key, hands back the sealed vault and a challenge; the vault opens
 * here, the challenge is signed here, and only non-extractable keys remain.
 */
import { ApiClient, DhlError, login, type LoginSecret } from '../../../src/client/index.ts';
import { finishKeptRotation, type Rotated } from './key-rotation.ts';
import { unlock, type Unlocked } from './keyring.ts';
import { trustedChain } from './trust.ts';

export const pageApi = () => new ApiClient({ baseUrl: location.origin });

/** The recovery key as it was shown: 13 groups of letters and digits joined by dashes. */
const RECOVERY_KEY = /^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){12}$/;

/** What a person typed as the secret: their recovery key when it has its shape, else a passphrase. */
export function secretOf(typed: string): LoginSecret {
  const key = typed.trim().toUpperCase();
  return RECOVERY_KEY.test(key) ? { recoveryKey: key } : { passphrase: typed };
}

/**
 * Logs in with the passphrase (a string) or the recovery key (its slot of the
 * vault opens instead). A key rotation this browser kept unfinished is
 * finished first (key-rotation.ts), so the session begins with the keys the
 * ledger names; `rotated` carries one the page itself just did.
 */
export async function loginInBrowser(username: string, secret: string | LoginSecret, o: { rotated?: Rotated } = {}): Promise<Unlocked> {
  const api = pageApi();
  const status = await api.call('status');
  if (!status.chainId || status.setup !== 'complete') throw new DhlError('NODE_AWAITING_SETUP', 'the node is not set up yet');
  const chain = trustedChain(status.chainId);
  const typed = typeof secret === 'string' ? { passphrase: secret } : secret;
  const rotated = o.rotated ?? (await finishKeptRotation(chain, username, typed));
  const loggedIn = await login(api, { username, secret: typed, session: 'cookie', chain, now: Date.now() });
  return unlock(loggedIn, chain, rotated);
}
