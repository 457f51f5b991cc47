import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isDhlError } from '../../src/crypto/index.ts';
import { exportLines, LedgerNode, LedgerReader, rebuildDerivedTables, verifyDataDir, verifyExport, DB_FILE } from '../../src/node/index.ts';
import { testDataDir, T0 } from '../helpers/ledger-fixture.ts';
import { runScenario } from '../helpers/scenario.ts';
import { tempDir } from '../helpers/temp.ts';

const clock = { now: () => T0 + 10_000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) };

/** Every directory this file makes, removed when its tests end (also on failure). */
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** One scenario data directory, built once and copied for each tampering. */
const built = (async () => {
  const { dataDir, chainId } = await testDataDir();
  made.push(dataDir);
  const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 3, maxDelayMs: 0 } });
  const scenario = await runScenario(node, chainId);
  await node.close();
  return { dataDir, chainId, scenario };
})();

function copyDir(dataDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'dhl-tamper-'));
  made.push(copy);
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

test('the scenario data directory verifies, from its trusted chain id', async () => {
  const { dataDir, chainId, scenario } = await built;
  const report = await verifyDataDir(dataDir, { trustedChainId: chainId });
  assert.equal(report.entries, scenario.results.length);
  assert.equal(report.chain, chainId);
  await assert.rejects(verifyDataDir(dataDir, { trustedChainId: '00'.repeat(32) }), (e: unknown) => isDhlError(e, 'DATA_DIR_TAMPERED'));
});

test('its export verifies, with every body and withholding bodies', async () => {
  const { dataDir, chainId, scenario } = await built;
  const ledger = LedgerReader.open(join(dataDir, DB_FILE));
  try {
    const full = await verifyExport(exportLines(ledger), chainId);
    assert.equal(full.entries, scenario.results.length);
    const bare = await verifyExport(exportLines(ledger, { withhold: true }), chainId);
    assert.equal(bare.head.stateDigest, full.head.stateDigest);
    const lines = [...exportLines(ledger)];
    const block = JSON.parse(lines[2]!);
    block.entries[0].outcome = 'OK_BUT_NOT';
    lines[2] = JSON.stringify(block);
    await assert.rejects(verifyExport(lines, chainId), (e: unknown) => isDhlError(e) && (e.details as { height?: number }).height === 2);
  } finally {
    ledger.close();
  }
});

