/**
 * Replay nonces are remembered until their notAfter, then forgotten (DESIGN
 * §5: state grows with users and records, not with history). Every node and
 * verifier must delete the same keys in the same block, with bounded work per
 * block, and the contract's state view has point reads only, so the nonces are
 * indexed by expiry in state, one row per block and bucket (not per nonce):
 *
 * - `nonce-expiry/<b>/<i>` → `["<actor>/<nonce>", …]`: the i-th group (0-based)
 *   of bucket b = ⌊notAfter / NONCE_BUCKET_MS⌋: the nonces one block wrote
 *   whose notAfter lies in that bucket, in key order;
 * - `nonce-expiry/<b>` → `{count, pruned, offset}`: the bucket's number of
 *   groups, how many are wholly forgotten, and how many nonces of the next
 *   one are;
 * - `nonce-buckets` → `[b, …]`: the buckets holding groups, ascending.
 *
 * At the end of each block (`finishBlock`), after its transactions: first the
 * expired nonces are forgotten in index order, from the lowest bucket on,
 * while that bucket has wholly expired ((b + 1) · NONCE_BUCKET_MS ≤ block
 * time), at most 2 × `maxBlockTxs` nonces per block (a block adds at most
 * `maxBlockTxs`, so pruning outpaces any load; closing a group or bucket
 * follows a forgotten nonce, so the work per block is bounded); then the
 * nonces the block wrote are indexed. Empty buckets are never visited (the
 * list names only buckets holding groups), so an idle chain costs nothing
 * when it wakes. A nonce is deleted only if the value under its key has
 * expired: a key written again after it expired is forgotten through its own,
 * later group.
 */
import { compareUtf8 } from '../crypto/bytes.ts';
import { KEY } from './keys.ts';
import type { OverlayView } from './state.ts';
import type { BlockContext } from './types.ts';

/** Width of an expiry bucket: a nonce is kept at most this long past its notAfter (plus carried-over work, if any). */
export const NONCE_BUCKET_MS = 60_000;

type Bucket = { count: number; pruned: number; offset: number };

const NONCE_PREFIX = 'nonce/';

function bucketOf(state: OverlayView, b: number): Bucket {
  return (state.get(KEY.nonceBucket(b)) as Bucket | undefined) ?? { count: 0, pruned: 0, offset: 0 };
}

/** Deletes `nonce/<ref>` unless it was written again with a notAfter not yet passed. */
function forget(state: OverlayView, ref: string, now: number): void {
  const key = `${NONCE_PREFIX}${ref}`;
  const until = state.get(key);
  if (typeof until === 'number' && until < now) state.delete(key);
}

/** Forgets expired nonces from the lowest bucket on, at most `budget` of them; returns the buckets left. */
function prune(state: OverlayView, buckets: readonly number[], now: number, budget: number): number[] {
  const left = [...buckets];
  let forgotten = 0;
  while (forgotten < budget && left.length > 0 && (left[0]! + 1) * NONCE_BUCKET_MS <= now) {
    const b = left[0]!;
    const row = { ...bucketOf(state, b) };
    while (forgotten < budget && row.pruned < row.count) {
      const group = state.get(KEY.nonceExpiry(b, row.pruned)) as string[];
      for (; forgotten < budget && row.offset < group.length; forgotten++, row.offset++) forget(state, group[row.offset]!, now);
      if (row.offset < group.length) break;
      state.delete(KEY.nonceExpiry(b, row.pruned));
      row.pruned++;
      row.offset = 0;
    }
    if (row.pruned < row.count) {
      state.set(KEY.nonceBucket(b), row);
      break;
    }
    state.delete(KEY.nonceBucket(b));
    left.shift();
  }
  return left;
}

/** Indexes the nonces this block wrote (`nonce/<actor>/<nonce>` → notAfter): one new group per bucket; returns the buckets holding groups. */
function indexNewNonces(state: OverlayView, buckets: readonly number[]): number[] {
  const written = state.pendingKeys().filter((k) => k.startsWith(NONCE_PREFIX) && typeof state.get(k) === 'number').sort(compareUtf8);
  const groups = new Map<number, string[]>();
  for (const key of written) {
    const b = Math.floor((state.get(key) as number) / NONCE_BUCKET_MS);
    let group = groups.get(b);
    if (!group) groups.set(b, (group = []));
    group.push(key.slice(NONCE_PREFIX.length));
  }
  for (const [b, group] of groups) {
    const row = bucketOf(state, b);
    state.set(KEY.nonceExpiry(b, row.count), group);
    state.set(KEY.nonceBucket(b), { ...row, count: row.count + 1 });
  }
  const fresh = [...groups.keys()].filter((b) => !buckets.includes(b));
  return fresh.length === 0 ? [...buckets] : [...buckets, ...fresh].sort((x, y) => x - y);
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
