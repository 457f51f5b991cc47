/**
 * The vault (DESIGN §2, §4): the user's private keys, with their history,
 * sealed on the client. Argon2id (memory-hard, WASM so browsers run it too)
 * turns the passphrase into a master key; HKDF splits it into an auth key (sent
 * to the node, which keeps only an HMAC of it) and a slot key. Each slot (the
 * passphrase, a recovery key, later a passkey) wraps the same random vault key;
 * the vault key seals the contents. Opening needs one slot; the node never can.
 */
import { argon2id } from 'hash-wasm';
import { asBufferSource, fromBase64url, randomBytes, toBase64url, toHex, utf8 } from './bytes.ts';
import { canonicalBytes, type JsonValue } from './canonical.ts';
import { cryptoError } from './errors.ts';
import { exportPkcs8, exportSpki, importPkcs8, keyIdOfSpki, type UserKeyPairs } from './keys.ts';

export const VAULT_VERSION = 1;
export const VAULT_ALG = 'A256GCM';

export interface Argon2idParams {
  alg: 'argon2id';
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  /** base64url, 16 bytes. */
  salt: string;
}

/** Bitwarden's and OWASP's range for interactive logins: 64 MiB, 3 passes. */
export const DEFAULT_ARGON2ID = Object.freeze({ memoryKiB: 65536, iterations: 3, parallelism: 1 });
/** Floor below which a vault is refused: OWASP's minimum (19 MiB, 2 passes). */
const MIN_ARGON2ID = Object.freeze({ memoryKiB: 19456, iterations: 2 });

export type SlotKind = 'passphrase' | 'recovery';

export interface VaultSlot {
  kind: SlotKind;
  kdf?: Argon2idParams;
  iv: string;
  wrappedKey: string;
}

export interface SealedVault {
  v: typeof VAULT_VERSION;
  alg: typeof VAULT_ALG;
  username: string;
  slots: VaultSlot[];
  iv: string;
  sealed: string;
}

/** One generation of a user's keys, PKCS#8 and SPKI in base64url. */
export interface VaultKeyGeneration {
  createdAt: number;
  enc: { keyId: string; spki: string; pkcs8: string };
  sig: { keyId: string; spki: string; pkcs8: string };
}

export interface VaultContents {
  username: string;
  /** Oldest first; the last is current. Old generations open old wraps. */
  generations: VaultKeyGeneration[];
}

/** What one secret (passphrase or recovery key) yields: the auth key for the node, the slot key for the client. */
export interface SlotSecrets {
  kind: SlotKind;
  /** Hex; sent to the node at login, which stores HMAC(node secret, authKey). */
  authKey: string;
  slotKey: CryptoKey;
}

async function hkdf(ikm: Uint8Array, info: string, usage: 'auth' | 'slot'): Promise<Uint8Array | CryptoKey> {
  const base = await globalThis.crypto.subtle.importKey('raw', asBufferSource(ikm), 'HKDF', false, ['deriveBits', 'deriveKey']);
  const params = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: asBufferSource(utf8.encode(info)) };
  if (usage === 'auth') return new Uint8Array(await globalThis.crypto.subtle.deriveBits(params, base, 256));
  return globalThis.crypto.subtle.deriveKey(params, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

async function secretsFromMaster(kind: SlotKind, master: Uint8Array): Promise<SlotSecrets> {
  const authKey = (await hkdf(master, `dhl/vault/auth/v1\n${kind}`, 'auth')) as Uint8Array;
  const slotKey = (await hkdf(master, `dhl/vault/slot/v1\n${kind}`, 'slot')) as CryptoKey;
  return { kind, authKey: toHex(authKey), slotKey };
}

export function newArgon2idParams(overrides: Partial<Omit<Argon2idParams, 'alg' | 'salt'>> = {}): Argon2idParams {
  return { alg: 'argon2id', ...DEFAULT_ARGON2ID, ...overrides, salt: toBase64url(randomBytes(16)) };
}

function checkKdf(kdf: Argon2idParams, allowWeak: boolean): void {
  const ok =
    kdf?.alg === 'argon2id' &&
    Number.isSafeInteger(kdf.memoryKiB) && Number.isSafeInteger(kdf.iterations) && Number.isSafeInteger(kdf.parallelism) &&
    kdf.memoryKiB >= 8 * kdf.parallelism && kdf.memoryKiB <= 4 * 1024 * 1024 && kdf.iterations >= 1 && kdf.iterations <= 64 &&
    kdf.parallelism >= 1 && kdf.parallelism <= 16 && typeof kdf.salt === 'string';
  if (!ok) throw cryptoError('ALG_UNKNOWN', { where: 'vault kdf' });
  if (!allowWeak && (kdf.memoryKiB < MIN_ARGON2ID.memoryKiB || kdf.iterations < MIN_ARGON2ID.iterations)) {
    throw cryptoError('ARGUMENT_INVALID', { argument: 'kdf', expected: 'at least 19 MiB and 2 passes' });
  }
}

export interface PassphraseOptions {
  /** Tests may use cheap parameters; products never pass this. */
  allowWeakKdf?: boolean;
}

export async function passphraseSecrets(passphrase: string, kdf: Argon2idParams, options: PassphraseOptions = {}): Promise<SlotSecrets> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw cryptoError('ARGUMENT_INVALID', { argument: 'passphrase', expected: 'non-empty string' });
  checkKdf(kdf, options.allowWeakKdf ?? false);
  const master = await argon2id({
    password: passphrase.normalize('NFKC'),
    salt: fromBase64url(kdf.salt, 'kdf.salt'),
    memorySize: kdf.memoryKiB,
    iterations: kdf.iterations,
    parallelism: kdf.parallelism,
    hashLength: 32,
    outputType: 'binary',
  });
  return secretsFromMaster('passphrase', master);
}

