/** The node's audit index: a patient's audit shows refused reads of their records, and verify re-derives the same rows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DB_FILE, LedgerNode, verifyDataDir } from '../../src/node/index.ts';
import { testDataDir, T0 } from '../helpers/ledger-fixture.ts';
import { runScenario } from '../helpers/scenario.ts';

const clock = () => ({ now: () => T0 + 1000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) });

test("meera's refused read after the revoke is in raj's audit (indexed under the record's owner), and verify agrees", async (t) => {
  const { dataDir, chainId } = await testDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await LedgerNode.open(dataDir, { clock: clock(), ordering: { maxItems: 50, maxDelayMs: 1 } });
  let refused;
  try {
    const scenario = await runScenario(node, chainId);
    refused = scenario.results.at(-1)!;
    assert.equal(refused.outcome, 'READ_NOT_PERMITTED');
  } finally {
    await node.close();
  }
  const db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
  try {
    const subjects = (db.prepare('SELECT subject FROM audit WHERE seq = ? ORDER BY subject').all(refused.seq) as { subject: string }[]).map((r) => r.subject);
    assert.deepEqual(subjects.filter((s) => s.startsWith('u:')), ['u:meera', 'u:raj']);
    const rajsAudit = (db.prepare("SELECT seq FROM audit WHERE subject = 'u:raj' ORDER BY seq").all() as { seq: number }[]).map((r) => r.seq);
    assert.ok(rajsAudit.includes(refused.seq), "raj's audit page lists the refused read");
  } finally {
    db.close();
  }
  await verifyDataDir(dataDir);
});
