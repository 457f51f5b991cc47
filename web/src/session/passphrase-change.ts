/**
 * Passphrase change in the browser: the vault was dropped once login was
 * done (keyring.ts), so the current passphrase — or the recovery key, for
 * one who lost it — opens it again here: a login of its own, whose proof of the current slot the node asks for — and the
 * vault is re-sealed under the new passphrase with the node's current costs
 * (src/client: changePassphrase). The node then ends every session of the
 * user, this one included: the page locks and the new passphrase logs in.
 */
import { changePassphrase, DhlError, login } from '../../../src/client/index.ts';
import { pageApi, secretOf } from './login-flow.ts';
import { trustedChain } from './trust.ts';

export async function changePassphraseInBrowser(username: string, current: string, next: string): Promise<void> {
  const api = pageApi();
  const status = await api.call('status');
  if (!status.chainId) throw new DhlError('NODE_AWAITING_SETUP', 'the node is not set up yet');
  const opened = await login(api, { username, secret: secretOf(current), session: 'bearer', chain: trustedChain(status.chainId), now: Date.now() });
  await changePassphrase(api, { vault: opened.vault, proof: opened.proof, newPassphrase: next, kdf: status.kdf });
}
