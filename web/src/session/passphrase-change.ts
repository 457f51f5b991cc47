/**
 * Passphrase change in the browser: the vault was dropped once login was
 * done (keyring.ts), so the current passphrase — or the recovery key, for
 * one who lost it — opens it again here: a login of its own, whose proof of the current slot the node asks for — and the
 * vault is re-sealed under the new passphrase with the node's current costs
 * (src/client: changePassphrase). The node then ends every session of the
 * user, this one included: the page locks and the new passphrase logs in.
 */
import { changePassphrase, clientError, DhlError, login } from '../../../src/client/index.ts';
import { hasKeptRotation } from './key-rotation.ts';
import { pageApi, secretOf } from './login-flow.ts';
import { trustedChain } from './trust.ts';

export async function changePassphraseInBrowser(username: string, current: string, next: string): Promise<void> {
  const api = pageApi();
  const status = await api.call('status');
  if (!status.chainId) throw new DhlError('NODE_AWAITING_SETUP', 'the node is not set up yet');
  const chain = trustedChain(status.chainId);
  // A rotation kept here would be stored later under the old passphrase: finish it first (a passphrase login does).
  if (await hasKeptRotation(chain, username)) throw clientError('ROTATION_PENDING', { user: username });
  const opened = await login(api, { username, secret: secretOf(current), session: 'bearer', chain, now: Date.now() });
  await changePassphrase(api, { vault: opened.vault, proof: opened.proof, newPassphrase: next, kdf: status.kdf });
}
