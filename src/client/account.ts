/**
 * The client's side of registration, login, passphrase change and the
 * first-run set-up (DESIGN §2, §9). Keys are generated and the vault sealed
 * here; the node gets public keys, signed transactions, the sealed vault and
 * auth keys, never a passphrase or a private key. Before signing a login
 * challenge the client checks it names the chain it trusts, its own user and
 * the origin it is talking to; before signing its first RegisterUser an admin
 * checks the genesis carries its own keys and computes the chain id itself.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  createVault, exportSpki, generateUserKeys, importGeneration, keyIdOfSpki, newArgon2idParams, OpenedVault, passphraseKdf, passphraseSecrets,
  recoverySecrets, toBase64url, DhlError, type SealedVault, type SlotSecrets, type UnsealedKeys, type UserKeyPairs,
} from '../crypto/index.ts';
import { chainIdOf, parseGenesis, signLoginChallenge, type Genesis } from '../ledger/index.ts';
import type { KdfCosts, LoginFinishResult, RegisterRequest, SetupState } from '../protocol/index.ts';
import type { ApiClient } from './api-client.ts';
import { signTx } from './transactions.ts';

export interface KdfOptions {
  /** Tests only: accept Argon2id costs below OWASP's floor (the node under test asks for them). */
  allowWeakKdf?: boolean;
}

/** A user's two key pairs with their public halves as the ledger holds them. */
export interface PublicKeys {
  sigSpki: string;
  sigKeyId: string;
  encSpki: string;
  encKeyId: string;
}

export async function publicKeysOf(keys: UserKeyPairs): Promise<PublicKeys> {
  const sig = await exportSpki(keys.sig.publicKey);
  const enc = await exportSpki(keys.enc.publicKey);
  return { sigSpki: toBase64url(sig), sigKeyId: await keyIdOfSpki(sig), encSpki: toBase64url(enc), encKeyId: await keyIdOfSpki(enc) };
}

export interface NewAccountInput extends KdfOptions {
  chain: string;
  username: string;
  passphrase: string;
  /** The node's KDF costs (`GET /v1/status`). */
  kdf: KdfCosts;
  now: number;
  /** Generated when absent. */
  keys?: UserKeyPairs;
  /** The RegisterUser's notAfter; default now + 10 minutes. */
  notAfter?: number;
}

export interface NewAccount {
  request: RegisterRequest;
  /** Shown to the user once: the second way into the vault. The node never sees it. */
  recoveryKey: string;
  keys: UserKeyPairs;
}

/** Keys, a vault sealed under the passphrase and a fresh recovery key, and the signed RegisterUser. */
export async function newAccount(input: NewAccountInput): Promise<NewAccount> {
  const keys = input.keys ?? (await generateUserKeys());
  const pub = await publicKeysOf(keys);
  const kdf = newArgon2idParams({ memoryKiB: input.kdf.memoryKiB, iterations: input.kdf.iterations, parallelism: input.kdf.parallelism });
  const sealed = await createVault(input.username, keys, input.passphrase, input.now, { kdf, ...(input.allowWeakKdf ? { allowWeakKdf: true } : {}) });
  const tx = await signTx(
    sha256, input.chain, { username: input.username, sigKeyId: pub.sigKeyId, sigPrivateKey: keys.sig.privateKey }, 'RegisterUser',
    { username: input.username, ...pub }, { now: input.now, ...(input.notAfter ? { notAfter: input.notAfter } : {}) },
  );
  return { request: { tx: tx as RegisterRequest['tx'], vault: sealed.vault, authKeys: sealed.authKeys }, recoveryKey: sealed.recoveryKey, keys };
}

/** Registers a new user on the node: their account exists once the answer arrives. */
export async function register(api: ApiClient, input: Omit<NewAccountInput, 'chain' | 'kdf'>) {
  const status = await api.call('status');
  if (!status.chainId) throw new DhlError('NODE_AWAITING_SETUP', 'the node has no chain yet');
  const account = await newAccount({ ...input, chain: status.chainId, kdf: status.kdf });
  const answer = await api.call('register', account.request);
  return { ...answer, recoveryKey: account.recoveryKey, keys: account.keys, vault: account.request.vault };
}

export type LoginSecret = { passphrase: string } | { recoveryKey: string };

export interface LoginInput extends KdfOptions {
  username: string;
  secret: LoginSecret;
  session: 'bearer' | 'cookie';
  /** The chain id this client trusts; a challenge naming another is refused. */
  chain: string;
  now: number;
  /**
   * A newer copy of the vault this client holds (a key rotation ledgered but
   * not yet stored at the node): opened, and its keys sign, instead of the
   * node's copy. The same secret opens both (a rotation keeps the slots).
   */
  vault?: SealedVault;
}

/** An opened vault with its current private keys. */
export interface Unlocked {
  vault: OpenedVault;
  /** The current generation's private keys (non-extractable). */
  keys: UnsealedKeys;
  /** The secret's slot and auth key: proof of the current secret for a passphrase change. */
  proof: { slot: SlotSecrets['kind']; authKey: string };
}

export interface LoggedIn extends Unlocked {
  session: LoginFinishResult;
  /** The vault as the node returned it, sealed (the CLI keeps a copy in its keystore). */
  sealedVault: SealedVault;
}

