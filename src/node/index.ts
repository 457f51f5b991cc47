/** node/: the embedded ledger engine, its SQLite storage, blobs, export and verification (DESIGN §5, §7, §8). */
export { LedgerNode, initDataDir, createNodeKey, sha256, DB_FILE, NODE_KEY_FILE } from './ledger-node.ts';
export type { SubmitResult, NodeOptions } from './ledger-node.ts';
export { NODE_ERRORS, nodeError } from './errors.ts';
export type { NodeErrorCode } from './errors.ts';
export { precheckTx, KeyCache } from './precheck.ts';
export { verifyDataDir, verifyExport, rebuildDerivedTables } from './verify.ts';
export type { VerifyReport, BlobVerifier } from './verify.ts';
export { exportLines, readBlock, EXPORT_FORMAT } from './export.ts';
export type { ExportOptions, ExportHeaderLine } from './export.ts';
export { ReplayVerifier } from './replay.ts';
