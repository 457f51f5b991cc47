/**
 * Replay nonces are remembered until their notAfter, then forgotten (DESIGN
 * §5: state grows with users and records, not with history). Every node and
 * verifier must delete the same keys in the same block, with bounded work per
 * block, and the contract's state view has point reads only, so the nonces are
 * indexed by expiry in state:
 *
 * - `nonce-expiry/<b>/<i>` → `"<actor>/<nonce>"`: the i-th nonce (0-based)
 *   whose notAfter lies in bucket b = ⌊notAfter / NONCE_BUCKET_MS⌋;
 * - `nonce-expiry/<b>` → `{count, pruned}`: how many were indexed in bucket b,
 *   and how many of those (the first ones) are already forgotten;
 * - `nonce-buckets` → `[b, …]`: the buckets holding entries, ascending.
 *
 * At the end of each block (`finishBlock`), after its transactions: first the
 * expired nonces are forgotten, from the lowest bucket on, while that bucket
 * has wholly expired ((b + 1) · NONCE_BUCKET_MS ≤ block time), at most
 * `2 × maxBlockTxs` steps (a step forgets one entry or closes one bucket), so
 * pruning outpaces any sustained load and the work per block is bounded; then
 * the nonces the block wrote are indexed, in key order. Empty buckets are
 * never visited (the list names only buckets with entries), so an idle chain
 * costs nothing when it wakes. A nonce is deleted only if the value under its
 * key has expired: a key written again after it expired is forgotten through
 * its own, later entry.
 */
import { compareUtf8 } from '../crypto/bytes.ts';
import { KEY } from './keys.ts';
import type { OverlayView } from './state.ts';
import type { BlockContext } from './types.ts';

/** Width of an expiry bucket: a nonce is kept at most this long past its notAfter (plus pruning lag, if any). */
export const NONCE_BUCKET_MS = 60_000;

type Bucket = { count: number; pruned: number };

const NONCE_PREFIX = 'nonce/';

function bucketOf(state: OverlayView, b: number): Bucket {
  return (state.get(KEY.nonceBucket(b)) as Bucket | undefined) ?? { count: 0, pruned: 0 };
}

/** Forgets expired nonces from the lowest bucket on, at most `budget` steps; returns the buckets left. */
function prune(state: OverlayView, buckets: number[], now: number, budget: number): number[] {
  const left = [...buckets];
  let steps = 0;
  while (steps < budget && left.length > 0 && (left[0]! + 1) * NONCE_BUCKET_MS <= now) {
    const b = left[0]!;
    const row = bucketOf(state, b);
    let pruned = row.pruned;
    for (; steps < budget && pruned < row.count; steps++, pruned++) {
      const entry = KEY.nonceExpiry(b, pruned);
      const nonceKey = `${NONCE_PREFIX}${state.get(entry) as string}`;
      const until = state.get(nonceKey);
      if (typeof until === 'number' && until < now) state.delete(nonceKey);
      state.delete(entry);
    }
    if (pruned < row.count) {
      state.set(KEY.nonceBucket(b), { count: row.count, pruned });
      break;
    }
    state.delete(KEY.nonceBucket(b));
    left.shift();
    steps++;
  }
  return left;
}

/** Indexes the nonces this block wrote (`nonce/<actor>/<nonce>` → notAfter), in key order; returns the buckets with entries. */
function indexNewNonces(state: OverlayView, buckets: number[]): number[] {
  const written = state.pendingKeys().filter((k) => k.startsWith(NONCE_PREFIX) && typeof state.get(k) === 'number').sort(compareUtf8);
  const rows = new Map<number, Bucket>();
  for (const key of written) {
    const b = Math.floor((state.get(key) as number) / NONCE_BUCKET_MS);
    const row = rows.get(b) ?? bucketOf(state, b);
    state.set(KEY.nonceExpiry(b, row.count), key.slice(NONCE_PREFIX.length));
    rows.set(b, { count: row.count + 1, pruned: row.pruned });
  }
  for (const [b, row] of rows) state.set(KEY.nonceBucket(b), row);
  const fresh = [...rows.keys()].filter((b) => !buckets.includes(b));
  return fresh.length === 0 ? buckets : [...buckets, ...fresh].sort((x, y) => x - y);
}

/**
 * The block's end: forget expired nonces (bounded), then index the ones it
 * wrote. Called once per block, after its transactions, over the block's
 * overlay, by every executor (`applyBatch`, and verifiers that apply
 * transaction by transaction); its writes are part of the block's writes and
 * changesHash.
 */
export function finishBlock(state: OverlayView, block: BlockContext): void {
  const before = (state.get(KEY.nonceBuckets()) as number[] | undefined) ?? [];
  const after = indexNewNonces(state, prune(state, before, block.time, 2 * block.params.maxBlockTxs));
  if (after.length === before.length && after.every((b, i) => b === before[i])) return;
  if (after.length === 0) state.delete(KEY.nonceBuckets());
  else state.set(KEY.nonceBuckets(), after);
}
