/**
 * contract/: the access-control contract (DESIGN §6), a pure deterministic
 * state machine run identically by every node and by offline verifiers. No
 * `node:` imports: it runs unchanged in browsers (clients replay it read-only).
 */
export { apply, applyBatch, PRECHECKED } from './apply.ts';
export { finishBlock, NONCE_BUCKET_MS } from './nonces.ts';
export type { BatchResult } from './apply.ts';
export { REJECT_CODES, RESERVED_CODES, OK, isRejectCode, rejectMessage } from './codes.ts';
export type { RejectCode, OutcomeCode } from './codes.ts';
export { genesisWrites } from './genesis.ts';
export type { GenesisInput, GenesisOrg, GenesisAdmin, GenesisNode } from './genesis.ts';
export { KEY } from './keys.ts';
export { IDENTITY_TX_TYPES, isIdentityTx, keyWrites, acceptedKeyWrites } from './identity.ts';
export { mayRead, directory, directoryAccess, directoryEntry, auditSubjects } from './queries.ts';
export type { ReadDecision, DirectoryEntry, DirectoryResult, DirectoryAccess, AuditSubjects } from './queries.ts';
export { read as readState, chartRecordIds, checkRole, checkGrant, isPending } from './model.ts';
export { parseBody } from './bodies.ts';
export { LIMITS, PATTERNS } from './parse.ts';
export { WRAP_ALGS } from './rules/records.ts';
export { OverlayView, MemoryStateView, assertStateWrite } from './state.ts';
export { TX_TYPES, RESERVED_TX_TYPES, ASSIGNABLE_ROLES, GRANT_SCOPES } from './types.ts';
export type * from './types.ts';
export { precheckTx, precheckAndVerify, KeyCache, PRECHECK_ERRORS } from './precheck.ts';
export type { PrecheckErrorCode } from './precheck.ts';
