/** client/: the client-side flows shared by the CLI and the web app (DESIGN §3). */
export { sealRecord, openRecord, newRecordId } from './record-crypto.ts';
export type { SealRecordInput, SealedRecord, OpenRecordInput } from './record-crypto.ts';
export { signTx, DEFAULT_TX_LIFETIME_MS } from './transactions.ts';
export type { Signer, TxOptions } from './transactions.ts';
export { ApiClient, CSRF_HEADER, errorOf } from './api-client.ts';
export type { ApiClientOptions, Answer, CallArgs } from './api-client.ts';
export { Reads, allPages, verifyProvenEntry, verifyUserView } from './reads.ts';
export type { PageInput } from './reads.ts';
export { newAccount, register, login, changePassphrase, joinSetup, checkSetupGenesis, registerSetupAdmin, publicKeysOf } from './account.ts';
export type { NewAccount, NewAccountInput, LoginInput, LoginSecret, LoggedIn, PublicKeys, KdfOptions } from './account.ts';

/**
 * The core the interface layers use, through the client (DESIGN §3: cli/ and
 * web/ import client/ only): errors, keys and their fingerprints, encodings,
 * envelopes, wrapping, and the genesis they check.
 */
export {
  DhlError, isDhlError, canonicalJson, fingerprint, generateUserKeys, keyId, keyIdOfSpki, importSpki, decodePem, exportPem, randomBytes, toBase64url,
  fromBase64url, toHex, utf8, sha256, parseEnvelopeHeader, unwrapDek, wrapDek, USERNAME_PATTERN, usernameSkeleton,
} from '../crypto/index.ts';
export type { JsonValue, UserKeyPairs, UnsealedKeys } from '../crypto/index.ts';
export { DEFAULT_GENESIS_PARAMS, ledgerError } from '../ledger/index.ts';
export type { Genesis } from '../ledger/index.ts';
export type { SetupState, Status, LoginFinishResult, KdfCosts } from '../protocol/index.ts';
