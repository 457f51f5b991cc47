/**
 * Error codes of the Merkle log (RFC 9162). Declared once here (STYLE §5); details
 * carry only argument names, sizes and indices (STYLE §6).
 */
import { defineErrors, isDhlError, type DhlError } from '../crypto/errors.ts';

export const MERKLE_ERRORS = defineErrors({
  MERKLE_ARGUMENT_INVALID: 'a Merkle tree argument is of the wrong type or out of range',
  MERKLE_PROOF_LENGTH: 'the proof has the wrong number of hashes for its tree sizes',
  MERKLE_ROOT_MISMATCH: 'the root recomputed from the proof differs from the expected root',
  MERKLE_HASH_INVALID: 'a hash is not a 32-byte Uint8Array',
  MERKLE_NODE_MISSING: 'the node store lacks a node the tree needs',
});

export type MerkleErrorCode = keyof typeof MERKLE_ERRORS.registry;
export const merkleError = MERKLE_ERRORS.make;

/** Narrows to an error of this module, optionally of one code. */
export function isMerkleError(err: unknown, code?: MerkleErrorCode): err is DhlError<MerkleErrorCode> {
  return isDhlError(err, code) && Object.hasOwn(MERKLE_ERRORS.registry, err.code);
}
