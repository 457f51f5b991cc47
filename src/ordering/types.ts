/**
 * Ordering (DESIGN §7): who decides the order of opaque, timed batches. The
 * node proposes admitted transactions and is driven by the ordered stream of
 * batches and nothing else, so `solo` (embedded) and `etcd` (a Raft cluster)
 * are interchangeable adapters behind this interface.
 */

/** One ordered batch: opaque items (transaction bytes) with the ordering's time. */
export interface OrderedBatch {
  /** Position in the total order, from 1, without gaps. */
  readonly seq: number;
  /** The ordering's clock for this batch (solo: the node's clock at the cut). */
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
  /** Ordered batches with seq > afterSeq, in order, as they are cut. Ends on close(). */
  batches(afterSeq: number): AsyncIterable<OrderedBatch>;
  close(): Promise<void>;
}

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
