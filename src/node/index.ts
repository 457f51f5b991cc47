/** node/: admission → orderer → block executor → ledger store, blobs, export and verify (DESIGN §3, §5, §7, §8). */
export { LedgerNode } from './ledger-node.ts';
export type { SubmitResult, NodeOptions, UploadOptions } from './ledger-node.ts';
export { Uploads, DEFAULT_UPLOAD_LIMITS } from './uploads.ts';
export type { UploadLimits, UploadView, CompletedUpload, UsageView, SweepResult } from './uploads.ts';
export type {
  ReadFacade, EntryView, AuditEntryView, ProvenEntry, KeyView, RoleView, UserView, Page, RequestFilter, GrantFilter, ExportRequest,
  GrantView, GrantStatus, MemberView, NotificationView, RequestView, RequestStatusView, RefusalKind, RefusalView,
} from './read-facade.ts';
export { RefusalLog, REFUSALS_FILE, NODE_REFUSAL_KINDS, DEFAULT_REFUSALS_KEPT } from './store/refusal-log.ts';
export type { NodeRefusal, NodeRefusalInput, NodeRefusalKind, RefusalSource, RefusalLogOptions } from './store/refusal-log.ts';
export { initDataDir, createNodeKey, loadNodeKey, ownNodeId, signedHeadOf, DB_FILE, NODE_KEY_FILE, NODE_PUBLIC_KEY_FILE } from './data-dir.ts';
export type { NodeKey } from './data-dir.ts';
export { sha256 } from './hash.ts';
export { packHashes, unpackHashes } from './store/index.ts';
export { BlockExecutor, applyTransactions } from './block-executor.ts';
export type { BatchItem, AdmittedTx, ExecutorBatch, ExecutionTarget, ExecutedBlock, PrecheckPolicy, AppliedTransactions } from './block-executor.ts';
export { NODE_ERRORS, nodeError } from './errors.ts';
export { ADMISSION_REFUSALS, admissionJson, directoryQuery } from './admission-input.ts';
export type { DirectoryQuery, PageOptions } from './admission-input.ts';
export type { NodeErrorCode } from './errors.ts';
export { checkIntegrity, checkAtOpen, storageError, guardStorage, OPEN_FULL_CHECK_MAX_BYTES } from './store/index.ts';
export { verifyDataDir, verifyExport, rebuildDerivedTables } from './verify.ts';
export type { VerifyReport, VerifyOptions, BlobReport } from './verify.ts';
export { exportLines, EXPORT_FORMAT } from './export.ts';
export type { ExportOptions, ExportHeaderLine } from './export.ts';
export { LedgerReader, ENTRIES_OF_BLOCK } from './store/index.ts';
export type { BlockReadOptions } from './store/index.ts';
export { exportLinesOf, parseExportLine } from './export-reader.ts';
export { ReplayVerifier } from './replay.ts';
export { checkRecordBlob, blobMismatch } from './blob-admission.ts';
export type { StoredBlobs, BlobShape } from './blob-admission.ts';
export { BlobStore, BLOBS_DIR, BLOBS_TMP_DIR, BLOBS_UPLOADS_DIR, BLOB_FAULTS } from './blob-store.ts';
export type { BlobStorage, ExpectedBlob, PutOptions, PutResult, BlobSummary, ByteRange, BlobReadStream, BlobFaultReason } from './blob-store.ts';
export { AccountStore, ACCOUNTS_FILE, DEFAULT_KDF_COSTS } from './store/accounts.ts';
export type { KdfCosts, KdfParams, NewRegistration, Session, SessionKind, Slot, FailedLogins } from './store/accounts.ts';
export { ensureNodeKey, checkAdminKeys, firstRunGenesis, checkAdminRegistration, dryRunBlock, parseTxHash } from './first-run.ts';
export type { FirstAdmin, AdminRegistrationCheck } from './first-run.ts';
export type { SignedHead } from '../ledger/index.ts';
export { DhlError, isDhlError, defineErrors } from '../crypto/index.ts';
