/**
 * Signed heads (formats §8.8): a block header with a node's attestation of
 * it. The header is a tree head (its `treeRoot` covers the whole log up to
 * it), and the attestation is the node's signed word that this block is its
 * chain at that height. A client keeps the heads it was shown; later it
 * checks that the ledger it sees extends each one (RFC 9162 §2.1.4: a
 * consistency proof from the head's tree to today's), so a node can neither
 * roll the ledger back past a head it signed nor fork it, unnoticed.
 *
 * Pure, like the rest of ledger/: hashing is passed in; the genesis gives
 * the node keys.
 */
import { DhlError } from '../crypto/errors.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { fromHex } from '../crypto/bytes.ts';
import { attestationProblem, genesisNodeKeys, parseAttestation, type SignedAttestation } from './attestation.ts';
import { blockHash, parseBlockHeader, type BlockHeader } from './block.ts';
import { ledgerError } from './errors.ts';
import { parseGenesis } from './genesis.ts';
import { verifyConsistency } from './merkle.ts';
import { isMerkleError } from './merkle-errors.ts';
import { exactKeys, isObject } from './validate.ts';

export interface SignedHead {
  header: BlockHeader;
  attestation: SignedAttestation;
}

/** The shape of a signed head: HEAD_INVALID naming the field (the inner parser's field, prefixed). */
export function parseSignedHead(value: unknown): SignedHead {
  const fail = (field: string, cause?: unknown) => ledgerError('HEAD_INVALID', { field }, cause);
  if (!isObject(value)) throw fail('$');
  exactKeys(value, ['header', 'attestation'], (field) => fail(field));
  const inner = <T>(prefix: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      if (err instanceof DhlError) throw fail(err.details.field === '$' || err.details.field === undefined ? prefix.replace(/\.$/, '') || '$' : `${prefix}${String(err.details.field)}`, err);
      throw err;
    }
  };
  // parseBlockHeader names fields "header.x"; parseAttestation names them from its own root.
  const header = inner('', () => parseBlockHeader(value.header));
  const attestation = inner('attestation.', () => parseAttestation(value.attestation));
  return { header, attestation };
}

/**
 * Checks a signed head of the chain `chainId`: its shape, that it names this
 * chain, and that its attestation is by a node of the genesis, under that
 * node's key, of exactly this header (height, block hash, state digest).
 * Returns the parsed head; HEAD_INVALID naming the field otherwise.
 */
export async function verifySignedHead(hash: SyncHash, chainId: string, genesis: unknown, value: unknown): Promise<SignedHead> {
  const head = parseSignedHead(value);
  if (head.header.chain !== chainId) throw ledgerError('HEAD_INVALID', { field: 'header.chain' });
  const expected = { chain: chainId, height: head.header.height, blockHash: blockHash(hash, head.header), stateDigest: head.header.stateDigest };
  const problem = await attestationProblem(head.attestation, await genesisNodeKeys(parseGenesis(genesis)), expected);
  if (problem === 'sig') throw ledgerError('HEAD_INVALID', { field: 'attestation.sig' });
  if (problem) throw ledgerError('HEAD_INVALID', { field: `attestation.attestation.${problem === 'node' ? 'nodeId' : problem}` });
  return head;
}

/** The ledger as a verifier sees it now: its head, and the header it has at the signed head's height (if it has one). */
export interface CurrentLedger {
  height: number;
  treeSize: number;
  treeRoot: string;
  /** The ledger's own header at the signed head's height; omit where the verifier holds no headers (a client with proofs only). */
  headerAtHeight?: BlockHeader;
}

/**
 * Checks that the ledger `current` extends the signed head `head` (already
 * checked by verifySignedHead): it is not behind the head (HEAD_BEHIND: it
 * was rolled back past a block its node signed), its header at the head's
 * height is the signed one, and `proof` is a consistency proof from the
 * head's tree to the current one (RFC 9162 §2.1.4.2); otherwise
 * HEAD_MISMATCH (a fork, or a rewritten log).
 */
export function verifyExtendsHead(hash: SyncHash, head: SignedHead, current: CurrentLedger, proof: readonly Uint8Array[]): void {
  const h = head.header;
  if (current.height < h.height || current.treeSize < h.treeSize) {
    throw ledgerError('HEAD_BEHIND', { height: h.height, treeSize: h.treeSize, currentHeight: current.height, currentTreeSize: current.treeSize });
  }
  if (current.headerAtHeight !== undefined && blockHash(hash, current.headerAtHeight) !== blockHash(hash, h)) {
    throw ledgerError('HEAD_MISMATCH', { height: h.height, field: 'header' });
  }
  try {
    verifyConsistency(hash, h.treeSize, current.treeSize, proof, fromHex(h.treeRoot), fromHex(current.treeRoot));
  } catch (err) {
    if (isMerkleError(err)) throw ledgerError('HEAD_MISMATCH', { height: h.height, field: 'consistency', reason: err.code }, err);
    throw err;
  }
}
