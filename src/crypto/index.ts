/**
 * crypto/: the security layer (DESIGN §3, §4). WebCrypto only; runs unchanged
 * in Node and browsers; pure (no I/O, no clock: times come in as arguments).
 */
export { ALG, RSA_MODULUS_BITS, PSS_SALT_LENGTH } from './algorithms.ts';
export {
  toHex, fromHex, toBase64url, fromBase64url, utf8, concatBytes, equalBytes, u32be, readU32be, randomBytes, compareUtf8,
} from './bytes.ts';
export { canonicalJson, canonicalJsonUnrestricted, canonicalBytes, taggedBytes, isWellFormedText, DOMAIN_TAGS, MAX_JSON_DEPTH } from './canonical.ts';
export type { JsonValue, DomainTag, CanonicalOptions } from './canonical.ts';
export { DhlError, isDhlError, defineErrors, withDetails, CRYPTO_ERRORS, cryptoError } from './errors.ts';
export type { CryptoErrorCode, ErrorDetails } from './errors.ts';
export { sha256 } from './hash.ts';
export type { SyncHash } from './hash.ts';
export {
  generateKeyPair, generateUserKeys, exportSpki, importSpki, exportPkcs8, importPkcs8, keyId, keyIdOfSpki, fingerprint,
  exportJwk, importJwk, exportPem, importPem, encodePem, decodePem,
} from './keys.ts';
export type { KeyUse, UserKeyPairs } from './keys.ts';
export { ByteReader } from './byte-reader.ts';
export type { ByteReaderOptions } from './byte-reader.ts';
export { CipherRootBuilder, ChunkVerifier, cipherRootOfLeafInputs, chunkLeafInput } from './cipher-root.ts';
export {
  encryptEnvelope, decryptEnvelope, generateDek, encodeEnvelopeHeader, parseEnvelopeHeader, readEnvelopeHeader, chunkNonce, contentSizeRange,
  isValidChunkSize, DEK_BYTES, GCM_TAG_BYTES, MIN_CHUNK_SIZE, MAX_CHUNK_SIZE, DEFAULT_CHUNK_SIZE,
} from './envelope.ts';
export type {
  EnvelopeContext, EnvelopeHeader, StoredChunk, EnvelopeSummary, EncryptOptions, DecryptOptions, DecryptResult, ByteSource, ChunkSink,
} from './envelope.ts';
export { wrapDek, unwrapDek, wrapLabel } from './wrap.ts';
export type { WrapContext, WrappedKey } from './wrap.ts';
export { signBytes, verifyBytes, signDetached, assertDetached } from './signature.ts';
export type { DetachedSignature } from './signature.ts';
export { parseManifest, manifestSigningBytes, signManifest, verifyManifest, USERNAME_PATTERN, usernameSkeleton } from './manifest.ts';
export type { Manifest, SignedManifest } from './manifest.ts';
export {
  createVault, openVault, OpenedVault, sealVault, passphraseSecrets, recoverySecrets, generateRecoveryKey, newArgon2idParams,
  passphraseKdf, keyGeneration, importGeneration, DEFAULT_ARGON2ID, VAULT_VERSION, sealLocal, openLocal,
} from './vault.ts';
export type {
  Argon2idParams, SealedVault, VaultSlot, VaultContents, VaultKeyGeneration, SlotSecrets, SlotKind, NewSlot, NewVault, UnsealedKeys, LocallySealed,
} from './vault.ts';
