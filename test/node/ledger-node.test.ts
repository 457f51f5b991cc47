import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, isDhlError } from '../../src/crypto/index.ts';
import { entryLeafHash, parseTx, verifyInclusion } from '../../src/ledger/index.ts';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DB_FILE, LedgerNode, sha256, verifyDataDir } from '../../src/node/index.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

/** Block time is set by the test; batch-cut timers still fire (at once), so nothing sleeps. */
const manualClock = (start = T0 + 1000) => {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => (now += ms),
    setTimeout: (fn: () => void) => setImmediate(fn),
    clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate),
  };
};

async function openNode() {
  const dir = await testDataDir();
  const clock = manualClock();
  const node = await LedgerNode.open(dir.dataDir, { clock, ordering: { maxItems: 50, maxDelayMs: 1 } });
  return { ...dir, node, clock };
}

const submitNow = (node: LedgerNode, tx: unknown) => node.submit(tx);

test('registrations commit as blocks whose inclusion proofs verify against the returned head', async () => {
  const { node, chainId } = await openNode();
  try {
    const results = [];
    for (const user of ['admin', 'raj', 'meera'] as const) results.push(await submitNow(node, await new Actor(user, chainId).register()));
    for (const r of results) {
      assert.equal(r.outcome, 'OK');
      assert.equal(r.duplicate, false);
      const leaf = entryLeafHash(sha256, { tx: r.txHash, outcome: r.outcome });
      verifyInclusion(sha256, r.seq, r.treeSize, leaf, r.proof.map((h) => fromHex(h)), fromHex(r.treeRoot));
    }
    assert.equal(node.head.treeSize, 3);
  } finally {
    await node.close();
  }
});

test('an identical resubmission returns the recorded outcome and adds nothing', async () => {
  const { node, chainId } = await openNode();
  try {
    const tx = await new Actor('raj', chainId).register();
    const first = await submitNow(node, tx);
    const again = await node.submit(tx);
    assert.equal(again.duplicate, true);
    assert.equal(again.txHash, first.txHash);
    assert.equal(again.seq, first.seq);
    assert.equal(node.head.treeSize, 1);
  } finally {
    await node.close();
  }
});

test('a transaction\'s place is remembered once logged, never its absence: unknown before its block, found after it, the same place on every later lookup', async () => {
  const { node, chainId } = await openNode();
  try {
    const tx = await new Actor('raj', chainId).register();
    const { hash } = parseTx(sha256, tx);
    assert.equal(node.recorded(hash), undefined, 'not in the log yet');
    const first = await submitNow(node, tx);
    assert.equal(first.txHash, hash);
    const found = node.recorded(hash)!;
    assert.deepEqual({ seq: found.seq, height: found.height, outcome: found.outcome }, { seq: first.seq, height: first.height, outcome: 'OK' }, 'an absence asked about before is not served');
    await submitNow(node, await new Actor('meera', chainId).register());
    const later = node.recorded(hash)!;
    assert.deepEqual({ seq: later.seq, height: later.height, outcome: later.outcome, treeSize: later.treeSize }, { seq: first.seq, height: first.height, outcome: 'OK', treeSize: 2 }, 'its place, against the newer head');
    verifyInclusion(sha256, later.seq, later.treeSize, entryLeafHash(sha256, { tx: hash, outcome: 'OK' }), later.proof.map((h) => fromHex(h)), fromHex(later.treeRoot));
  } finally {
    await node.close();
  }
});

