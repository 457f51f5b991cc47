/**
 * Key pairs made on this machine before their account exists on a node: the
 * first admin's of `dhl admin init` (offline), or an admin's between joining
 * the first-run set-up and registering. They are sealed in the vault format
 * (DESIGN §4) under the passphrase only, never written in the clear; the
 * recovery key is made at registration, where DESIGN §2 shows it once.
 * Opened, the private halves are extractable: registration seals them again
 * into the vault the node keeps.
 */
import {
  fromBase64url, importPkcs8, importSpki, keyGeneration, newArgon2idParams, OpenedVault, passphraseKdf, passphraseSecrets, sealVault,
  type SealedVault, type UserKeyPairs, type VaultKeyGeneration,
} from '../crypto/index.ts';
import type { KdfOptions } from './account.ts';

export async function sealPendingKeys(
  username: string,
  keys: UserKeyPairs,
  passphrase: string,
  createdAt: number,
  options: KdfOptions & { kdf?: { memoryKiB: number; iterations: number; parallelism: number } } = {},
): Promise<SealedVault> {
  const kdf = newArgon2idParams(options.kdf ? { memoryKiB: options.kdf.memoryKiB, iterations: options.kdf.iterations, parallelism: options.kdf.parallelism } : {});
  const secrets = await passphraseSecrets(passphrase, kdf, options.allowWeakKdf ? { allowWeakKdf: true } : {});
  return sealVault({ username, generations: [await keyGeneration(keys, createdAt)] }, [{ secrets, kdf }]);
}

/** Opens pending keys with the passphrase (VAULT_OPEN_FAILED when it is wrong); the private halves stay extractable for registration. */
export async function openPendingKeys(vault: SealedVault, passphrase: string, options: KdfOptions = {}): Promise<UserKeyPairs> {
  const secrets = await passphraseSecrets(passphrase, passphraseKdf(vault), options.allowWeakKdf ? { allowWeakKdf: true } : {});
  const opened = await OpenedVault.open(vault, secrets);
  return pairsOf(opened.current);
}

async function pairsOf(g: VaultKeyGeneration): Promise<UserKeyPairs> {
  const pair = async (use: 'enc' | 'sig', part: VaultKeyGeneration['enc']): Promise<CryptoKeyPair> => ({
    publicKey: await importSpki(use, fromBase64url(part.spki)),
    privateKey: await importPkcs8(use, fromBase64url(part.pkcs8), true),
  });
  return { enc: await pair('enc', g.enc), sig: await pair('sig', g.sig) };
}
