/** node/: admission → orderer → block executor → ledger store, blobs, export and verify (DESIGN §3, §5, §7, §8). */
export { LedgerNode } from './ledger-node.ts';
export type { SubmitResult, NodeOptions } from './ledger-node.ts';
export { initDataDir, createNodeKey, loadNodeKey, DB_FILE, NODE_KEY_FILE, NODE_PUBLIC_KEY_FILE } from './data-dir.ts';
export type { NodeKey } from './data-dir.ts';
export { sha256 } from './hash.ts';
export { packHashes, unpackHashes } from './store/index.ts';
export { BlockExecutor } from './block-executor.ts';
export type { BatchItem, AdmittedTx, ExecutorBatch, ExecutionTarget, ExecutedBlock } from './block-executor.ts';
export { NODE_ERRORS, nodeError } from './errors.ts';
export type { NodeErrorCode } from './errors.ts';
export { verifyDataDir, verifyExport, rebuildDerivedTables } from './verify.ts';
export type { VerifyReport } from './verify.ts';
export { exportLines, readBlock, EXPORT_FORMAT, ENTRIES_OF_BLOCK } from './export.ts';
export type { ExportOptions, ExportHeaderLine } from './export.ts';
export { ReplayVerifier } from './replay.ts';
export { BlobStore, BLOBS_DIR, BLOBS_TMP_DIR, BLOB_FAULTS } from './blob-store.ts';
export type { BlobStorage, ExpectedBlob, PutOptions, PutResult, BlobSummary, ByteRange, BlobReadStream, BlobFaultReason } from './blob-store.ts';
