/**
 * ledger/: the blockchain layer's formats (DESIGN §5, §13), pure: transactions,
 * the RFC 9162 log and its proofs, blocks, attestations, genesis, and the
 * chain verifier. Hashing is a synchronous function passed in (DESIGN §3).
 */
export { LEDGER_ERRORS, ledgerError } from './errors.ts';
export type { LedgerErrorCode } from './errors.ts';
export { MERKLE_ERRORS, merkleError, isMerkleError } from './merkle-errors.ts';
export type { MerkleErrorCode } from './merkle-errors.ts';
export {
  MerkleTree, MemoryNodeStore, leafHash, nodeHash, rootOf, emptyRoot, verifyInclusion, verifyConsistency, isInclusionValid,
  isConsistencyValid, inclusionProofLength, consistencyProofLength, HASH_SIZE,
} from './merkle.ts';
export type { MerkleNodeStore, MerkleTreeOptions } from './merkle.ts';
export { parseGenesis, genesisBytes, chainIdOf, orgOfNode, DEFAULT_GENESIS_PARAMS } from './genesis.ts';
export type { Genesis, GenesisParams, GenesisOrg, GenesisAdmin, GenesisNode } from './genesis.ts';
export { parseTx, createTx, verifyTxSignature, txSigningBytes, headerJsonOf, txHashOf, bodyHashOf, txToJson, withhold, TX_VERSION } from './tx.ts';
export type { TxHeader, SignedTx, WithheldTx, ParsedTx, NewTx, ParseTxOptions } from './tx.ts';
export { logEntry, entryLeafInput, entryLeafHash, OUTCOME_OK } from './log-entry.ts';
export type { LogEntry } from './log-entry.ts';
export {
  parseBlockHeader, blockHeaderBytes, blockHash, sortWrites, changesHashOf, initialStateDigest, nextStateDigest, BLOCK_TAG,
} from './block.ts';
export type { BlockHeader, StateWrite } from './block.ts';
export { buildBlock } from './block-builder.ts';
export type { NewBlock, BuiltBlock } from './block-builder.ts';
export { parseAttestation, attestationBytes, signAttestation, isAttestationSignatureValid, genesisNodeKeys, attestationProblem } from './attestation.ts';
export type { Attestation, SignedAttestation, NodeKeys } from './attestation.ts';
export { parseSignedHead, verifySignedHead, verifyExtendsHead } from './signed-head.ts';
export type { SignedHead, CurrentLedger } from './signed-head.ts';
export { ChainVerifier, verifyChain } from './verify-chain.ts';
export type { ChainBlock, ChainEntry, ChainHead, ChainVerifierHooks, ChainVerifierOptions, ExecutionResult } from './verify-chain.ts';
export { parseLoginChallenge, loginChallengeBytes, signLoginChallenge, isLoginSignatureValid, LOGIN_ERRORS, ORIGIN } from './login.ts';
export type { LoginChallenge } from './login.ts';
