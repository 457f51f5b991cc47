/**
 * Key rotation on the client (DESIGN §6 RotateKeys). The new key pairs are
 * made here and appended to the vault as a new generation (the old ones stay
 * for old wraps); the RotateKeys transaction is signed with the old, still
 * current sig key. The order that cannot lock a user out, whoever crashes
 * when: (1) the caller stores the re-sealed vault and the signed transaction
 * on the client; (2) submits the transaction; (3) stores the vault at the
 * node (the passphrase is unchanged: the passphrase route with the current
 * auth key as the new one); (4) logs in again. After (1) and before (2) the
 * node's vault and the ledger still agree on the old keys; after (2) the
 * client's copy is the one that signs (login takes it as `vault`) until (3).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { generateUserKeys, keyGeneration, type SealedVault } from '../crypto/index.ts';
import type { SignedTx } from '../ledger/index.ts';
import type { ApiClient } from './api-client.ts';
import { publicKeysOf, type PublicKeys, type Unlocked } from './account.ts';
import { clientError } from './errors.ts';
import { signTx } from './transactions.ts';

export interface PreparedRotation {
  /** The vault with the new generation appended: store it before submitting `tx`. */
  vault: SealedVault;
  tx: SignedTx;
  keys: PublicKeys;
}

export async function prepareRotation(chain: string, username: string, unlocked: Unlocked, now: number): Promise<PreparedRotation> {
  const keys = await generateUserKeys();
  const pub = await publicKeysOf(keys);
  const vault = await unlocked.vault.withGeneration(await keyGeneration(keys, now));
  return { vault, keys: pub, tx: await rotationTx(chain, username, unlocked, pub, now) };
}

/** RotateKeys naming `keys`, signed with the current (old) sig key; signed again when an earlier one expired unsubmitted. */
export function rotationTx(chain: string, username: string, unlocked: Unlocked, keys: PublicKeys, now: number): Promise<SignedTx> {
  return signTx(sha256, chain, { username, sigKeyId: unlocked.keys.sig.keyId, sigPrivateKey: unlocked.keys.sig.privateKey }, 'RotateKeys', { ...keys }, { now });
}

/** Step 3: the re-sealed vault to the node, under the unchanged passphrase (proof: its current auth key). The node ends every session. */
export function storeRotatedVault(api: ApiClient, proof: Unlocked['proof'], vault: SealedVault) {
  // The route stores `authKey` as the passphrase's verifier: a recovery key's would lock the passphrase out.
  if (proof.slot !== 'passphrase') return Promise.reject(clientError('PASSPHRASE_REQUIRED', { step: 'store the rotated vault' }));
  return api.call('changePassphrase', { current: proof, vault, authKey: proof.authKey });
}
