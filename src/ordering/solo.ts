/**
 * `solo` (DESIGN §7): the embedded orderer. Cuts a batch when it holds
 * `maxItems` items or `maxDelayMs` after its first item, whichever comes first;
 * the batch time is the clock at the cut. In memory: a batch that was cut but
 * not yet applied when the process dies is lost, and so were its submitters'
 * answers (they were never acknowledged), which is what "acknowledge only what
 * is durable" allows.
 */
import { orderingError } from './errors.ts';
import { systemClock, type Clock, type OrderedBatch, type Orderer } from './types.ts';

export interface SoloOptions {
  maxItems?: number;
  maxDelayMs?: number;
  /** Items waiting to be cut or consumed; past it, propose() rejects ORDERING_OVERLOADED. */
  maxPending?: number;
  clock?: Clock;
  /** The seq of the last batch already applied (batches continue after it). */
  startSeq?: number;
}

export class SoloOrderer implements Orderer {
  private readonly maxItems: number;
  private readonly maxDelayMs: number;
  private readonly maxPending: number;
  private readonly clock: Clock;
  private current: Uint8Array[] = [];
  private timer: unknown;
  private readonly cut: OrderedBatch[] = [];
  private pendingItems = 0;
  private seq: number;
  private lastTime = 0;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(options: SoloOptions = {}) {
    this.maxItems = options.maxItems ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5;
    this.maxPending = options.maxPending ?? 20_000;
    this.clock = options.clock ?? systemClock;
    this.seq = options.startSeq ?? 0;
  }

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

  /** Cuts whatever is waiting now (tests and shutdown use it). */
  flush(): void {
    if (this.current.length > 0) this.cutBatch();
  }

  private cutBatch(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current.length === 0) return;
    // Batch time never goes backwards, even if the wall clock does.
    this.lastTime = Math.max(this.lastTime, this.clock.now());
    this.cut.push({ seq: ++this.seq, time: this.lastTime, items: this.current });
    this.current = [];
    this.wake?.();
  }

  async *batches(afterSeq: number): AsyncIterable<OrderedBatch> {
    for (;;) {
      while (this.cut.length > 0) {
        const batch = this.cut.shift()!;
        this.pendingItems -= batch.items.length;
        if (batch.seq > afterSeq) yield batch;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    this.wake?.();
  }
}
