/**
 * `solo` (DESIGN §7): the embedded orderer. A member cuts its proposals into a
 * batch when it holds `maxItems` items or `maxDelayMs` after its first item,
 * whichever comes first; the batch time is the clock at the cut, never going
 * backwards. Cut batches are appended to a `SoloLog`, an in-memory total
 * order: each node has its own by default; tests give several nodes one log,
 * which then orders their batches the way an etcd cluster orders its members'
 * puts (one position per batch, proposer and proposer's batch number beside it).
 *
 * In memory: a batch that was cut but not yet applied when the process dies is
 * lost, and so were its submitters' answers (they were never acknowledged),
 * which is what "acknowledge only what is durable" allows.
 */
import { orderingError } from './errors.ts';
import { systemClock, type Clock, type OrderedBatch, type Orderer, type OrdererFactory } from './types.ts';

export interface SoloLogOptions {
  /** The position the log continues after (a node's stored position; 0 for a new ledger). */
  afterPosition?: number;
  /** Distance between consecutive positions (1; larger in tests, to show consumers never assume +1). */
  positionStep?: number;
  /** Batches every reader has had that stay readable for a late reader (a second node, a restarted stream). */
  retainBatches?: number;
}

interface Subscription {
  /** Index into `retained` of the next batch to deliver. */
  next: number;
  wake: (() => void) | undefined;
}

/** An in-memory total order of batches, read by any number of subscribers. */
export class SoloLog {
  private retained: OrderedBatch[] = [];
  /** How many of the first `retained` batches every subscriber has had. */
  private consumedCount = 0;
  /** The position of the last batch dropped from memory (0: none). */
  private trimmedThrough: number;
  private lastPosition: number;
  private readonly step: number;
  private readonly retain: number;
  private readonly subscriptions = new Set<Subscription>();
  private readonly consumed = new Set<(batch: OrderedBatch) => void>();

  constructor(options: SoloLogOptions = {}) {
    this.lastPosition = options.afterPosition ?? 0;
    this.trimmedThrough = this.lastPosition;
    this.step = options.positionStep ?? 1;
    this.retain = options.retainBatches ?? 64;
    const whole = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;
    if (!whole(this.lastPosition, 0) || !whole(this.step, 1) || !whole(this.retain, 0)) {
      throw orderingError('ORDERING_ARGUMENT_INVALID', { reason: 'log options' });
    }
  }

  /** The position of the last batch ordered. */
  get position(): number {
    return this.lastPosition;
  }

  append(batch: Omit<OrderedBatch, 'position'>): OrderedBatch {
    this.lastPosition += this.step;
    const ordered: OrderedBatch = Object.freeze({ ...batch, position: this.lastPosition });
    this.retained.push(ordered);
    for (const s of this.subscriptions) s.wake?.();
    return ordered;
  }

  /** Called once for every batch, when every subscriber of the moment has had it. */
  onConsumed(listener: (batch: OrderedBatch) => void): void {
    this.consumed.add(listener);
  }

  async *read(afterPosition: number, isClosed: () => boolean): AsyncGenerator<OrderedBatch> {
    if (afterPosition < this.trimmedThrough) {
      // Batches before what memory holds are gone: the reader catches up from a peer's export instead.
      throw orderingError('ORDERING_COMPACTED', { afterPosition, oldest: this.trimmedThrough });
    }
    const first = this.retained.findIndex((b) => b.position > afterPosition);
    const sub: Subscription = { next: first < 0 ? this.retained.length : first, wake: undefined };
    this.subscriptions.add(sub);
    try {
      for (;;) {
        while (sub.next < this.retained.length) {
          const batch = this.retained[sub.next++]!;
          this.advance();
          yield batch;
        }
        if (isClosed()) return;
        await new Promise<void>((resolve) => (sub.wake = resolve));
        sub.wake = undefined;
      }
    } finally {
      this.subscriptions.delete(sub);
      this.advance();
    }
  }

  /** Wakes subscribers so they notice their member closed. */
  wakeAll(): void {
    for (const s of this.subscriptions) s.wake?.();
  }

