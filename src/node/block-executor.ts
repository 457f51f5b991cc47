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
 * 4. applies it through the contract (`applyTransactions`, the step replay
 *    and verify share: steps 1–3 are the executor's precheck policy), and
 *    ends the block with the contract's finishBlock;
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

/**
 * What a precheck policy says about one candidate of a block, checked against
 * the state the block's earlier transactions left: the transaction to apply,
 * or undefined to leave it out. The executor parses, drops duplicates and
 * prechecks what it did not admit; replay prechecks every transaction and
 * keeps its signer's key for the chain verifier.
 */
export type PrecheckPolicy<I> = (item: I, view: StateView, index: number) => Promise<ParsedTx | undefined>;

/** A block's transactions, applied: its entries and outcomes, and the state after the block. */
export interface AppliedTransactions {
  readonly entries: CommittedEntry[];
  /** The state after the block, over the state before it: the block's writes, finishBlock's included. */
  readonly after: OverlayView;
  /** How many items the block took, from `from`: applied or left out. */
  readonly consumed: number;
}

/**
 * The one way a block's transactions are applied (the executor, replay and
 * verify all come here): each item in order is prechecked by `precheck`
 * against the state its predecessors left, applied through the contract, and
 * the block ends with the contract's finishBlock (its nonce index). Takes
 * items from `from` until `maxTxs` entries are in the block (default: all).
 */
export async function applyTransactions<I>(
  before: StateView,
  context: BlockContext,
  items: readonly I[],
  precheck: PrecheckPolicy<I>,
  options: { from?: number; maxTxs?: number } = {},
): Promise<AppliedTransactions> {
  const after = new OverlayView(before);
  const entries: CommittedEntry[] = [];
  const from = options.from ?? 0;
  const max = options.maxTxs ?? Infinity;
  let i = from;
  while (i < items.length && entries.length < max) {
    const tx = await precheck(items[i]!, after, i);
    i++;
    if (!tx) continue;
    const result = apply(after, tx, context);
    after.apply(result.writes);
    entries.push({ tx, outcome: result.outcome.ok ? OK : result.outcome.code });
  }
  // The block's end: replay nonces that expired are forgotten, bounded per block, and this block's are indexed (contract nonces.ts).
  finishBlock(after, context);
  return { entries, after, consumed: i - from };
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
    const inBatch = new Set<string>();
    this.ownDuplicates = [];
    for (let from = 0; from < batch.items.length; ) {
      const context = this.contextOf(target, batch);
      let foreign = false;
      const block = await applyTransactions(
        target.state,
        context,
        batch.items,
        async (item, view) => {
          const tx = await this.admit(item, view, inBatch, target);
          if (tx) inBatch.add(tx.hash);
          if (tx && !item.admitted) foreign = true;
          return tx;
        },
        { from, maxTxs: this.o.genesis.params.maxBlockTxs },
      );
      from += block.consumed;
      if (block.entries.length > 0) yield this.close(target, context, block, foreign, from === batch.items.length ? batch.position : target.position);
    }
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

  private contextOf(target: ExecutionTarget, batch: ExecutorBatch): BlockContext {
    const prev = target.builtHead;
    return { chain: this.o.chainId, height: prev.height + 1, time: Math.max(batch.time, prev.time), params: this.o.genesis.params };
  }

  private close(target: ExecutionTarget, context: BlockContext, block: AppliedTransactions, foreign: boolean, position: number): ExecutedBlock {
    const { chainId, hash, node } = this.o;
    const built = buildBlock(hash, target.tree, target.builtHead, {
      chain: chainId,
      time: context.time,
      entries: block.entries.map((e) => ({ tx: e.tx.hash, outcome: e.outcome })),
      writes: block.after.writes() as StateWrite[],
    });
    const header: BlockHeader = built.header;
    if (foreign) this.foreignThrough = header.height;
    return {
      header,
      blockHash: built.blockHash,
      head: built.head,
      entries: block.entries,
      writes: built.writes,
      audit: auditRowsOf(block.entries, header.firstSeq, block.after),
      directory: directoryChangesOf(block.after, built.writes),
      attestation: { chain: chainId, height: header.height, blockHash: built.blockHash, stateDigest: header.stateDigest, nodeId: node.nodeId, keyId: node.keyId, alg: 'PS256' },
      position,
    };
  }
}