/** Crockford base32, grouped: 256 random bits, readable aloud, no I/L/O/U. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function generateRecoveryKey(): string {
  const bytes = randomBytes(32);
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >>> bits) & 31];
    }
  }
  if (bits > 0) out += CROCKFORD[(acc << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join('-');
}

export async function recoverySecrets(recoveryKey: string): Promise<SlotSecrets> {
  const normalised = typeof recoveryKey === 'string'
    ? recoveryKey.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
    : '';
  if (!/^[0-9A-HJKMNP-TV-Z]{52}$/.test(normalised)) throw cryptoError('ARGUMENT_INVALID', { argument: 'recoveryKey', expected: '52 base32 characters' });
  // A recovery key is already 256 random bits: HKDF alone is the right KDF.
  return secretsFromMaster('recovery', utf8.encode(normalised));
}

async function aesSeal(key: CryptoKey, plain: Uint8Array, aad: Uint8Array): Promise<{ iv: string; ct: string }> {
  const iv = randomBytes(12);
  const ct = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: asBufferSource(iv), additionalData: asBufferSource(aad) }, key, asBufferSource(plain));
  return { iv: toBase64url(iv), ct: toBase64url(new Uint8Array(ct)) };
}

async function aesOpen(key: CryptoKey, iv: string, ct: string, aad: Uint8Array): Promise<Uint8Array> {
  try {
    return new Uint8Array(
      await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: asBufferSource(fromBase64url(iv)), additionalData: asBufferSource(aad) },
        key,
        asBufferSource(fromBase64url(ct)),
      ),
    );
  } catch (cause) {
    throw cryptoError('VAULT_OPEN_FAILED', {}, cause);
  }
}

const slotAad = (username: string, kind: SlotKind, kdf?: Argon2idParams) =>
  canonicalBytes({ tag: 'dhl/vault/slot/v1', username, kind, ...(kdf ? { kdf } : {}) });
const contentsAad = (username: string) => canonicalBytes({ tag: 'dhl/vault/v1', username });

export async function keyGeneration(keys: UserKeyPairs, createdAt: number): Promise<VaultKeyGeneration> {
  const part = async (pair: CryptoKeyPair) => {
    const spki = await exportSpki(pair.publicKey);
    return { keyId: await keyIdOfSpki(spki), spki: toBase64url(spki), pkcs8: toBase64url(await exportPkcs8(pair.privateKey)) };
  };
  return { createdAt, enc: await part(keys.enc), sig: await part(keys.sig) };
}

export interface NewSlot {
  secrets: SlotSecrets;
  kdf?: Argon2idParams;
}

async function wrapSlot(vaultKeyBytes: Uint8Array, username: string, { secrets, kdf }: NewSlot): Promise<VaultSlot> {
  const { iv, ct } = await aesSeal(secrets.slotKey, vaultKeyBytes, slotAad(username, secrets.kind, kdf));
  return { kind: secrets.kind, ...(kdf ? { kdf } : {}), iv, wrappedKey: ct };
}

async function sealContents(vaultKeyBytes: Uint8Array, contents: VaultContents, slots: VaultSlot[]): Promise<SealedVault> {
  const vaultKey = await globalThis.crypto.subtle.importKey('raw', asBufferSource(vaultKeyBytes), 'AES-GCM', false, ['encrypt']);
  const { iv, ct } = await aesSeal(vaultKey, canonicalBytes(contents), contentsAad(contents.username));
  return { v: VAULT_VERSION, alg: VAULT_ALG, username: contents.username, slots, iv, sealed: ct };
}

/** Seals `contents` under a fresh vault key, one slot per secret. */
export async function sealVault(contents: VaultContents, slots: NewSlot[]): Promise<SealedVault> {
  if (slots.length === 0) throw cryptoError('ARGUMENT_INVALID', { argument: 'slots', expected: 'at least one' });
  const vaultKeyBytes = randomBytes(32);
  const sealedSlots: VaultSlot[] = [];
  for (const slot of slots) sealedSlots.push(await wrapSlot(vaultKeyBytes, contents.username, slot));
  return sealContents(vaultKeyBytes, contents, sealedSlots);
}

