/** The ledger's error registry (STYLE §5): formats and chain verification. */
import { defineErrors } from '../crypto/errors.ts';

export const LEDGER_ERRORS = defineErrors({
  GENESIS_INVALID: 'genesis document is malformed',
  TX_MALFORMED: 'transaction is malformed',
  TX_CHAIN_MISMATCH: 'transaction names another chain',
  TX_BODY_HASH_MISMATCH: 'transaction body does not match its bodyHash',
  TX_SIGNATURE_INVALID: 'transaction signature does not verify',
  TX_KEY_UNKNOWN: 'transaction is signed by a key the chain does not know',
  BLOCK_MALFORMED: 'block is malformed',
  ATTESTATION_MALFORMED: 'attestation is malformed',
  CHAIN_GENESIS_MISMATCH: 'genesis does not hash to the trusted chain id',
  CHAIN_HEIGHT_GAP: 'block height does not follow the previous block',
  CHAIN_PREV_HASH_MISMATCH: 'block does not link to the previous block hash',
  CHAIN_TIME_REGRESSION: 'block time is earlier than the previous block time',
  CHAIN_SEQ_MISMATCH: 'block firstSeq or treeSize does not continue the log',
  CHAIN_EMPTY_BLOCK: 'block has no entries',
  CHAIN_BLOCK_TOO_LARGE: 'block has more entries than the genesis maxBlockTxs allows',
  CHAIN_TX_HASH_MISMATCH: 'entry names a transaction hash its transaction does not have',
  CHAIN_ENTRIES_ROOT_MISMATCH: 'entriesRoot does not match the block entries',
  CHAIN_TREE_ROOT_MISMATCH: 'treeRoot does not match the log',
  CHAIN_CHANGES_HASH_MISMATCH: 'changesHash does not match the block writes',
  CHAIN_STATE_DIGEST_MISMATCH: 'stateDigest does not chain from the previous block',
  CHAIN_OUTCOME_MISMATCH: 're-executing the block gave another outcome',
  CHAIN_WRITES_MISMATCH: 're-executing the block gave other state writes',
  CHAIN_BODY_MISSING: 'a transaction body is missing and not marked withheld',
  CHAIN_ATTESTATION_INVALID: 'attestation does not verify or does not match its block',
  CHAIN_DUPLICATE_TX: 'a transaction appears twice in the log',
  HEAD_INVALID: 'the signed head is malformed, names another chain, or its attestation is not by a genesis node of exactly this header',
  HEAD_BEHIND: 'the ledger is behind a head its node signed: blocks after it were removed (rolled back)',
  HEAD_MISMATCH: 'the ledger does not extend a head its node signed: its block at that height or its log differs (a fork or a rewrite)',
});

export type LedgerErrorCode = keyof typeof LEDGER_ERRORS.registry;
export const ledgerError = LEDGER_ERRORS.make;
