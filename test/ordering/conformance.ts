/**
 * The orderer conformance suite (DESIGN §7): what the node relies on from any
 * orderer, so solo passes it now and an etcd-backed orderer must pass it
 * later. Order (every reader sees one sequence; positions increase, gaps
 * allowed), resume (a restarted member continues after its stored position),
 * gaps (reading from inside a gap), duplicates (each proposer batch once;
 * equal items are delivered as proposed — the block executor drops what is
 * already in the log), overload, close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import type { OrderedBatch, Orderer } from '../../src/ordering/index.ts';

export interface MemberOptions {
  /** Items a member may hold unread before propose() is ORDERING_OVERLOADED. */
  maxPending?: number;
}

/** One ordering service (a solo log, an etcd cluster) that members join. */
export interface OrdererCluster {
  /** A member proposing as `nodeId`, whose node stored `afterPosition` with its last block. */
  member(nodeId: string, afterPosition: number, options?: MemberOptions): Orderer;
  close(): Promise<void>;
}

export interface ConformanceTarget {
  name: string;
  /** How many members one cluster can have (solo with its own log: 1). */
  maxMembers: number;
  cluster(): OrdererCluster | Promise<OrdererCluster>;
}

const item = (...bytes: number[]) => new Uint8Array(bytes);
const itemsOf = (b: OrderedBatch) => b.items.map((i) => [...i].join('.'));

/** Reads `count` batches after `after`, then stops reading. */
async function take(orderer: Orderer, after: number, count: number): Promise<OrderedBatch[]> {
  const out: OrderedBatch[] = [];
  if (count === 0) return out;
  for await (const b of orderer.batches(after)) {
    out.push(b);
    if (out.length === count) break;
  }
  return out;
}

/** Reads everything until the stream ends (after close). */
async function drain(orderer: Orderer, after: number): Promise<OrderedBatch[]> {
  const out: OrderedBatch[] = [];
  for await (const b of orderer.batches(after)) out.push(b);
  return out;
}

function assertIncreasing(batches: readonly OrderedBatch[], after: number): void {
  let last = after;
  for (const b of batches) {
    assert.ok(Number.isSafeInteger(b.position) && b.position > last, `position ${b.position} after ${last}`);
    last = b.position;
  }
}