function checkVaultShape(vault: SealedVault): void {
  const ok =
    typeof vault === 'object' && vault !== null && vault.v === VAULT_VERSION && typeof vault.username === 'string' &&
    Array.isArray(vault.slots) && typeof vault.iv === 'string' && typeof vault.sealed === 'string';
  if (!ok) throw cryptoError('VAULT_INVALID', {});
  if (vault.alg !== VAULT_ALG) throw cryptoError('ALG_UNKNOWN', { where: 'vault' });
}

/** The KDF parameters a login needs before it can derive anything. */
export function passphraseKdf(vault: SealedVault): Argon2idParams {
  checkVaultShape(vault);
  const slot = vault.slots.find((s) => s.kind === 'passphrase');
  if (!slot?.kdf) throw cryptoError('VAULT_INVALID', { reason: 'no passphrase slot' });
  return slot.kdf;
}

/**
 * An opened vault. It keeps the vault key so that a key rotation reseals new
 * contents, and a passphrase change rewraps one slot, without needing the other
 * slots' secrets (the recovery key is shown once and never kept).
 */
export class OpenedVault {
  private constructor(
    private readonly vault: SealedVault,
    private readonly vaultKeyBytes: Uint8Array,
    readonly contents: VaultContents,
  ) {}

  static async open(vault: SealedVault, secrets: SlotSecrets): Promise<OpenedVault> {
    checkVaultShape(vault);
    const slot = vault.slots.find((s) => s.kind === secrets.kind);
    if (!slot) throw cryptoError('VAULT_OPEN_FAILED', { reason: `no ${secrets.kind} slot` });
    const vaultKeyBytes = await aesOpen(secrets.slotKey, slot.iv, slot.wrappedKey, slotAad(vault.username, slot.kind, slot.kdf));
    const vaultKey = await globalThis.crypto.subtle.importKey('raw', asBufferSource(vaultKeyBytes), 'AES-GCM', false, ['decrypt']);
    const plain = await aesOpen(vaultKey, vault.iv, vault.sealed, contentsAad(vault.username));
    const contents = JSON.parse(utf8.decode(plain)) as VaultContents;
    if (contents.username !== vault.username || !Array.isArray(contents.generations) || contents.generations.length === 0) {
      throw cryptoError('VAULT_INVALID', { reason: 'contents' });
    }
    return new OpenedVault(vault, vaultKeyBytes, contents);
  }

  get current(): VaultKeyGeneration {
    return this.contents.generations[this.contents.generations.length - 1]!;
  }

  /** Key rotation: appends a generation, keeping the old ones for old wraps. */
  async withGeneration(generation: VaultKeyGeneration): Promise<SealedVault> {
    const contents = { ...this.contents, generations: [...this.contents.generations, generation] };
    return sealContents(this.vaultKeyBytes, contents, this.vault.slots);
  }