  /** Marks what every subscriber has had as consumed, and forgets consumed batches beyond the retained window. */
  private advance(): void {
    if (this.subscriptions.size === 0) return;
    let had = this.retained.length;
    for (const s of this.subscriptions) had = Math.min(had, s.next);
    for (; this.consumedCount < had; this.consumedCount++) {
      for (const listener of this.consumed) listener(this.retained[this.consumedCount]!);
    }
    // Never past a reader that joined late and is still reading the retained window.
    const drop = Math.min(this.consumedCount - this.retain, had);
    if (drop <= 0) return;
    this.trimmedThrough = this.retained[drop - 1]!.position;
    this.retained = this.retained.slice(drop);
    this.consumedCount -= drop;
    for (const s of this.subscriptions) s.next -= drop;
  }
}

export interface SoloOptions {
  maxItems?: number;
  maxDelayMs?: number;
  /** Items waiting to be cut or delivered to every reader; past it, propose() rejects ORDERING_OVERLOADED. */
  maxPending?: number;
  clock?: Clock;
  /** The proposer's node id written into its batches. */
  proposer?: string;
  /** The total order this member appends to (default: a log of its own, after position 0). */
  log?: SoloLog;
}

/** One proposer's connection to a solo log. */
export class SoloOrderer implements Orderer {
  private readonly maxItems: number;
  private readonly maxDelayMs: number;
  private readonly maxPending: number;
  private readonly clock: Clock;
  private readonly proposer: string;
  readonly log: SoloLog;
  private current: Uint8Array[] = [];
  private timer: unknown;
  private pendingItems = 0;
  private proposerSeq = 0;
  private lastTime = 0;
  private closed = false;

  constructor(options: SoloOptions = {}) {
    this.maxItems = options.maxItems ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5;
    this.maxPending = options.maxPending ?? 20_000;
    this.clock = options.clock ?? systemClock;
    this.proposer = options.proposer ?? 'solo';
    this.log = options.log ?? new SoloLog();
    if (!Number.isSafeInteger(this.maxItems) || this.maxItems < 1) throw orderingError('ORDERING_ARGUMENT_INVALID', { reason: 'maxItems' });
    // Own batches leave the queue once every reader has had them.
    this.log.onConsumed((batch) => {
      if (batch.proposer === this.proposer) this.pendingItems -= batch.items.length;
    });
  }

  /** Items proposed and not yet delivered to every reader. */
  get pending(): number {
    return this.pendingItems;
  }

  async propose(item: Uint8Array): Promise<void> {
    if (this.closed) throw orderingError('ORDERING_CLOSED');
    if (!(item instanceof Uint8Array) || item.length === 0) throw orderingError('ORDERING_ITEM_INVALID');
    if (this.pendingItems >= this.maxPending) throw orderingError('ORDERING_OVERLOADED', { pending: this.pendingItems });
    this.current.push(item);
    this.pendingItems++;
    if (this.current.length >= this.maxItems) this.cutBatch();
    else if (this.current.length === 1) this.timer = this.clock.setTimeout(() => this.cutBatch(), this.maxDelayMs);
  }

  flush(): void {
    if (this.current.length > 0) this.cutBatch();
  }

  private cutBatch(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current.length === 0) return;
    // Batch time never goes backwards, even if the wall clock does.
    this.lastTime = Math.max(this.lastTime, this.clock.now());
    const items = Object.freeze(this.current);
    this.current = [];
    this.log.append({ proposer: this.proposer, proposerSeq: ++this.proposerSeq, time: this.lastTime, items });
  }

  batches(afterPosition: number): AsyncIterable<OrderedBatch> {
    return this.log.read(afterPosition, () => this.closed);
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    this.log.wakeAll();
  }
}

/**
 * The node's default orderer: a solo member with its own log, continuing
 * after the node's stored position, never cutting a batch larger than a block.
 */
export function soloOrderer(options: Omit<SoloOptions, 'proposer' | 'log'> & { log?: SoloLog } = {}): OrdererFactory {
  return (start) =>
    new SoloOrderer({
      ...options,
      maxItems: Math.min(options.maxItems ?? 500, start.maxBatchItems),
      proposer: start.nodeId,
      log: options.log ?? new SoloLog({ afterPosition: start.afterPosition }),
    });
}
