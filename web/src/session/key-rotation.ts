/**
 * Key rotation in the browser (DESIGN §6 RotateKeys), in the order of
 * src/client/rotation.ts and `dhl rotate-keys`, so that no interruption can
 * lock the user out:
 * (1) the new key pairs are made here, appended to the vault as its newest
 *     generation (the old ones stay, for what was wrapped for them), and that
 *     vault and the RotateKeys signed with the old key are kept in this
 *     browser (IndexedDB) before the node hears of either;
 * (2) the RotateKeys is submitted and its entry proven in the signed head;
 * (3) the new vault goes to the node (the passphrase route under the same
 *     passphrase, which ends every session of the user);
 * (4) the page logs in again: the keyring holds the new keys.
 * Until (2) is in a block the node's vault and the ledger agree on the old
 * keys, and after it the kept vault is the one that signs. Interrupted after
 * (1), the next login in this browser finishes the rotation first
 * (finishKeptRotation): the kept vault signs if the ledger has its keys
 * already, else the old keys log in and the kept RotateKeys is submitted.
 * The new private keys are non-extractable once imported at login, like
 * every key of the keyring; the vault must hold them as PKCS#8 inside its
 * sealed contents, as it holds the old ones (the vault format).
 */
import {
  ApiClient, clientError, isDhlError, login, openClient, prepareRotation, rotationTx, storeRotatedVault, submitSigned,
  type LoggedIn, type LoginSecret, type PreparedRotation, type SealedVault, type TxResult,
} from '../../../src/client/index.ts';
import { IdbHeadStore, IdbRotationStore } from './browser-stores.ts';

export interface KeyIds {
  sigKeyId: string;
  encKeyId: string;
}

/** What this browser keeps between (1) and the end. */
interface KeptRotation {
  v: 1;
  /** The vault with the new generation appended, sealed under the unchanged passphrase and recovery key. */
  vault: SealedVault;
  /** The RotateKeys, signed with the old sig key (signed again if it expired unsubmitted). */
  tx: PreparedRotation['tx'];
  old: KeyIds;
  next: PreparedRotation['keys'];
}

export interface Rotated {
  old: KeyIds;
  next: KeyIds;
  /** The block holding the RotateKeys; undefined when a login found it ledgered already. */
  height?: number;
  /** A rotation kept in this browser, finished by a login. */
  atLogin: boolean;
}

const storeOf = (chain: string, username: string) => new IdbRotationStore<KeptRotation>(chain, username);
const idsOf = (k: KeyIds): KeyIds => ({ sigKeyId: k.sigKeyId, encKeyId: k.encKeyId });

/** A bearer login of its own (the vault and the proof of the secret are needed again; the page's keyring dropped them). */
function bearerLogin(api: ApiClient, chain: string, username: string, secret: LoginSecret, vault?: SealedVault): Promise<LoggedIn> {
  return login(api, { username, secret, session: 'bearer', chain, now: Date.now(), ...(vault ? { vault } : {}) });
}

/** Steps (1)–(3) for the user logged in with `secret`: returns the fingerprints before and after, and the block. */
export async function rotateKeys(chain: string, username: string, secret: LoginSecret): Promise<Rotated> {
  // Refused before anything is kept or signed: the node stores the rotated vault under the passphrase's verifier.
  if (!('passphrase' in secret)) throw clientError('PASSPHRASE_REQUIRED', { step: 'rotate keys' });
  const store = storeOf(chain, username);
  const kept = await store.get();
  // A rotation this browser started and did not finish is finished, never begun again beside it.
  if (kept) return finishKept(chain, username, secret, kept);
  const api = new ApiClient({ baseUrl: location.origin });
  const old = await bearerLogin(api, chain, username, secret);
  const prepared = await prepareRotation(chain, username, old, Date.now());
  const rotation: KeptRotation = { v: 1, vault: prepared.vault, tx: prepared.tx, old: { sigKeyId: old.keys.sig.keyId, encKeyId: old.keys.enc.keyId }, next: prepared.keys };
  // (1) Kept here before the node hears of it.
  await store.put(rotation);
  return submitAndStore(api, chain, username, old, rotation);
}

/** At login: a rotation this browser kept is finished before the session the page uses begins (else nothing). */
export async function finishKeptRotation(chain: string, username: string, secret: LoginSecret): Promise<Rotated | undefined> {
  const kept = await storeOf(chain, username).get();
  if (!kept) return undefined;
  // Finishing stores the kept vault under the passphrase's verifier: a recovery-key login cannot (docs/decisions.md).
  if (!('passphrase' in secret)) throw clientError('ROTATION_PENDING', { user: username });
  return { ...(await finishKept(chain, username, secret, kept)), atLogin: true };
}

/** Whether this browser keeps an unfinished rotation of the user (a passphrase change must wait for it: it would re-seal the old keys). */
export async function hasKeptRotation(chain: string, username: string): Promise<boolean> {
  return (await storeOf(chain, username).get()) !== undefined;
}

async function finishKept(chain: string, username: string, secret: LoginSecret, kept: KeptRotation): Promise<Rotated> {
  const api = new ApiClient({ baseUrl: location.origin });
  let old: LoggedIn;
  try {
    // The ledger has the new keys already (the RotateKeys reached a block): the kept vault signs; only (3) is left.
    const loggedIn = await bearerLogin(api, chain, username, secret, kept.vault);
    await storeRotatedVault(api, loggedIn.proof, kept.vault);
    await storeOf(chain, username).delete();
    return { old: idsOf(kept.old), next: idsOf(kept.next), atLogin: false };
  } catch (err) {
    if (!isDhlError(err, 'LOGIN_CHALLENGE_FAILED')) throw err;
    // Not on the ledger: the node's vault (the old keys) logs in, and the kept RotateKeys goes in.
    old = await bearerLogin(api, chain, username, secret);
  }
  return submitAndStore(api, chain, username, old, kept);
}

/** Steps (2) and (3), from a bearer login with the old keys. */
async function submitAndStore(api: ApiClient, chain: string, username: string, old: LoggedIn, kept: KeptRotation): Promise<Rotated> {
  const store = storeOf(chain, username);
  const { ctx } = await openClient({ api, loggedIn: old, chain, heads: new IdbHeadStore(chain) });
  let result: TxResult = await submitSigned(ctx, kept.tx);
  if (result.outcome === 'TX_EXPIRED') {
    // Kept past its lifetime unsubmitted: the same new keys, signed again by the old key.
    const tx = await rotationTx(chain, username, old, kept.next, Date.now());
    await store.put({ ...kept, tx });
    result = await submitSigned(ctx, tx);
  }
  // KEY_ALREADY_REGISTERED for keys made here a moment ago: this very RotateKeys reached a block before (its answer was lost).
  if (result.outcome !== 'OK' && result.outcome !== 'KEY_ALREADY_REGISTERED') {
    // Nothing of it is on the ledger: the old keys stay, and the kept vault goes.
    await store.delete();
    throw clientError('TX_REJECTED', { type: 'RotateKeys', outcome: result.outcome, txHash: result.txHash });
  }
  // (3) The node keeps the new vault; every session of the user ends.
  await storeRotatedVault(api, old.proof, kept.vault);
  await store.delete();
  return { old: idsOf(kept.old), next: idsOf(kept.next), height: result.height, atLogin: false };
}