export function ordererConformance(target: ConformanceTarget): void {
  const withCluster = async (fn: (c: OrdererCluster) => Promise<void>) => {
    const c = await target.cluster();
    try {
      await fn(c);
    } finally {
      await c.close();
    }
  };

  test(`${target.name}: batches come in one order with increasing positions; a proposer's batches are numbered 1, 2, 3 and keep their items' order`, () =>
    withCluster(async (c) => {
      const a = c.member('node-a', 0);
      for (const n of [1, 2, 3]) await a.propose(item(n));
      a.flush();
      await a.propose(item(4));
      a.flush();
      await a.propose(item(5));
      a.flush();
      const [first, second] = await Promise.all([take(a, 0, 3), take(a, 0, 3)]);
      assert.deepEqual(first, second, 'two readers see the same sequence');
      assertIncreasing(first, 0);
      assert.deepEqual(first.map(itemsOf), [['1', '2', '3'], ['4'], ['5']]);
      assert.deepEqual(first.map((b) => [b.proposer, b.proposerSeq]), [['node-a', 1], ['node-a', 2], ['node-a', 3]]);
      for (const b of first) assert.ok(Number.isSafeInteger(b.time) && b.time > 0);
      await a.close();
    }));

  if (target.maxMembers >= 2) {
    test(`${target.name}: two members' batches are totally ordered, and both members read the same sequence`, () =>
      withCluster(async (c) => {
        const a = c.member('node-a', 0);
        const b = c.member('node-b', 0);
        const readA = take(a, 0, 4);
        const readB = take(b, 0, 4);
        await a.propose(item(1));
        a.flush();
        await b.propose(item(2));
        b.flush();
        await a.propose(item(3));
        a.flush();
        await b.propose(item(4));
        b.flush();
        const [seenA, seenB] = await Promise.all([readA, readB]);
        assert.deepEqual(seenA, seenB);
        assertIncreasing(seenA, 0);
        assert.deepEqual(seenA.map((x) => `${x.proposer}#${x.proposerSeq}`).sort(), ['node-a#1', 'node-a#2', 'node-b#1', 'node-b#2']);
        await Promise.all([a.close(), b.close()]);
      }));
  }

  test(`${target.name}: a restarted member resumes after the position its node stored, and nothing at or before it comes again`, () =>
    withCluster(async (c) => {
      const a = c.member('node-a', 0);
      await a.propose(item(1));
      a.flush();
      await a.propose(item(2));
      a.flush();
      const [, second] = await take(a, 0, 2);
      await a.close();
      const stored = second!.position;
      const again = c.member('node-a', stored);
      await again.propose(item(3));
      again.flush();
      const [next] = await take(again, stored, 1);
      assert.ok(next!.position > stored);
      assert.deepEqual(itemsOf(next!), ['3']);
      await again.close();
    }));

  test(`${target.name}: reading from a position inside a gap or before the first batch yields exactly the later batches`, () =>
    withCluster(async (c) => {
      const a = c.member('node-a', 0);
      for (const n of [1, 2, 3]) {
        await a.propose(item(n));
        a.flush();
      }
      const all = await take(a, 0, 3);
      const from = all[0]!.position;
      const later = await take(a, from, 2);
      assert.deepEqual(later, all.slice(1));
      // Any position between the first and the second batch (a gap where positions skip) reads the same.
      const inGap = from + Math.floor((all[1]!.position - from) / 2);
      assert.deepEqual(await take(a, inGap, 2), all.slice(1));
      await a.close();
    }));

  test(`${target.name}: equal items are delivered as proposed (dropping what is already in the log is the executor's job), and every proposer batch appears once`, () =>
    withCluster(async (c) => {
      const a = c.member('node-a', 0);
      await a.propose(item(7));
      await a.propose(item(7));
      a.flush();
      await a.propose(item(7));
      a.flush();
      await a.close();
      const seen = await drain(a, 0);
      assert.deepEqual(seen.map(itemsOf), [['7', '7'], ['7']]);
      const keys = seen.map((b) => `${b.proposer}#${b.proposerSeq}`);
      assert.equal(new Set(keys).size, keys.length);
    }));

  test(`${target.name}: past maxPending unread items a proposal is ORDERING_OVERLOADED, and once read the queue takes proposals again`, () =>
    withCluster(async (c) => {
      const a = c.member('node-a', 0, { maxPending: 2 });
      const reader = a.batches(0)[Symbol.asyncIterator]();
      await a.propose(item(1));
      await a.propose(item(2));
      await assert.rejects(a.propose(item(3)), (e: unknown) => isDhlError(e, 'ORDERING_OVERLOADED'));
      a.flush();
      const first = await reader.next();
      assert.deepEqual(itemsOf(first.value as OrderedBatch), ['1', '2']);
      // Delivering the batch to its only reader frees its items.
      const pendingNext = reader.next();
      await a.propose(item(3));
      a.flush();
      assert.deepEqual(itemsOf((await pendingNext).value as OrderedBatch), ['3']);
      await reader.return?.();
      await a.close();
    }));

  test(`${target.name}: close orders what was waiting and ends the stream; later proposals are ORDERING_CLOSED; bad items are ORDERING_ITEM_INVALID`, () =>
    withCluster(async (c) => {
      const a = c.member('node-a', 0);
      await assert.rejects(a.propose(new Uint8Array(0)), (e: unknown) => isDhlError(e, 'ORDERING_ITEM_INVALID'));
      await assert.rejects(a.propose('text' as unknown as Uint8Array), (e: unknown) => isDhlError(e, 'ORDERING_ITEM_INVALID'));
      await a.propose(item(1));
      await a.propose(item(2));
      await a.close();
      await assert.rejects(a.propose(item(3)), (e: unknown) => isDhlError(e, 'ORDERING_CLOSED'));
      const seen = await drain(a, 0);
      assert.deepEqual(seen.map(itemsOf), [['1', '2']]);
    }));
}