test('garbage is refused at the door with a typed error and never ledgered', async () => {
  const { node, chainId } = await openNode();
  try {
    const raj = new Actor('raj', chainId);
    const good = await raj.register();
    const cases: [unknown, string][] = [
      ['{not json', 'TX_NOT_JSON'],
      [{ ...good, sig: good.sig.slice(0, -4) + 'AAAA' }, 'TX_SIGNATURE_INVALID'],
      [{ ...good, body: { ...(good.body as object), username: 'rak' } }, 'TX_BODY_HASH_MISMATCH'],
      [{ ...good, header: { ...good.header, chain: '00'.repeat(32) } }, 'TX_CHAIN_MISMATCH'],
      [await new Actor('meera', chainId).tx('SetListing', { recordId: 'ab'.repeat(16), listed: true }), 'ADMISSION_KEY_UNKNOWN'],
      ['x'.repeat(300_000), 'TX_TOO_LARGE'],
    ];
    for (const [input, code] of cases) {
      await assert.rejects(node.submit(input), (e: unknown) => isDhlError(e, code), code);
    }
    assert.equal(node.head.treeSize, 0);
  } finally {
    await node.close();
  }
});

test('a reopened node continues the same chain from its durable head', async () => {
  const { node, chainId, dataDir } = await openNode();
  await submitNow(node, await new Actor('admin', chainId).register());
  const head = node.head;
  await node.close();
  const reopened = await LedgerNode.open(dataDir, { clock: manualClock(T0 + 5000) });
  try {
    assert.deepEqual(reopened.head, head);
    const r = await submitNow(reopened, await new Actor('raj', chainId).register());
    assert.equal(r.height, 2);
    assert.equal(r.seq, 1);
  } finally {
    await reopened.close();
  }
});

test('rejections are ledgered with their code: a replayed nonce is NONCE_REPLAYED', async () => {
  const { node, chainId } = await openNode();
  try {
    const raj = new Actor('raj', chainId);
    await submitNow(node, await raj.register());
    const a = await raj.tx('SetListing', { recordId: 'ab'.repeat(16), listed: true }, { nonce: 'cd'.repeat(16) });
    const b = await raj.tx('SetListing', { recordId: 'ab'.repeat(16), listed: false }, { nonce: 'cd'.repeat(16) });
    const ra = await submitNow(node, a);
    const rb = await submitNow(node, b);
    assert.notEqual(ra.outcome, 'OK'); // the record is unknown
    assert.equal(rb.outcome, 'NONCE_REPLAYED');
  } finally {
    await node.close();
  }
});

test('overload is its own error from a bounded queue, per node and per actor, and nothing is lost', async () => {
  const { dataDir, chainId } = await testDataDir();
  // Timers never fire: batches are cut only by flush(), so submissions pile up.
  const stuck = { now: () => T0 + 1000, setTimeout: () => 0, clearTimeout: () => {} };
  const node = await LedgerNode.open(dataDir, { clock: stuck, maxInFlight: 3, maxInFlightPerActor: 2, ordering: { maxItems: 100 } });
  try {
    const admin = new Actor('admin', chainId);
    const raj = new Actor('raj', chainId);
    const meera = new Actor('meera', chainId);
    /** Waits (without a fixed sleep) until admission has queued `n` transactions. */
    const queued = async (n: number) => {
      while (node.inFlight < n) await new Promise((r) => setImmediate(r));
    };
    const registrations = [admin, raj, meera].map(async (a) => node.submit(await a.register()));
    await queued(3);
    node.flush();
    await Promise.all(registrations);
    const listings = [raj, raj].map(async (a) => node.submit(await a.tx('SetListing', { recordId: 'ab'.repeat(16), listed: true })));
    await queued(2);
    await assert.rejects(node.submit(await raj.tx('SetListing', { recordId: 'cd'.repeat(16), listed: true })), (e: unknown) => isDhlError(e, 'ACTOR_RATE_LIMITED'));
    const third = node.submit(await meera.tx('SetListing', { recordId: 'ef'.repeat(16), listed: true }));
    await queued(3);
    await assert.rejects(node.submit(await admin.tx('SetListing', { recordId: '01'.repeat(16), listed: true })), (e: unknown) => isDhlError(e, 'NODE_OVERLOADED'));
    node.flush();
    const settled = await Promise.all([...listings, third]);
    assert.equal(settled.length, 3);
    assert.equal(node.head.treeSize, 6);
  } finally {
    await node.close();
  }
});

