/**
 * The signed record manifest (DESIGN §4, §13): what a record version is, signed
 * by its author. Signed bytes = "dhl/manifest/v1\n" ‖ JCS(manifest).
 */
import { taggedBytes, DOMAIN_TAGS } from './canonical.ts';
import { isValidChunkSize } from './envelope.ts';
import { cryptoError } from './errors.ts';
import { keyId as keyIdOf } from './keys.ts';
import { assertDetached, signDetached, type DetachedSignature } from './signature.ts';

/** A type alias (not an interface) so it fits structural JSON types, e.g. the contract's state values. */
export type Manifest = {
  chain: string;
  recordId: string;
  version: number;
  patient: string;
  author: string;
  authorKeyId: string;
  title: string;
  mediaType: string;
  size: number;
  chunkSize: number;
  cipherRoot: string;
  createdAt: number;
};

export interface SignedManifest {
  manifest: Manifest;
  signature: DetachedSignature;
}

/**
 * Usernames (DESIGN §2): 3 to 32 of `[a-z0-9._-]`, starting and ending with a
 * letter or digit, never two separators in a row. (That two names differing
 * only in separators cannot both exist is the contract's rule: it needs state.)
 */
export const USERNAME_PATTERN = /^(?=.{3,32}$)[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** A username without its separators: names with one skeleton (`raj`, `r.aj`, `ra-j`) are lookalikes, and only one may exist. */
export function usernameSkeleton(username: string): string {
  return username.replace(/[._-]/g, '');
}
const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/;
const FIELDS = ['author', 'authorKeyId', 'chain', 'chunkSize', 'cipherRoot', 'createdAt', 'mediaType', 'patient', 'recordId', 'size', 'title', 'version'];

/** Validates an untrusted value as a manifest; names the first bad field. */
export function parseManifest(value: unknown): Manifest {
  const bad = (field: string) => cryptoError('MANIFEST_INVALID', { field });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('$');
  const m = value as Record<string, unknown>;
  const keys = Object.keys(m).sort();
  if (keys.join(',') !== FIELDS.join(',')) throw bad(keys.find((k) => !FIELDS.includes(k)) ?? FIELDS.find((f) => !(f in m)) ?? '$');
  const isInt = (x: unknown, min: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
  if (typeof m.chain !== 'string' || !HEX64.test(m.chain)) throw bad('chain');
  if (typeof m.recordId !== 'string' || !HEX32.test(m.recordId)) throw bad('recordId');
  if (!isInt(m.version, 1)) throw bad('version');
  if (typeof m.patient !== 'string' || !USERNAME_PATTERN.test(m.patient)) throw bad('patient');
  if (typeof m.author !== 'string' || !USERNAME_PATTERN.test(m.author)) throw bad('author');
  if (typeof m.authorKeyId !== 'string' || !HEX64.test(m.authorKeyId)) throw bad('authorKeyId');
  if (typeof m.title !== 'string' || m.title.length < 1 || m.title.length > 200) throw bad('title');
  if (typeof m.mediaType !== 'string' || !MEDIA_TYPE.test(m.mediaType)) throw bad('mediaType');
  if (!isInt(m.size, 0)) throw bad('size');
  if (!isValidChunkSize(m.chunkSize)) throw bad('chunkSize');
  if (typeof m.cipherRoot !== 'string' || !HEX64.test(m.cipherRoot)) throw bad('cipherRoot');
  if (!isInt(m.createdAt, 0)) throw bad('createdAt');
  return { ...(m as unknown as Manifest) };
}

export function manifestSigningBytes(manifest: Manifest): Uint8Array {
  return taggedBytes(DOMAIN_TAGS.manifest, parseManifest(manifest));
}

export async function signManifest(manifest: Manifest, authorSigPrivateKey: CryptoKey): Promise<SignedManifest> {
  const bytes = manifestSigningBytes(manifest);
  return { manifest: parseManifest(manifest), signature: await signDetached(authorSigPrivateKey, manifest.authorKeyId, bytes) };
}

/** Checks the manifest's shape, that the signing key is `authorKeyId`, and the signature. */
export async function verifyManifest(signed: SignedManifest, authorSigPublicKey: CryptoKey): Promise<Manifest> {
  const manifest = parseManifest(signed.manifest);
  const actualKeyId = await keyIdOf(authorSigPublicKey);
  if (actualKeyId !== manifest.authorKeyId || signed.signature.keyId !== manifest.authorKeyId) {
    throw cryptoError('KEY_ID_MISMATCH', { where: 'manifest', recordId: manifest.recordId });
  }
  await assertDetached(authorSigPublicKey, signed.signature, manifestSigningBytes(manifest), 'manifest');
  return manifest;
}
