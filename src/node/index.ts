/** node/: the embedded ledger engine, its SQLite storage, blobs, export and verification (DESIGN §5, §7, §8). */
export { LedgerNode, initDataDir, createNodeKey, sha256, packHashes, unpackHashes, ownNodeId, signedHeadOf, DB_FILE, NODE_KEY_FILE, NODE_PUBLIC_KEY_FILE } from './ledger-node.ts';
export type { SubmitResult, NodeOptions } from './ledger-node.ts';
export { NODE_ERRORS, nodeError } from './errors.ts';
export type { NodeErrorCode } from './errors.ts';
export { precheckTx, KeyCache } from './precheck.ts';
export { checkIntegrity, checkAtOpen, storageError, guardStorage, OPEN_FULL_CHECK_MAX_BYTES } from './sqlite.ts';
export { verifyDataDir, verifyExport, rebuildDerivedTables } from './verify.ts';
export type { VerifyReport, VerifyOptions, BlobReport } from './verify.ts';
export { exportLines, readBlock, readSignedHead, EXPORT_FORMAT, ENTRIES_OF_BLOCK } from './export.ts';
export type { ExportOptions, ExportHeaderLine, BlockReadOptions } from './export.ts';
export { exportLinesOf, parseExportLine } from './export-reader.ts';
export { ReplayVerifier } from './replay.ts';
export { checkRecordBlob, blobMismatch } from './blob-admission.ts';
export type { StoredBlobs, BlobShape } from './blob-admission.ts';
export { BlobStore, BLOBS_DIR, BLOBS_TMP_DIR, BLOB_FAULTS } from './blob-store.ts';
export type { BlobStorage, ExpectedBlob, PutOptions, PutResult, BlobSummary, ByteRange, BlobReadStream, BlobFaultReason } from './blob-store.ts';
