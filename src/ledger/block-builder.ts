/**
 * Making a block from an ordered batch's outcomes and writes: what the node
 * commits and what the vector generator writes, so both produce the same bytes.
 */
import { toHex } from '../crypto/bytes.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { blockHash, changesHashOf, nextStateDigest, sortWrites, type BlockHeader, type StateWrite } from './block.ts';
import { ledgerError } from './errors.ts';
import { entryLeafHash, type LogEntry } from './log-entry.ts';
import { rootOf, type MerkleTree } from './merkle.ts';
import type { ChainHead } from './verify-chain.ts';

export interface NewBlock {
  chain: string;
  /** The ordering's time for this batch; forced monotone against the previous block. */
  time: number;
  entries: readonly LogEntry[];
  writes: readonly StateWrite[];
}

export interface BuiltBlock {
  header: BlockHeader;
  blockHash: string;
  writes: StateWrite[];
  /** Leaf hashes of the entries, in order (the node stores them as the tree's level 0). */
  leaves: Uint8Array[];
  head: ChainHead;
}

/**
 * Appends the block's leaves to `tree` (which must hold the log up to
 * `prev.treeSize`) and returns the header. No empty blocks (DESIGN §5).
 */
export function buildBlock(hash: SyncHash, tree: MerkleTree, prev: ChainHead, block: NewBlock): BuiltBlock {
  if (block.entries.length === 0) throw ledgerError('CHAIN_EMPTY_BLOCK', { height: prev.height + 1 });
  if (tree.size !== prev.treeSize) throw ledgerError('CHAIN_SEQ_MISMATCH', { height: prev.height + 1, treeSize: tree.size });
  const leaves = block.entries.map((e) => entryLeafHash(hash, e));
  for (const leaf of leaves) tree.append(leaf);
  const writes = sortWrites(block.writes);
  const changesHash = changesHashOf(hash, writes);
  const header: BlockHeader = {
    chain: block.chain,
    height: prev.height + 1,
    prevHash: prev.blockHash,
    time: Math.max(block.time, prev.time),
    firstSeq: prev.treeSize,
    entryCount: leaves.length,
    entriesRoot: toHex(rootOf(hash, leaves)),
    treeSize: tree.size,
    treeRoot: toHex(tree.root()),
    changesHash,
    stateDigest: nextStateDigest(hash, prev.stateDigest, changesHash),
  };
  const hashOfBlock = blockHash(hash, header);
  return {
    header,
    blockHash: hashOfBlock,
    writes,
    leaves,
    head: { height: header.height, blockHash: hashOfBlock, time: header.time, treeSize: header.treeSize, treeRoot: header.treeRoot, stateDigest: header.stateDigest },
  };
}
