/**
 * Verify's scratch replay is a second instance of the ledger store
 * (DESIGN §3): its tables come from the store's schema text, not a copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openDatabase, replaceDerivedTables, ScratchStore } from '../../../src/node/store/index.ts';
import { tempDir } from '../../helpers/temp.ts';

/** Every table's columns (name, type, not-null, primary-key position) and every index, as SQLite reports them. */
function shapeOf(db: DatabaseSync): Map<string, string> {
  const shape = new Map<string, string>();
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  for (const { name } of tables) {
    const columns = db.prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid').all(name);
    const indexes = db.prepare('SELECT "unique", origin FROM pragma_index_list(?) ORDER BY name').all(name);
    shape.set(name, JSON.stringify({ columns, indexes }));
  }
  return shape;
}

test("the scratch store's tables are the ledger store's tables, column for column, plus its own blob_refs", (t) => {
  const dir = tempDir('scratch-schema');
  const ledger = openDatabase(join(dir, 'ledger.sqlite'));
  const scratch = new ScratchStore(dir);
  t.after(() => {
    ledger.close();
    scratch.close();
  });
  const view = new DatabaseSync(scratch.file, { readOnly: true });
  try {
    const want = shapeOf(ledger);
    const got = shapeOf(view);
    assert.ok(want.size >= 10, 'the ledger schema was read');
    assert.deepEqual([...got.keys()].filter((name) => !want.has(name)), ['blob_refs']);
    for (const [name, shape] of want) assert.equal(got.get(name), shape, `table ${name}`);
  } finally {
    view.close();
  }
});

test("a rebuild replaces a database's derived tables with the scratch store's rows and leaves the log tables alone", (t) => {
  const dir = tempDir('scratch-rebuild');
  const file = join(dir, 'ledger.sqlite');
  const ledger = openDatabase(file);
  ledger.exec("INSERT INTO state (key, value) VALUES ('stale', '1'); INSERT INTO audit (subject, seq) VALUES ('u:old', 9); INSERT INTO meta (key, value) VALUES ('chain', 'c')");
  ledger.close();
  const scratch = new ScratchStore(dir);
  t.after(() => scratch.close());
  scratch.state.apply([['user/raj', { username: 'raj' }]]);
  scratch.addAudit([['u:raj', 0], ['r:00ff', 0]]);
  scratch.nodes.set(0, 0, new Uint8Array(32).fill(7));
  scratch.addDirectoryRows([{ patient: 'raj', chart_index: 0, record_id: '00ff', listed: 1, entry: '{}' }]);
  replaceDerivedTables(file, scratch);
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    assert.deepEqual(db.prepare('SELECT key, value FROM state').all().map((r) => ({ ...r })), [{ key: 'user/raj', value: '{"username":"raj"}' }]);
    assert.deepEqual(db.prepare('SELECT subject, seq FROM audit ORDER BY subject').all().map((r) => ({ ...r })), [{ subject: 'r:00ff', seq: 0 }, { subject: 'u:raj', seq: 0 }]);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM merkle_nodes').get() as { n: number }).n, 1);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM directory').get() as { n: number }).n, 1);
    assert.deepEqual(db.prepare('SELECT key, value FROM meta').all().map((r) => ({ ...r })), [{ key: 'chain', value: 'c' }]);
  } finally {
    db.close();
  }
});
