import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import { SoloLog, SoloOrderer, soloOrderer, type Clock, type OrderedBatch } from '../../src/ordering/index.ts';
import { ordererConformance } from './conformance.ts';

/** A clock whose timers fire only when the test advances it. */
function fakeClock(start = 1000): Clock & { advance(ms: number): void } {
  let now = start;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

const item = (n: number) => new Uint8Array([n]);

async function take(orderer: SoloOrderer, count: number): Promise<OrderedBatch[]> {
  const out: OrderedBatch[] = [];
  for await (const b of orderer.batches(0)) {
    out.push(b);
    if (out.length === count) break;
  }
  return out;
}

test('a batch is cut at maxItems at once, and otherwise maxDelayMs after its first item', async () => {
  const clock = fakeClock();
  const orderer = new SoloOrderer({ maxItems: 3, maxDelayMs: 10, clock });
  for (const n of [1, 2, 3, 4]) await orderer.propose(item(n));
  clock.advance(9);
  assert.equal(orderer.pending, 4);
  clock.advance(1);
  const [first, second] = await take(orderer, 2);
  assert.deepEqual(first!.items.map((i) => i[0]), [1, 2, 3]);
  assert.equal(first!.time, 1000);
  assert.deepEqual(second!.items.map((i) => i[0]), [4]);
  assert.equal(second!.time, 1010);
  assert.deepEqual([first!.position, second!.position], [1, 2]);
  assert.deepEqual([first!.proposerSeq, second!.proposerSeq], [1, 2]);
});

test('batch time never goes backwards even when the clock does', async () => {
  let now = 5000;
  const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
  const orderer = new SoloOrderer({ maxItems: 1, clock });
  await orderer.propose(item(1));
  now = 4000;
  await orderer.propose(item(2));
  const [a, b] = await take(orderer, 2);
  assert.equal(a!.time, 5000);
  assert.equal(b!.time, 5000);
});

test('the queue is bounded: past maxPending, propose is ORDERING_OVERLOADED; after close, ORDERING_CLOSED', async () => {
  const orderer = new SoloOrderer({ maxItems: 100, maxPending: 2, clock: fakeClock() });
  await orderer.propose(item(1));
  await orderer.propose(item(2));
  await assert.rejects(orderer.propose(item(3)), (e: unknown) => isDhlError(e, 'ORDERING_OVERLOADED'));
  await assert.rejects(orderer.propose(new Uint8Array(0)), (e: unknown) => isDhlError(e, 'ORDERING_ITEM_INVALID'));
  await orderer.close();
  await assert.rejects(orderer.propose(item(4)), (e: unknown) => isDhlError(e, 'ORDERING_CLOSED'));
  const batches = [];
  for await (const b of orderer.batches(0)) batches.push(b);
  assert.deepEqual(batches.map((b) => b.items.length), [2], 'close cuts what was waiting and ends the stream');
});

ordererConformance({
  name: 'solo',
  maxMembers: 1,
  cluster: () => ({
    // Solo is in memory: a restarted member is a new log continuing after the node's stored position.
    member: (nodeId, afterPosition, options) => new SoloOrderer({ proposer: nodeId, log: new SoloLog({ afterPosition }), maxDelayMs: 60_000, ...options }),
    close: async () => {},
  }),
});

ordererConformance({
  name: 'solo (one log shared by several members, positions 5 apart)',
  maxMembers: 8,
  cluster: () => {
    const log = new SoloLog({ positionStep: 5 });
    return {
      member: (nodeId, _afterPosition, options) => new SoloOrderer({ proposer: nodeId, log, maxDelayMs: 60_000, ...options }),
      close: async () => {},
    };
  },
});

test('the node factory continues after the stored position, names the node as proposer, and never cuts a batch larger than a block', async () => {
  const orderer = soloOrderer({ maxItems: 500, maxDelayMs: 60_000 })({ nodeId: 'node7', afterPosition: 41, maxBatchItems: 2 });
  for (const n of [1, 2, 3]) await orderer.propose(item(n));
  await orderer.close();
  const batches: OrderedBatch[] = [];
  for await (const b of orderer.batches(41)) batches.push(b);
  assert.deepEqual(batches.map((b) => [b.position, b.proposer, b.items.length]), [[42, 'node7', 2], [43, 'node7', 1]]);
});

test('a late reader may read only the retained window; before it the log is ORDERING_COMPACTED', async () => {
  const log = new SoloLog({ retainBatches: 1 });
  const a = new SoloOrderer({ log, maxItems: 1 });
  for (const n of [1, 2, 3]) await a.propose(item(n));
  const reader = a.batches(0)[Symbol.asyncIterator]();
  for (let i = 0; i < 3; i++) await reader.next();
  await reader.return?.();
  const late: OrderedBatch[] = [];
  for await (const b of a.batches(2)) {
    late.push(b);
    break;
  }
  assert.deepEqual(late.map((b) => b.position), [3]);
  const early = a.batches(0)[Symbol.asyncIterator]();
  await assert.rejects(early.next(), (e: unknown) => isDhlError(e, 'ORDERING_COMPACTED'));
});
