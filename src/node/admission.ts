/**
 * Admission (DESIGN §5): what a node lets into its proposals. Garbage is
 * refused here with a typed error and never ledgered: too large, not JSON,
 * malformed, signed by a key not registered to its actor, a bad signature,
 * key material or manifest signature that does not verify, a record whose
 * blob is not stored complete here or belongs to another record. A transaction
 * already in the log gets its recorded outcome; one already waiting gets the
 * same answer as the first submission; past the node's or the actor's share
 * of in-flight transactions the answer is "overloaded, retry".
 */
import { utf8, type SyncHash } from '../crypto/index.ts';
import { precheckAndVerify, type KeyCache, type StateView } from '../contract/index.ts';
import { parseTx, type ChainHead, type GenesisParams, type ParsedTx } from '../ledger/index.ts';
import { nodeError } from './errors.ts';
import type { LoggedTx } from './store/index.ts';
import type { AdmittedTx } from './block-executor.ts';
import { checkRecordBlob, type StoredBlobs } from './blob-admission.ts';
import { admissionJson } from './admission-input.ts';

/** What admission reads of the ledger. */
export interface AdmissionView {
  readonly state: StateView;
  readonly builtHead: ChainHead;
  readonly durableBlocks: number;
  logged(txHash: string): LoggedTx | undefined;
  durableSince(txHash: string, durableBlocksBefore: number): boolean;
}

interface Waiter<R> {
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  promise: Promise<R>;
}

/** Transactions admitted and not yet durable, by hash, with the per-actor counts the rate limit needs. */
export class InFlight<R> {
  private readonly waiters = new Map<string, Waiter<R>>();
  private readonly byActor = new Map<string, number>();
  constructor(readonly max: number, readonly maxPerActor: number) {}

  get size(): number {
    return this.waiters.size;
  }

  waiting(txHash: string): Promise<R> | undefined {
    return this.waiters.get(txHash)?.promise;
  }

  /** Room for one more transaction of `actor`, or the refusal that says why not. */
  assertRoom(actor: string): void {
    if (this.waiters.size >= this.max) throw nodeError('NODE_OVERLOADED', { inFlight: this.waiters.size });
    const n = this.byActor.get(actor) ?? 0;
    if (n >= this.maxPerActor) throw nodeError('ACTOR_RATE_LIMITED', { inFlight: n });
  }

  /** Registers a waiter for `tx`; its promise settles through `settle` or `reject`. */
  add(tx: ParsedTx): Promise<R> {
    this.assertRoom(tx.header.actor);
    const actor = tx.header.actor;
    this.byActor.set(actor, (this.byActor.get(actor) ?? 0) + 1);
    let waiter!: Waiter<R>;
    const promise = new Promise<R>((resolve, reject) => (waiter = { resolve, reject, promise: undefined as never }));
    waiter.promise = promise;
    this.waiters.set(tx.hash, waiter);
    const release = () => {
      const n = (this.byActor.get(actor) ?? 1) - 1;
      if (n <= 0) this.byActor.delete(actor);
      else this.byActor.set(actor, n);
    };
    promise.then(release, release);
    return promise;
  }

  settle(txHash: string, result: () => R): void {
    const waiter = this.waiters.get(txHash);
    if (!waiter) return;
    this.waiters.delete(txHash);
    waiter.resolve(result());
  }

  reject(txHash: string, err: unknown): void {
    const waiter = this.waiters.get(txHash);
    this.waiters.delete(txHash);
    waiter?.reject(err);
  }

  rejectAll(err: () => unknown): void {
    for (const waiter of this.waiters.values()) waiter.reject(err());
    this.waiters.clear();
  }
}

/** What admission decided about one submission. */
export type Admitted<R> =
  | { readonly kind: 'logged'; readonly txHash: string; readonly logged: LoggedTx }
  | { readonly kind: 'waiting'; readonly promise: Promise<R> }
  | { readonly kind: 'new'; readonly admitted: AdmittedTx; readonly bytes: Uint8Array };

export interface AdmissionOptions {
  chainId: string;
  params: GenesisParams;
  hash: SyncHash;
  keys: KeyCache;
  /** Node-local: a record version is admitted only when its blob is stored complete here (blob-admission.ts). */
  blobs: StoredBlobs;
}

export class Admission<R> {
  constructor(private readonly ledger: AdmissionView, private readonly inFlight: InFlight<R>, private readonly o: AdmissionOptions) {}

  async admit(input: unknown): Promise<Admitted<R>> {
    // The input is checked before anything walks it recursively, encodes it or binds it (admission-input.ts).
    const tx = parseTx(this.o.hash, admissionJson(input, this.o.params.maxTxBytes), { chain: this.o.chainId });
    if (tx.withheld) throw nodeError('TX_NOT_JSON', { reason: 'withheld transactions are not submitted' });
    const first = this.known(tx.hash);
    if (first) return first;
    this.inFlight.assertRoom(tx.header.actor);

    const blocksBefore = this.ledger.durableBlocks;
    await precheckAndVerify(tx, this.ledger.state, this.o.keys);
    await checkRecordBlob(tx, this.o.blobs);
    // Re-check after the awaits: another submission of the same bytes may have won, or its block become durable.
    const again = this.known(tx.hash, blocksBefore);
    if (again) return again;
    // The proposal is the transaction's canonical JSON, assembled from the canonical parts parsed above.
    const bytes = utf8.encode(`{"body":${tx.bodyJson!},"header":${tx.headerJson},"sig":"${tx.sig}"}`);
    return { kind: 'new', admitted: { tx, checkedAtHeight: this.ledger.builtHead.height }, bytes };
  }

  /**
   * The answer for a transaction already logged or waiting. With `blocksBefore`,
   * the log is consulted only if a block became durable since (admission's
   * own check ran before).
   */
  private known(txHash: string, blocksBefore?: number): Admitted<R> | undefined {
    const promise = this.inFlight.waiting(txHash);
    if (promise) return { kind: 'waiting', promise };
    if (blocksBefore !== undefined && !this.ledger.durableSince(txHash, blocksBefore)) return undefined;
    const logged = this.ledger.logged(txHash);
    return logged ? { kind: 'logged', txHash, logged } : undefined;
  }
}
