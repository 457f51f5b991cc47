/**
 * Ordering (DESIGN §7): who decides the order of opaque, timed batches. A node
 * proposes admitted transactions and is driven by the ordered stream of
 * batches and nothing else, so `solo` (embedded) and `etcd` (a Raft cluster)
 * are interchangeable adapters behind this interface.
 *
 * The shape follows what a Raft-backed log gives: positions are etcd
 * revisions (increasing, with gaps), every node proposes its own batches under
 * (proposer, proposer's batch number) — the key of a create-if-absent put, so
 * a retried put orders a batch once — and a node that restarts resumes the
 * stream after the position it stored with its last block.
 */

/** One ordered batch: opaque items (transaction bytes) with the ordering's time. */
export interface OrderedBatch {
  /** Position in the total order: strictly increasing along the stream, gaps allowed (etcd revisions). */
  readonly position: number;
  /** The node that proposed the batch (its genesis node id). */
  readonly proposer: string;
  /** The proposer's own batch number, from 1: with `proposer`, the batch's unique key. */
  readonly proposerSeq: number;
  /** The ordering's clock for this batch (solo: the proposer's clock at the cut; etcd: the proposer's batch time). */
  readonly time: number;
  readonly items: readonly Uint8Array[];
}

export interface Orderer {
  /**
   * Proposes an item for ordering. Resolves once the item is in a batch that
   * the stream will deliver (not once applied); rejects with ORDERING_OVERLOADED
   * when the queue is full, and ORDERING_CLOSED after close().
   */
  propose(item: Uint8Array): Promise<void>;
  /**
   * Ordered batches with position > afterPosition, in order, as they are
   * ordered; every subscriber sees the same sequence. Ends on close().
   */
  batches(afterPosition: number): AsyncIterable<OrderedBatch>;
  /** Cuts whatever this member is holding now (tests with a manual clock; shutdown). */
  flush(): void;
  /** Stops accepting proposals, orders what is waiting, and ends the streams. */
  close(): Promise<void>;
}

/** What a node tells its orderer when it opens: who it is and where its log stopped. */
export interface OrdererStart {
  /** This node's id in the genesis: the proposer of its batches. */
  readonly nodeId: string;
  /** The position stored with the node's last block (0 for a new ledger). */
  readonly afterPosition: number;
  /** The largest batch the executor will turn into one block (the genesis `maxBlockTxs`). */
  readonly maxBatchItems: number;
}

/** How a node gets its orderer: injected, so solo and etcd are chosen by configuration. */
export type OrdererFactory = (start: OrdererStart) => Orderer;

/** The clock and timers an orderer uses; injectable so tests never sleep. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
