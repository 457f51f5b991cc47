/** The genesis' node keys, end to end: a real node refuses a user who registers a node's key as their own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { isDhlError } from '../../src/crypto/index.ts';
import { LedgerNode, verifyDataDir } from '../../src/node/index.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

const clock = () => ({ now: () => T0 + 1000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) });

test("registering the node's own key as a user's sig key is ledgered as KEY_ALREADY_REGISTERED, and the chain verifies", async (t) => {
  const { dataDir, chainId } = await testDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await LedgerNode.open(dataDir, { clock: clock(), ordering: { maxItems: 50, maxDelayMs: 1 } });
  try {
    // "node1" signs with node1's genesis sig key and names it as the key it registers.
    const r = await node.submit(await new Actor('node1', chainId).register());
    assert.equal(r.outcome, 'KEY_ALREADY_REGISTERED');
    assert.throws(() => node.reads.user('raj', 'node1'), (e: unknown) => isDhlError(e, 'RESOURCE_NOT_FOUND'), 'no user node1');
    assert.equal((await node.submit(await new Actor('raj', chainId).register())).outcome, 'OK');
  } finally {
    await node.close();
  }
  await verifyDataDir(dataDir);
});
