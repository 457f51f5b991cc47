/**
 * The block executor (DESIGN §3, "Inside node/"): turns one ordered batch,
 * whoever proposed it, into block commits. For each item in order it
 *
 * 1. parses it, unless this node admitted it (then it is the transaction
 *    admission parsed and checked);
 * 2. drops it when it is already in the log, durable or not, or earlier in
 *    this batch (the same transaction proposed through two nodes ends up once);
 * 3. prechecks it when this node did not admit it — signature, keys, manifest
 *    signature (contract/precheck.ts): a batch from another node is never
 *    trusted — against the state its predecessors left, and drops it if it
 *    fails, as every honest node does;
 * 4. applies it through the contract;
 *
 * and cuts a block every `maxBlockTxs` transactions (genesis), so one batch
 * may become several blocks. Each block carries its header, entries,
 * outcomes, state writes, audit and directory rows, what the attestation
 * signs, and the ordering position to resume after (the batch's, on its last
 * block; until then the previous one, so a restart re-reads the batch and
 * step 2 drops what is already in).
 */
import { apply, finishBlock, OverlayView, OK, precheckAndVerify, type BlockContext, type KeyCache, type StateView } from '../contract/index.ts';
import {
  buildBlock, parseTx, type Attestation, type BlockHeader, type ChainHead, type Genesis, type MerkleTree, type ParsedTx, type StateWrite,
} from '../ledger/index.ts';
import { isDhlError, utf8, type SyncHash } from '../crypto/index.ts';
import { auditRowsOf, directoryChangesOf } from './derived-rows.ts';
import type { BlockCommit, CommittedEntry } from './store/index.ts';

/** One item of an ordered batch: its bytes, and the transaction if this node admitted it. */
export interface BatchItem {
  readonly bytes: Uint8Array;
  /** Set when this node's admission parsed and checked the item. */
  readonly admitted?: AdmittedTx;
}

export interface AdmittedTx {
  readonly tx: ParsedTx;
  /** The height of the last block built when admission checked the log for it. */
  readonly checkedAtHeight: number;
}

export interface ExecutorBatch {
  readonly position: number;
  readonly time: number;
  readonly items: readonly BatchItem[];
}

/** What the executor reads: the store after the last block handed to it. */
export interface ExecutionTarget {
  readonly state: StateView;
  readonly tree: MerkleTree;
  readonly builtHead: ChainHead;
  readonly position: number;
  isLogged(txHash: string): boolean;
}

/** A block commit before the node signs its attestation. */
export type ExecutedBlock = Omit<BlockCommit, 'attestation'> & { readonly attestation: Attestation };

/** Why items of a batch did not make it into a block (for the node's log; never ledgered). */
export interface DroppedItems {
  unparsable: number;
  duplicate: number;
  refused: number;
}

export interface ExecutorOptions {
  chainId: string;
  genesis: Genesis;
  hash: SyncHash;
  keys: KeyCache;
  /** The node whose attestation the blocks carry. */
  node: { nodeId: string; keyId: string };
}

export class BlockExecutor {
  /** The height of the last block that held a transaction this node did not admit. */
  private foreignThrough = 0;
  readonly dropped: DroppedItems = { unparsable: 0, duplicate: 0, refused: 0 };
  /**
   * Hashes of this node's own items that the last batch dropped as already in
   * the log (another node ordered them first): their submitters get the
   * recorded outcome once it is durable.
   */
  ownDuplicates: string[] = [];

  constructor(private readonly o: ExecutorOptions) {}

  /**
   * The blocks of one batch, in order. The caller must hand each block to the
   * target's store (`append`) before asking for the next: the next block is
   * built on the target's state, tree and head, which must include it.
   */
  async *blocks(target: ExecutionTarget, batch: ExecutorBatch): AsyncGenerator<ExecutedBlock> {
    const max = this.o.genesis.params.maxBlockTxs;
    const inBatch = new Set<string>();
    this.ownDuplicates = [];
    let block = this.open(target, batch);
    for (const item of batch.items) {
      const tx = await this.admit(item, block.overlay, inBatch, target);
      if (!tx) continue;
      inBatch.add(tx.hash);
      const result = apply(block.overlay, tx, block.context);
      block.overlay.apply(result.writes);
      block.entries.push({ tx, outcome: result.outcome.ok ? OK : result.outcome.code });
      if (!item.admitted) block.foreign = true;
      if (block.entries.length === max) {
        yield this.close(target, block, batch, false);
        block = this.open(target, batch);
      }
    }
    if (block.entries.length > 0) yield this.close(target, block, batch, true);
  }

  /** The transaction an item carries if it belongs in the next block, or undefined (counted in `dropped`). */
  private async admit(item: BatchItem, state: StateView, inBatch: Set<string>, target: ExecutionTarget): Promise<ParsedTx | undefined> {
    if (item.admitted) {
      const { tx, checkedAtHeight } = item.admitted;
      // Admission found it neither logged nor waiting; only a transaction another node proposed since could be the same one.
      const mayBeLogged = this.foreignThrough > checkedAtHeight;
      if (inBatch.has(tx.hash) || (mayBeLogged && target.isLogged(tx.hash))) {
        this.ownDuplicates.push(tx.hash);
        return void this.dropped.duplicate++;
      }
      return tx;
    }
    let tx: ParsedTx;
    try {
      tx = parseTx(this.o.hash, JSON.parse(utf8.decode(item.bytes)), { chain: this.o.chainId });
      if (tx.withheld) throw new Error('withheld');
    } catch {
      return void this.dropped.unparsable++;
    }
    if (inBatch.has(tx.hash) || target.isLogged(tx.hash)) return void this.dropped.duplicate++;
    try {
      await precheckAndVerify(tx, state, this.o.keys);
    } catch (err) {
      if (!isDhlError(err)) throw err;
      return void this.dropped.refused++;
    }
    return tx;
  }

  private open(target: ExecutionTarget, batch: ExecutorBatch) {
    const prev = target.builtHead;
    const context: BlockContext = { chain: this.o.chainId, height: prev.height + 1, time: Math.max(batch.time, prev.time), params: this.o.genesis.params };
    return { context, overlay: new OverlayView(target.state), entries: [] as CommittedEntry[], foreign: false };
  }

  private close(target: ExecutionTarget, block: ReturnType<BlockExecutor['open']>, batch: ExecutorBatch, last: boolean): ExecutedBlock {
    const { chainId, hash, node } = this.o;
    // The block's end: replay nonces that expired are forgotten, bounded per block, and this block's are indexed (contract nonces.ts).
    finishBlock(block.overlay, block.context);
    const built = buildBlock(hash, target.tree, target.builtHead, {
      chain: chainId,
      time: block.context.time,
      entries: block.entries.map((e) => ({ tx: e.tx.hash, outcome: e.outcome })),
      writes: block.overlay.writes() as StateWrite[],
    });
    const header: BlockHeader = built.header;
    if (block.foreign) this.foreignThrough = header.height;
    return {
      header,
      blockHash: built.blockHash,
      head: built.head,
      entries: block.entries,
      writes: built.writes,
      audit: auditRowsOf(block.entries, header.firstSeq, block.overlay),
      directory: directoryChangesOf(block.overlay, built.writes),
      attestation: { chain: chainId, height: header.height, blockHash: built.blockHash, stateDigest: header.stateDigest, nodeId: node.nodeId, keyId: node.keyId, alg: 'PS256' },
      position: last ? batch.position : target.position,
    };
  }
}
