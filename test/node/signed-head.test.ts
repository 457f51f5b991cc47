import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDhlError } from '../../src/crypto/index.ts';
import { verifySignedHead } from '../../src/ledger/index.ts';
import { DB_FILE, exportLines, LedgerReader, LedgerNode, rebuildDerivedTables, sha256, signedHeadOf, verifyDataDir, verifyExport } from '../../src/node/index.ts';
import { Actor, removeLastBlock, testDataDir, T0 } from '../helpers/ledger-fixture.ts';
import { runScenario } from '../helpers/scenario.ts';

const clock = { now: () => T0 + 10_000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) };

const made: string[] = [];
test.after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function copyDir(dataDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'dhl-head-'));
  made.push(copy);
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

const built = (async () => {
  const { dataDir, chainId } = await testDataDir();
  made.push(dataDir);
  const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 3, maxDelayMs: 0 } });
  let live;
  try {
    await runScenario(node, chainId);
    live = node.signedHead();
  } finally {
    await node.close();
  }
  return { dataDir, chainId, live: live! };
})();

const exportOf = (dataDir: string, withhold = false) => {
  const ledger = LedgerReader.open(join(dataDir, DB_FILE));
  try {
    return [...exportLines(ledger, { withhold })];
  } finally {
    ledger.close();
  }
};

test("a node's signed head is its last durable block with its own attestation, and verifies under the genesis", async () => {
  const { dataDir, chainId, live } = await built;
  assert.deepEqual(signedHeadOf(dataDir), live);
  const genesis = JSON.parse(exportOf(dataDir)[0]!).genesis;
  const head = await verifySignedHead(sha256, chainId, genesis, live);
  assert.equal(head.attestation.attestation.nodeId, 'node1');
  const report = await verifyDataDir(dataDir, { head: live });
  assert.equal(report.head.height, live.header.height);
  assert.deepEqual(report.extendsHead, { height: live.header.height, blockHash: report.head.blockHash, nodeId: 'node1' });
  // An older head is extended too, by a data directory and by its exports, with or without bodies.
  const older = signedHeadOf(dataDir, { height: 2 })!;
  for (const lines of [exportOf(dataDir), exportOf(dataDir, true)]) assert.equal((await verifyExport(lines, chainId, { head: older })).extendsHead?.height, 2);
  assert.equal((await verifyDataDir(dataDir, { head: older })).extendsHead?.height, 2);
});

test('the last block removed consistently and the state rebuilt verifies on its own, but not against a head seen before: HEAD_BEHIND', async () => {
  const { dataDir, chainId, live } = await built;
  const copy = copyDir(dataDir);
  removeLastBlock(copy);
  const rebuilt = await rebuildDerivedTables(copy);
  assert.equal(rebuilt.head.height, live.header.height - 1, 'the rolled-back copy verifies alone');
  const behind = (e: unknown) => isDhlError(e, 'HEAD_BEHIND') && e.details.height === live.header.height && e.details.currentHeight === live.header.height - 1;
  await assert.rejects(verifyDataDir(copy, { head: live }), behind);
  await assert.rejects(verifyExport(exportOf(copy), chainId, { head: live }), behind);
  await assert.rejects(verifyExport(exportOf(copy, true), chainId, { head: live }), behind);
});

test('a ledger forked at or before the head is HEAD_MISMATCH, whatever its height; a head of another chain or a forged attestation is HEAD_INVALID', async (t) => {
  const { dataDir, chainId } = await testDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const raj = new Actor('raj', chainId);
  let node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 1, maxDelayMs: 0 } });
  try {
    await node.submit(await raj.register());
  } finally {
    await node.close();
  }
  const other = copyDir(dataDir);
  const grow = async (dir: string, recordId: string) => {
    const n = await LedgerNode.open(dir, { clock, ordering: { maxItems: 1, maxDelayMs: 0 } });
    try {
      await n.submit(await raj.tx('SetListing', { recordId, listed: true }));
      return n.signedHead()!;
    } finally {
      await n.close();
    }
  };
  const head = await grow(dataDir, 'aa'.repeat(16));
  await grow(other, 'bb'.repeat(16));
  const forked = (e: unknown) => isDhlError(e, 'HEAD_MISMATCH') && e.details.height === head.header.height && e.details.field === 'header';
  await assert.rejects(verifyDataDir(other, { head }), forked);
  await grow(other, 'cc'.repeat(16));
  await assert.rejects(verifyDataDir(other, { head }), forked);
  await assert.rejects(verifyExport(exportOf(other), chainId, { head }), forked);
  assert.equal((await verifyDataDir(dataDir, { head })).extendsHead?.height, 2);

  const foreign = await testDataDir();
  made.push(foreign.dataDir);
  node = await LedgerNode.open(foreign.dataDir, { clock, ordering: { maxItems: 1, maxDelayMs: 0 } });
  let foreignHead;
  try {
    await node.submit(await new Actor('raj', foreign.chainId).register());
    foreignHead = node.signedHead()!;
  } finally {
    await node.close();
  }
  await assert.rejects(verifyDataDir(dataDir, { head: foreignHead }), (e: unknown) => isDhlError(e, 'HEAD_INVALID') && e.details.field === 'header.chain');
  const forged = structuredClone(head);
  forged.header.time += 1;
  await assert.rejects(verifyDataDir(dataDir, { head: forged }), (e: unknown) => isDhlError(e, 'HEAD_INVALID'));
  await assert.rejects(verifyExport(exportOf(dataDir), chainId, { head: { header: 1 } }), (e: unknown) => isDhlError(e, 'HEAD_INVALID'));
});