/** A value different from `value`, of the same SQLite kind. */
function changed(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) + 1;
  if (value instanceof Uint8Array) {
    const copy = Uint8Array.from(value);
    copy[copy.length - 1]! ^= 1;
    return copy;
  }
  if (value === null) return '{"x":1}';
  const text = String(value);
  // Change one character inside the value, keeping JSON and hex shapes plausible.
  const i = Math.max(0, text.search(/[0-9a-f](?=[^"]*"?[^"]*$)/));
  const c = text[i]!;
  return text.slice(0, i) + (c === '0' ? '1' : c === 'a' ? 'b' : c === '1' ? '2' : '0') + text.slice(i + 1);
}

test('changing one value in any column of any table makes verify fail, naming the place', async () => {
  const { dataDir } = await built;
  const db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  const plan: { table: string; column: string; rows: number; pk: string[] }[] = [];
  for (const table of tables) {
    const rows = (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
    const columns = db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; pk: number }[];
    const pk = columns.filter((c) => c.pk > 0).sort((x, y) => x.pk - y.pk).map((c) => c.name);
    for (const col of columns) plan.push({ table, column: col.name, rows, pk });
  }
  db.close();
  const untested = plan.filter((p) => p.rows === 0).map((p) => p.table);
  assert.deepEqual([...new Set(untested)], [], 'every table has rows in the scenario');
  let checked = 0;
  for (const { table, column, rows, pk } of plan) {
    if (rows === 0) continue;
    // Not ledger data: where this node resumes reading the orderer. verify checks only that it never goes back
    // (test below); a wrong value is caught by the consortium, whose next block would differ from this node's.
    if (table === 'blocks' && column === 'order_position') continue;
    assert.ok(pk.length > 0, `${table} has a primary key`);
    const copy = copyDir(dataDir);
    const w = new DatabaseSync(join(copy, DB_FILE));
    const quoted = pk.map((c) => `"${c}"`).join(', ');
    const row = w.prepare(`SELECT ${quoted}, "${column}" AS __v FROM "${table}" ORDER BY ${quoted} LIMIT 1 OFFSET ?`).get(Math.floor(rows / 2)) as Record<string, unknown>;
    const where = pk.map((c) => `"${c}" = ?`).join(' AND ');
    const update = w.prepare(`UPDATE "${table}" SET "${column}" = ? WHERE ${where}`);
    const keys = pk.map((c) => row[c]) as never[];
    try {
      update.run(changed(row.__v) as never, ...keys);
    } catch {
      // The nearby value collides with another row's key: take one far away.
      update.run((typeof row.__v === 'number' ? row.__v + 1_000_000 : `${String(row.__v)}~`) as never, ...keys);
    }
    w.close();
    await assert.rejects(
      verifyDataDir(copy),
      (e: unknown) => {
        if (!isDhlError(e)) return false;
        const d = e.details as Record<string, unknown>;
        return d.height !== undefined || d.table !== undefined;
      },
      `${table}.${column} changed but verify passed or named no place`,
    );
    checked++;
  }
  assert.ok(checked >= 30, `only ${checked} columns checked`);
});

test('an ordering position that goes back from one block to the next makes verify fail, naming the block', async () => {
  const { dataDir } = await built;
  const copy = copyDir(dataDir);
  const w = new DatabaseSync(join(copy, DB_FILE));
  w.exec('UPDATE blocks SET order_position = 0 WHERE height = 3');
  w.close();
  await assert.rejects(verifyDataDir(copy), (e: unknown) => isDhlError(e, 'DATA_DIR_TAMPERED') && e.details.table === 'blocks' && e.details.column === 'order_position' && e.details.height === 3);
});

test('a block_writes or attestations row at a height no block of the chain has makes verify fail, naming the table', async () => {
  const { dataDir } = await built;
  for (const [table, sql] of [
    ['block_writes', "INSERT INTO block_writes (height, key, value) VALUES (0, 'user/ghost', NULL)"],
    ['block_writes', "INSERT INTO block_writes (height, key, value) SELECT MAX(height) + 1, 'user/ghost', NULL FROM blocks"],
    ['attestations', "INSERT INTO attestations (height, node_id, attestation) VALUES (0, 'node9', '{}')"],
  ] as const) {
    const copy = copyDir(dataDir);
    const w = new DatabaseSync(join(copy, DB_FILE));
    w.exec(sql);
    w.close();
    await assert.rejects(verifyDataDir(copy), (e: unknown) => isDhlError(e, 'DATA_DIR_TAMPERED') && e.details.table === table && e.details.reason === 'rows beyond the chain', sql);
  }
});

test('state, audit and directory indexes and Merkle nodes are rebuilt by replay: after a rebuild a damaged copy verifies again', async () => {
  const { dataDir } = await built;
  const copy = copyDir(dataDir);
  const w = new DatabaseSync(join(copy, DB_FILE));
  w.exec("DELETE FROM state WHERE key LIKE 'grant/%'; DELETE FROM audit; DELETE FROM directory; UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 1;");
  w.close();
  await assert.rejects(verifyDataDir(copy), (e: unknown) => isDhlError(e, 'DATA_DIR_TAMPERED'));
  const rebuilt = await rebuildDerivedTables(copy);
  const original = await verifyDataDir(dataDir);
  assert.deepEqual(rebuilt, original);
});

test('a damaged log is never "rebuilt" around: rebuilding refuses a changed body', async () => {
  const { dataDir } = await built;
  const copy = copyDir(dataDir);
  const w = new DatabaseSync(join(copy, DB_FILE));
  w.exec("UPDATE bodies SET body = replace(body, 'follow-up', 'follow-up!') WHERE body LIKE '%follow-up%'");
  w.close();
  await assert.rejects(rebuildDerivedTables(copy), (e: unknown) => isDhlError(e, 'TX_BODY_HASH_MISMATCH'));
});

test('a changed, truncated or missing blob file makes verify fail, naming the blob and chunk', async () => {
  const { dataDir, scenario } = await built;
  const { BlobStore } = await import('../../src/node/index.ts');
  const { readFileSync, writeFileSync, truncateSync, rmSync } = await import('node:fs');
  const cases: [string, (path: string) => void, RegExp][] = [
    ['one byte changed', (p) => {
      const bytes = readFileSync(p);
      bytes[bytes.length - 20]! ^= 1;
      writeFileSync(p, bytes);
    }, /chunk/],
    ['truncated', (p) => truncateSync(p, 40), /./],
    ['missing', (p) => rmSync(p), /./],
  ];
  for (const [name, damage] of cases) {
    const copy = copyDir(dataDir);
    damage(new BlobStore(copy).pathOf(scenario.cipherRoot));
    await assert.rejects(verifyDataDir(copy), (e: unknown) => {
      if (!isDhlError(e, 'DATA_DIR_TAMPERED')) return false;
      const d = e.details as Record<string, unknown>;
      return d.table === 'blobs' && d.key === scenario.cipherRoot;
    }, name);
  }
  const report = await verifyDataDir(dataDir);
  assert.equal(report.blobs?.stored, 1);
});

test('the same JSON in other bytes is a change: state.value, block_writes.value and bodies.body are compared byte for byte', async () => {
  const { dataDir } = await built;
  const cases: [string, string, string][] = [
    // A space after the opening brace: JSON.parse gives the same value, the bytes differ from the canonical form.
    ['state', 'value', "UPDATE state SET value = '{ ' || substr(value, 2) WHERE key = (SELECT key FROM state WHERE key LIKE 'user/%' LIMIT 1)"],
    ['block_writes', 'value', "UPDATE block_writes SET value = '{ ' || substr(value, 2) WHERE (height, key) IN (SELECT height, key FROM block_writes WHERE value LIKE '{%' LIMIT 1)"],
    ['bodies', 'body', "UPDATE bodies SET body = '{ ' || substr(body, 2) WHERE seq = 4"],
  ];
  for (const [table, column, sql] of cases) {
    const copy = copyDir(dataDir);
    const w = new DatabaseSync(join(copy, DB_FILE));
    assert.equal(Number(w.prepare(sql).run().changes), 1, `${table}: one row changed`);
    w.close();
    await assert.rejects(verifyDataDir(copy), (e: unknown) => {
      if (!isDhlError(e, 'DATA_DIR_TAMPERED')) return false;
      return e.details.table === table && e.details.column === column;
    }, `${table}.${column} in other bytes`);
  }
});

test('a stray file under blobs/ and uploads no record names are listed in the report as orphans, not as tampering', async () => {
  const { dataDir } = await built;
  const { BlobStore } = await import('../../src/node/index.ts');
  const { makeBlob, streamOf } = await import('../helpers/blob-fixture.ts');
  const copy = copyDir(dataDir);
  // An upload the node recorded (its row) that no AddRecord names, and one whose row was never written.
  const recorded = await makeBlob(100, 64);
  const node = await LedgerNode.open(copy, { clock });
  try {
    await node.putBlob(recorded.expected, streamOf(recorded.chunks));
  } finally {
    await node.close();
  }
  const unrecorded = await makeBlob(200, 64);
  await new BlobStore(copy).put(unrecorded.expected, streamOf(unrecorded.chunks));
  const { mkdirSync, writeFileSync } = await import('node:fs');
  writeFileSync(join(copy, 'blobs', 'notes.txt'), 'not a blob');
  const shard = recorded.expected.cipherRoot.slice(0, 2);
  writeFileSync(join(copy, 'blobs', shard, 'ff'.repeat(32)), 'a blob name in the wrong shard');
  mkdirSync(join(copy, 'blobs', 'zz'));

  const report = await verifyDataDir(copy);
  assert.deepEqual(report.blobs, {
    stored: 2,
    notReplicated: [],
    orphanRows: [recorded.expected.cipherRoot],
    orphanFiles: [unrecorded.expected.cipherRoot],
    strayFiles: [`${shard}/${'ff'.repeat(32)}`, 'notes.txt', 'zz'].sort(),
  });
});

test("a record version whose blob is not here is tampering on a one-node chain, and 'not yet replicated' where the genesis names other nodes", async () => {
  const { dataDir, scenario } = await built;
  const removeBlob = (dir: string) => {
    const w = new DatabaseSync(join(dir, DB_FILE));
    w.prepare('DELETE FROM blobs WHERE cipher_root = ?').run(scenario.cipherRoot);
    w.close();
    rmSync(join(dir, 'blobs', scenario.cipherRoot.slice(0, 2), scenario.cipherRoot));
  };
  const alone = copyDir(dataDir);
  removeBlob(alone);
  await assert.rejects(verifyDataDir(alone), (e: unknown) => isDhlError(e, 'DATA_DIR_TAMPERED') && e.details.table === 'blobs' && e.details.key === scenario.cipherRoot);

  // The same chain of events where the genesis names a second node, which could have ordered the block.
  const { generateKeyPair, exportSpki, toBase64url } = await import('../../src/crypto/index.ts');
  const { testGenesis } = await import('../helpers/ledger-fixture.ts');
  const genesis = await testGenesis();
  const node2 = await generateKeyPair('sig');
  genesis.orgs[0]!.nodes.push({ nodeId: 'node2', sigSpki: toBase64url(await exportSpki(node2.publicKey)) });
  const consortium = await testDataDir(genesis);
  made.push(consortium.dataDir);
  const node = await LedgerNode.open(consortium.dataDir, { clock, ordering: { maxItems: 3, maxDelayMs: 0 } });
  let cipherRoot: string;
  let recordId: string;
  try {
    ({ cipherRoot, recordId } = await runScenario(node, consortium.chainId));
  } finally {
    await node.close();
  }
  const w = new DatabaseSync(join(consortium.dataDir, DB_FILE));
  w.prepare('DELETE FROM blobs WHERE cipher_root = ?').run(cipherRoot);
  w.close();
  rmSync(join(consortium.dataDir, 'blobs', cipherRoot.slice(0, 2), cipherRoot));
  const report = await verifyDataDir(consortium.dataDir);
  assert.deepEqual(report.blobs?.notReplicated, [{ cipherRoot, version: `version/${recordId}/1` }]);
  assert.equal(report.blobs?.stored, 0);
});