test('a block the database refuses stops the node: its submitters get NODE_STOPPED, nothing of it is written, and a restart continues from the durable head', async () => {
  const { dataDir, chainId } = await testDataDir();
  const raj = new Actor('raj', chainId);
  const meera = new Actor('meera', chainId);
  let node = await LedgerNode.open(dataDir, { clock: manualClock(), ordering: { maxItems: 50, maxDelayMs: 1 } });
  const rajTx = await raj.register();
  try {
    assert.equal((await node.submit(rajTx)).outcome, 'OK');
    // A real failure inside the writer's transaction: the database itself refuses the second entry.
    const side = new DatabaseSync(join(dataDir, DB_FILE));
    side.exec("CREATE TRIGGER refuse BEFORE INSERT ON entries WHEN NEW.seq >= 1 BEGIN SELECT RAISE(ABORT, 'injected'); END");
    side.close();
    const meeraTx = await meera.register();
    await assert.rejects(node.submit(meeraTx), (e: unknown) => isDhlError(e, 'NODE_STOPPED'));
    await assert.rejects(node.submit(await raj.tx('SetListing', { recordId: 'ab'.repeat(16), listed: true })), (e: unknown) => isDhlError(e, 'NODE_STOPPED'));
    assert.equal(node.head.treeSize, 1);
  } finally {
    await node.close();
  }
  const side = new DatabaseSync(join(dataDir, DB_FILE));
  assert.equal((side.prepare('SELECT COUNT(*) AS n FROM entries').get() as { n: number }).n, 1);
  assert.equal((side.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n, 1);
  side.exec('DROP TRIGGER refuse');
  side.close();
  await verifyDataDir(dataDir);
  node = await LedgerNode.open(dataDir, { clock: manualClock(), ordering: { maxItems: 50, maxDelayMs: 1 } });
  try {
    assert.equal((await node.submit(rajTx)).duplicate, true, "raj's registration is still recorded");
    assert.equal((await node.submit(await meera.register())).outcome, 'OK');
    assert.equal(node.head.treeSize, 2);
  } finally {
    await node.close();
  }
  await verifyDataDir(dataDir);
});

test('with 120 transactions in flight in blocks of at most 4, every answer is durable when it arrives and its proof verifies against the head it names', async () => {
  const { dataDir, chainId } = await testDataDir();
  const node = await LedgerNode.open(dataDir, { clock: manualClock(), ordering: { maxItems: 4, maxDelayMs: 1 } });
  try {
    const raj = new Actor('raj', chainId);
    await node.submit(await raj.register());
    const txs = await Promise.all(Array.from({ length: 120 }, () => raj.tx('SetListing', { recordId: 'ab'.repeat(16), listed: true })));
    const reader = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
    const durable = reader.prepare('SELECT e.height, b.hash FROM entries e JOIN blocks b ON b.height = e.height WHERE e.tx_hash = ?');
    try {
      const results = await Promise.all(
        txs.map(async (tx) => {
          const r = await node.submit(tx);
          // At the moment of the answer, another connection already sees the entry and its block.
          const row = durable.get(r.txHash) as { height: number; hash: string } | undefined;
          assert.deepEqual(row && { ...row }, { height: r.height, hash: r.blockHash });
          assert.ok(r.treeSize <= node.head.treeSize);
          return r;
        }),
      );
      for (const r of results) {
        verifyInclusion(sha256, r.seq, r.treeSize, entryLeafHash(sha256, { tx: r.txHash, outcome: r.outcome }), r.proof.map((h) => fromHex(h)), fromHex(r.treeRoot));
      }
      assert.ok(node.head.height >= 30, `${node.head.height} blocks for 121 transactions in blocks of at most 4`);
    } finally {
      reader.close();
    }
  } finally {
    await node.close();
  }
  await verifyDataDir(dataDir);
});
