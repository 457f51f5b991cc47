/**
 * The signed heads a client has seen (DESIGN §2, §5; formats §8.8): kept by
 * its host — the CLI in a file in its home directory (src/cli/head-file.ts),
 * the web app in IndexedDB — not only in memory, so a node cannot roll the
 * ledger back or fork it between two sessions of the same client unnoticed.
 *
 * Every signed head an answer carries goes through `accept`: it must be
 * signed by a node of the trusted genesis over exactly its header, and the
 * ledger it names must extend the newest head kept (a consistency proof
 * from the one to the other, RFC 9162 §2.1.4.2), or, for an older head that
 * arrives late, be extended by it. A head that fails is refused with
 * HEAD_INCONSISTENT (HEAD_INVALID when it is not even a signed head of this
 * chain) and nothing is kept. Pure over its seams: the store and the proof
 * source are passed in.
 */
import type { SyncHash } from '../crypto/index.ts';
import { fromHex, isDhlError } from '../crypto/index.ts';
import { verifyExtendsHead, verifySignedHead, type SignedHead } from '../ledger/index.ts';
import { clientError } from './errors.ts';

/** What a host persists: the chain and the newest head seen on it. */
export interface KeptHeads {
  chain: string;
  latest: SignedHead;
  /** How many heads were accepted on top of the first one (for display). */
  accepted: number;
}

/** Where the heads live between sessions. */
export interface HeadStore {
  load(): Promise<KeptHeads | undefined>;
  save(heads: KeptHeads): Promise<void>;
}

/** Heads kept for the life of the object only (a test, a one-shot script): the host's store is the real one. */
export class MemoryHeadStore implements HeadStore {
  private heads: KeptHeads | undefined;
  async load(): Promise<KeptHeads | undefined> {
    return this.heads && structuredClone(this.heads);
  }
  async save(heads: KeptHeads): Promise<void> {
    this.heads = structuredClone(heads);
  }
}

/** A consistency proof between two tree sizes, from the node (hex hashes). */
export type ConsistencySource = (size1: number, size2: number) => Promise<{ proof: readonly string[] }>;

export interface HeadKeeperOptions {
  hash: SyncHash;
  chainId: string;
  /** The genesis of `chainId` (its node keys sign heads); the caller checked it hashes to the chain id. */
  genesis: unknown;
  store: HeadStore;
  consistency: ConsistencySource;
}

export class HeadKeeper {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: HeadKeeperOptions) {}

  /** The newest head accepted, if any. */
  async latest(): Promise<SignedHead | undefined> {
    return (await this.o.store.load())?.latest;
  }

  /**
   * Checks a signed head against the newest one kept and keeps it if it is
   * newer. One at a time: answers that arrive together are checked in turn.
   */
  accept(value: unknown): Promise<SignedHead> {
    const run = this.queue.then(() => this.check(value));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async check(value: unknown): Promise<SignedHead> {
    const head = await verifySignedHead(this.o.hash, this.o.chainId, this.o.genesis, value);
    const kept = await this.o.store.load();
    if (kept && kept.chain !== this.o.chainId) throw clientError('HEAD_INCONSISTENT', { reason: 'the kept heads are of another chain' });
    const last = kept?.latest;
    if (!last) {
      await this.o.store.save({ chain: this.o.chainId, latest: head, accepted: 0 });
      return head;
    }
    // The newer of the two must extend the older (an older head can arrive after a newer one).
    const [older, newer] = head.header.treeSize >= last.header.treeSize ? [last, head] : [head, last];
    await proveExtends(this.o.hash, this.o.consistency, older, newer);
    if (newer === head && head.header.treeSize > last.header.treeSize) {
      await this.o.store.save({ chain: this.o.chainId, latest: head, accepted: (kept?.accepted ?? 0) + 1 });
    }
    return head;
  }
}

/**
 * Checks that the ledger at `newer` extends the signed head `older` (RFC
 * 9162 §2.1.4.2: a consistency proof from the one tree to the other, from
 * `consistency`; at the same height, the same header). Returns the proof's
 * length. A node that cannot prove its current tree extends a head it signed
 * (it was cut back) is as inconsistent as a failed proof: HEAD_INCONSISTENT
 * naming the ledger's code as its reason.
 */
export async function proveExtends(hash: SyncHash, consistency: ConsistencySource, older: SignedHead, newer: SignedHead): Promise<number> {
  try {
    const proof = older.header.treeSize >= newer.header.treeSize ? [] : (await consistency(older.header.treeSize, newer.header.treeSize)).proof;
    verifyExtendsHead(hash, older, {
      height: newer.header.height, treeSize: newer.header.treeSize, treeRoot: newer.header.treeRoot,
      ...(older.header.height === newer.header.height ? { headerAtHeight: newer.header } : {}),
    }, proof.map((h) => fromHex(h)));
    return proof.length;
  } catch (err) {
    if (isDhlError(err, 'HEAD_BEHIND') || isDhlError(err, 'HEAD_MISMATCH') || isDhlError(err, 'QUERY_INVALID')) {
      throw clientError('HEAD_INCONSISTENT', { height: newer.header.height, keptHeight: older.header.height, reason: err.code }, err);
    }
    throw err;
  }
}