  /**
   * A key for what a client keeps beside the vault on its own disk (the CLI's
   * resume states): HKDF-SHA-256 of the vault key with info
   * `dhl/vault/local/v1\n<purpose>`, non-extractable AES-256-GCM. Whoever opens
   * the vault can derive it; the node, which never can, cannot.
   */
  localKey(purpose: string): Promise<CryptoKey> {
    if (typeof purpose !== 'string' || purpose.length === 0) throw cryptoError('ARGUMENT_INVALID', { argument: 'purpose', expected: 'non-empty string' });
    return hkdf(this.vaultKeyBytes, `dhl/vault/local/v1\n${purpose}`, 'slot') as Promise<CryptoKey>;
  }

  /** Passphrase change (or a new slot kind): replaces the slot of that kind. */
  async withSlot(slot: NewSlot): Promise<SealedVault> {
    const slots = [...this.vault.slots.filter((s) => s.kind !== slot.secrets.kind), await wrapSlot(this.vaultKeyBytes, this.vault.username, slot)];
    return { ...this.vault, slots };
  }
}

/** A value sealed under a vault's local key: `{v: 1, iv, sealed}`, AES-256-GCM over JCS(value) with AAD JCS({tag: "dhl/vault/local/v1", purpose}). */
export interface LocallySealed {
  v: 1;
  iv: string;
  sealed: string;
}

const localAad = (purpose: string) => canonicalBytes({ tag: 'dhl/vault/local/v1', purpose });

export async function sealLocal(key: CryptoKey, purpose: string, value: JsonValue): Promise<LocallySealed> {
  const { iv, ct } = await aesSeal(key, canonicalBytes(value), localAad(purpose));
  return { v: 1, iv, sealed: ct };
}

/** Opens what sealLocal sealed for the same purpose; anything else (another key, purpose, an altered byte) is VAULT_OPEN_FAILED. */
export async function openLocal(key: CryptoKey, purpose: string, sealed: LocallySealed): Promise<JsonValue> {
  if (typeof sealed !== 'object' || sealed === null || sealed.v !== 1 || typeof sealed.iv !== 'string' || typeof sealed.sealed !== 'string') {
    throw cryptoError('VAULT_INVALID', { reason: 'locally sealed value' });
  }
  return JSON.parse(utf8.decode(await aesOpen(key, sealed.iv, sealed.sealed, localAad(purpose)))) as JsonValue;
}

export async function openVault(vault: SealedVault, secrets: SlotSecrets): Promise<VaultContents> {
  return (await OpenedVault.open(vault, secrets)).contents;
}

export interface UnsealedKeys {
  enc: { keyId: string; privateKey: CryptoKey };
  sig: { keyId: string; privateKey: CryptoKey };
}

/** Imports one generation's private keys (non-extractable) for use. */
export async function importGeneration(generation: VaultKeyGeneration): Promise<UnsealedKeys> {
  return {
    enc: { keyId: generation.enc.keyId, privateKey: await importPkcs8('enc', fromBase64url(generation.enc.pkcs8)) },
    sig: { keyId: generation.sig.keyId, privateKey: await importPkcs8('sig', fromBase64url(generation.sig.pkcs8)) },
  };
}

export interface NewVault {
  vault: SealedVault;
  /** Shown to the user once, never stored by the node. */
  recoveryKey: string;
  /** Hex auth keys per slot; the node keeps HMAC(node secret, authKey) of each. */
  authKeys: Record<SlotKind, string>;
}

/** Registration: seals the first key generation under a passphrase and a fresh recovery key. */
export async function createVault(
  username: string,
  keys: UserKeyPairs,
  passphrase: string,
  createdAt: number,
  options: PassphraseOptions & { kdf?: Argon2idParams } = {},
): Promise<NewVault> {
  const kdf = options.kdf ?? newArgon2idParams();
  const pass = await passphraseSecrets(passphrase, kdf, options);
  const recoveryKey = generateRecoveryKey();
  const recovery = await recoverySecrets(recoveryKey);
  const contents: VaultContents = { username, generations: [await keyGeneration(keys, createdAt)] };
  const vault = await sealVault(contents, [{ secrets: pass, kdf }, { secrets: recovery }]);
  return { vault, recoveryKey, authKeys: { passphrase: pass.authKey, recovery: recovery.authKey } };
}