async function openWith(vault: SealedVault, secrets: SlotSecrets): Promise<Unlocked> {
  const opened = await OpenedVault.open(vault, secrets);
  return { vault: opened, keys: await importGeneration(opened.current), proof: { slot: secrets.kind, authKey: secrets.authKey } };
}

/**
 * Opens a vault this client already holds (the CLI's keystore copy) with the
 * passphrase, at its own slot's KDF parameters, or with the recovery key; no
 * node is asked. A wrong secret fails with VAULT_OPEN_FAILED.
 */
export async function unlockVault(vault: SealedVault, secret: LoginSecret, options: KdfOptions = {}): Promise<Unlocked> {
  const secrets = 'passphrase' in secret
    ? await passphraseSecrets(secret.passphrase, passphraseKdf(vault), options.allowWeakKdf ? { allowWeakKdf: true } : {})
    : await recoverySecrets(secret.recoveryKey);
  return openWith(vault, secrets);
}

/** Login in DESIGN §9's order; a bearer session's token is kept on the client. The sealed vault the node returned comes back too. */
export async function login(api: ApiClient, input: LoginInput): Promise<LoggedIn> {
  let secrets: SlotSecrets;
  if ('passphrase' in input.secret) {
    const { kdf } = await api.call('prelogin', { username: input.username });
    secrets = await passphraseSecrets(input.secret.passphrase, kdf, input.allowWeakKdf ? { allowWeakKdf: true } : {});
  } else {
    secrets = await recoverySecrets(input.secret.recoveryKey);
  }
  const { vault, challenge } = await api.call('loginStart', { username: input.username, slot: secrets.kind, authKey: secrets.authKey, origin: api.origin });
  if (challenge.chain !== input.chain || challenge.username !== input.username || challenge.origin !== api.origin || challenge.notAfter < input.now) {
    throw new DhlError('LOGIN_CHALLENGE_REFUSED', 'the login challenge names another chain, user or origin, or has expired: not signed');
  }
  const held = input.vault ?? vault;
  const unlocked = await openWith(held, secrets);
  const sig = await signLoginChallenge(challenge, unlocked.keys.sig.privateKey);
  const session = await api.call('loginFinish', { nonce: challenge.nonce, sig, session: input.session });
  if (session.token) api.token = session.token;
  return { ...unlocked, session, sealedVault: held };
}

/** Re-seals the vault's passphrase slot under a new passphrase; the node then revokes every session of the user. */
export async function changePassphrase(
  api: ApiClient,
  input: KdfOptions & { vault: OpenedVault; proof: LoggedIn['proof']; newPassphrase: string; kdf: KdfCosts },
) {
  const kdf = newArgon2idParams({ memoryKiB: input.kdf.memoryKiB, iterations: input.kdf.iterations, parallelism: input.kdf.parallelism });
  const secrets = await passphraseSecrets(input.newPassphrase, kdf, input.allowWeakKdf ? { allowWeakKdf: true } : {});
  const vault = await input.vault.withSlot({ secrets, kdf });
  return { ...(await api.call('changePassphrase', { current: input.proof, vault, authKey: secrets.authKey })), vault };
}

// ---------------------------------------------------------------------------
// First-run set-up
// ---------------------------------------------------------------------------

/** Joins the set-up with this admin's public keys; re-joining returns the state (with the genesis once every admin is in). */
export async function joinSetup(api: ApiClient, input: { token: string; username: string; keys: UserKeyPairs }): Promise<SetupState> {
  const pub = await publicKeysOf(input.keys);
  return api.call('setupJoin', { token: input.token, username: input.username, sigSpki: pub.sigSpki, encSpki: pub.encSpki });
}

/**
 * The checks an admin makes before signing anything for a new chain: the
 * genesis parses, names this admin with exactly these keys, and its chain id
 * (computed here) is what the node says. Returns the chain id.
 */
export async function checkSetupGenesis(state: SetupState, input: { username: string; keys: UserKeyPairs }): Promise<{ chainId: string; genesis: Genesis }> {
  if (state.genesis === undefined) throw new DhlError('SETUP_GENESIS_MISSING', 'the set-up has no genesis yet: not every admin has joined');
  const genesis = parseGenesis(state.genesis);
  const pub = await publicKeysOf(input.keys);
  const mine = genesis.orgs.flatMap((o) => o.admins).find((a) => a.username === input.username);
  if (!mine || mine.sigSpki !== pub.sigSpki || mine.encSpki !== pub.encSpki) {
    throw new DhlError('SETUP_GENESIS_REFUSED', 'the genesis does not name this admin with these keys: not signed');
  }
  const chainId = chainIdOf(sha256, genesis);
  if (chainId !== state.chainId) throw new DhlError('SETUP_GENESIS_REFUSED', 'the chain id the node names is not the hash of its genesis: not signed');
  return { chainId, genesis };
}

/** An admin's RegisterUser for block 1, with the sealed vault: 202 while other admins' are awaited, 200 once block 1 is durable. */
export async function registerSetupAdmin(
  api: ApiClient,
  input: Omit<NewAccountInput, 'kdf'> & { token: string; keys: UserKeyPairs; kdf: KdfCosts },
) {
  const account = await newAccount(input);
  const answer = await api.answer('setupRegister', { token: input.token, ...account.request });
  return { answer, recoveryKey: account.recoveryKey, vault: account.request.vault };
}
