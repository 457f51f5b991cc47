/** node/: the embedded ledger engine, its SQLite storage, blobs, export and verification (DESIGN §5, §7, §8). */
export { LedgerNode, initDataDir, createNodeKey, sha256, packHashes, unpackHashes, DB_FILE, NODE_KEY_FILE } from './ledger-node.ts';
export type { SubmitResult, NodeOptions } from './ledger-node.ts';
export { NODE_ERRORS, nodeError } from './errors.ts';
export { ADMISSION_REFUSALS, admissionJson, directoryQuery } from './admission-input.ts';
export type { DirectoryQuery, PageOptions } from './admission-input.ts';
export type { NodeErrorCode } from './errors.ts';
export { precheckTx, KeyCache } from './precheck.ts';
export { verifyDataDir, verifyExport, rebuildDerivedTables } from './verify.ts';
export type { VerifyReport } from './verify.ts';
export { exportLines, readBlock, EXPORT_FORMAT, ENTRIES_OF_BLOCK } from './export.ts';
export type { ExportOptions, ExportHeaderLine } from './export.ts';
export { ReplayVerifier } from './replay.ts';
export { BlobStore, BLOBS_DIR, BLOBS_TMP_DIR, BLOB_FAULTS } from './blob-store.ts';
export type { BlobStorage, ExpectedBlob, PutOptions, PutResult, BlobSummary, ByteRange, BlobReadStream, BlobFaultReason } from './blob-store.ts';
