/** client/: the client-side flows shared by the CLI and the web app (DESIGN §3). */
export { sealRecord, openRecord, newRecordId } from './record-crypto.ts';
export type { SealRecordInput, SealedRecord, OpenRecordInput } from './record-crypto.ts';
export { signTx, DEFAULT_TX_LIFETIME_MS } from './transactions.ts';
export type { Signer, TxOptions } from './transactions.ts';
export { ApiClient, CSRF_HEADER, errorOf } from './api-client.ts';
export type { ApiClientOptions, Answer, CallArgs } from './api-client.ts';
export { Reads, allPages, verifyProvenEntry, verifyUserView } from './reads.ts';
export type { PageInput } from './reads.ts';
export {
  newAccount, register, login, unlockVault, changePassphrase, joinSetup, checkSetupGenesis, registerSetupAdmin, publicKeysOf,
} from './account.ts';
export type { NewAccount, NewAccountInput, LoginInput, LoginSecret, LoggedIn, Unlocked, PublicKeys, KdfOptions } from './account.ts';
export { sealPendingKeys, openPendingKeys } from './pending-keys.ts';
export { prepareRotation, rotationTx, storeRotatedVault } from './rotation.ts';
export type { PreparedRotation } from './rotation.ts';

/**
 * The core the interface layers use, through the client (DESIGN §3: cli/ and
 * web/ import client/ only): errors, keys and their fingerprints, encodings,
 * envelopes, wrapping, and the genesis they check.
 */
export {
  DhlError, isDhlError, canonicalJson, fingerprint, generateUserKeys, keyId, keyIdOfSpki, importSpki, decodePem, exportPem, randomBytes, toBase64url,
  fromBase64url, fromHex, toHex, utf8, sha256, parseEnvelopeHeader, unwrapDek, wrapDek, USERNAME_PATTERN, usernameSkeleton, sealLocal, openLocal,
  verifyManifest,
} from '../crypto/index.ts';
export type { JsonValue, UserKeyPairs, UnsealedKeys, SealedVault, ErrorDetails, ByteSource, WrappedKey } from '../crypto/index.ts';
export { defineErrors } from '../crypto/index.ts';
export { DEFAULT_GENESIS_PARAMS, ledgerError, chainIdOf, parseGenesis, entryLeafHash, verifyInclusion } from '../ledger/index.ts';
export type { Genesis } from '../ledger/index.ts';
/** The error table (every code of every layer with its HTTP status): the CLI maps codes to exit classes from it. */
export { statusOf, ERROR_STATUS, REFUSAL_KINDS } from '../protocol/index.ts';
export type { SetupState, Status, LoginFinishResult, KdfCosts, TxResult, SignedHead, RefusalKindName } from '../protocol/index.ts';
/** The contract's refusal codes with their messages (the one registry): the web says a refused entry's outcome in these words. */
export { REJECT_CODES, isRejectCode, rejectMessage } from '../contract/codes.ts';
export type { RejectCode } from '../contract/codes.ts';

// Encrypted files over HTTP and the flows on them (issue 19).
export { CLIENT_ERRORS, clientError } from './errors.ts';
export type { ClientErrorCode } from './errors.ts';
export { FileTransfer, storedSizeOf, contentDigest } from './files.ts';
export type { TransferOptions } from './files.ts';
export { HeadKeeper, MemoryHeadStore } from './head-store.ts';
export type { HeadStore, KeptHeads, ConsistencySource, HeadKeeperOptions } from './head-store.ts';
export { MemoryResumeStore } from './resume-store.ts';
export type { ResumeStore, UploadResume } from './resume-store.ts';
export { identityOf, submit, submitOk, submitSigned } from './flows/context.ts';
export type { ClientContext, Identity } from './flows/context.ts';
export { uploadBlob, uploadRecord, ledgerRecord, readRecord } from './flows/records.ts';
export type { UploadInput, Uploaded, ReadInput } from './flows/records.ts';
export { approve, closeRequest, deny, withdraw, requestAccess, revoke, revokeAndRekey } from './flows/access.ts';
export type { ProvenKey, AccessRequest, Approval, GrantedVersion, Rekey } from './flows/access.ts';
export { acceptHead, consistencyFrom, openClient, ownWrap, provenKey, trustedGenesis, verifyRecord } from './flows/ledger.ts';
export type { OpenedClient, VerifiedVersion } from './flows/ledger.ts';
export {
  addVersion, approveRequest, auditTrail, contribute, directory, notifications, readFromLedger, requests, revokeAndRekeyFromLedger, setListing, standingGrantees,
} from './flows/chart.ts';
export { provenUser, revokeRole, roleHolder } from './flows/roles.ts';
export type { RoleHolder, RoleName } from './flows/roles.ts';
export { checkBlock, checkConsistency, checkHead, checkInclusion } from './flows/explorer.ts';
export type { AttestationCheck, BlockCheck, Check, ConsistencyCheck, HeadCheck, InclusionCheck } from './flows/explorer.ts';
