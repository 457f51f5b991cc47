/**
 * Login in the browser (DESIGN §9): Argon2id runs here, the node gets the
 * auth key, hands back the sealed vault and a challenge; the vault opens
 * here, the challenge is signed here, and only non-extractable keys remain.
 */
import { ApiClient, DhlError, login } from '../../../src/client/index.ts';
import { unlock, type Unlocked } from './keyring.ts';
import { trustedChain } from './trust.ts';

export const pageApi = () => new ApiClient({ baseUrl: location.origin });

export async function loginInBrowser(username: string, passphrase: string): Promise<Unlocked> {
  const api = pageApi();
  const status = await api.call('status');
  if (!status.chainId || status.setup !== 'complete') throw new DhlError('NODE_AWAITING_SETUP', 'the node is not set up yet');
  const chain = trustedChain(status.chainId);
  const loggedIn = await login(api, { username, secret: { passphrase }, session: 'cookie', chain, now: Date.now() });
  return unlock(loggedIn, chain);
}
