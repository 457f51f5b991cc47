import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isDhlError } from '../../src/crypto/index.ts';
import { checkAtOpen, DB_FILE, LedgerNode, verifyDataDir } from '../../src/node/index.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

const clock = { now: () => T0 + 1000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) };

/** A data directory with a few blocks, closed (its WAL folded into the file). */
async function smallLedger(): Promise<{ dataDir: string; file: string }> {
  const { dataDir, chainId } = await testDataDir();
  const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 1, maxDelayMs: 0 } });
  try {
    for (const user of ['admin', 'raj', 'meera'] as const) await node.submit(await new Actor(user, chainId).register());
  } finally {
    await node.close();
  }
  return { dataDir, file: join(dataDir, DB_FILE) };
}

/** The byte offset of the root page of a table or index (the whole b-tree, in a database this small). */
function rootPageOffset(file: string, name: string): { offset: number; pageSize: number } {
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const { rootpage } = db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').get(name) as { rootpage: number };
    const { page_size: pageSize } = db.prepare('PRAGMA page_size').get() as { page_size: number };
    return { offset: (rootpage - 1) * pageSize, pageSize };
  } finally {
    db.close();
  }
}

/** Changes one hex digit of a tx hash inside the tx_hash index: the page stays well-formed, the index no longer matches its table. */
function damageTxHashIndex(file: string): void {
  const { offset, pageSize } = rootPageOffset(file, 'sqlite_autoindex_entries_1');
  const fd = openSync(file, 'r+');
  try {
    const page = Buffer.alloc(pageSize);
    readSync(fd, page, 0, pageSize, offset);
    const at = page.toString('latin1').search(/[0-9a-f]{64}/);
    assert.ok(at > 0, 'a tx hash in the index page');
    page[at] = page[at] === 0x30 ? 0x31 : 0x30;
    writeSync(fd, page, 0, pageSize, offset);
  } finally {
    closeSync(fd);
  }
}

/** Overwrites the page-type byte of a b-tree's root page: any read of it is "database disk image is malformed". */
function breakPage(file: string, name: string): void {
  const { offset } = rootPageOffset(file, name);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from([0xff]), 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

const corruptNaming = (file: string) => (e: unknown) => isDhlError(e, 'NODE_DATABASE_CORRUPT') && e.details.file === file && e.message.includes(file);

test('verify runs SQLite integrity check: an index that no longer matches its table is NODE_DATABASE_CORRUPT naming the file', async (t) => {
  const { dataDir, file } = await smallLedger();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  await verifyDataDir(dataDir);
  damageTxHashIndex(file);
  await assert.rejects(verifyDataDir(dataDir), (e: unknown) => corruptNaming(file)(e) && /index/.test(String((e as { details: { reason: string } }).details.reason)));
});

test('a node does not open on a damaged database: the open check names the file (the full check for a small file, the tail probe for a large one)', async (t) => {
  const { dataDir, file } = await smallLedger();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    assert.equal(checkAtOpen(db, file), 'full');
    assert.equal(checkAtOpen(db, file, { fullCheckMaxBytes: 0 }), 'tail');
  } finally {
    db.close();
  }
  damageTxHashIndex(file);
  await assert.rejects(LedgerNode.open(dataDir, { clock }), corruptNaming(file));
  const damaged = new DatabaseSync(file, { readOnly: true });
  try {
    // The bounded probe finds it too: the damaged index entry is in the tail it looks each row up in.
    assert.throws(() => checkAtOpen(damaged, file, { fullCheckMaxBytes: 0 }), corruptNaming(file));
  } finally {
    damaged.close();
  }
});

test('"database disk image is malformed" from any statement becomes NODE_DATABASE_CORRUPT naming the file, and the node stops', async (t) => {
  const { dataDir, chainId } = await testDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = join(dataDir, DB_FILE);
  const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 1, maxDelayMs: 0 } });
  try {
    // The state table is read first by the contract when raj's registration is applied.
    breakPage(file, 'state');
    await assert.rejects(node.submit(await new Actor('raj', chainId).register()), corruptNaming(file));
    await assert.rejects(node.submit(await new Actor('meera', chainId).register()), corruptNaming(file));
  } finally {
    await node.close();
  }
  await assert.rejects(verifyDataDir(dataDir), corruptNaming(file));
});

test('a file that is not a database at all is NODE_DATABASE_CORRUPT naming it, at open and in verify', async (t) => {
  const { dataDir } = await testDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = join(dataDir, DB_FILE);
  writeFileSync(file, Buffer.alloc(8192, 0x5a));
  await assert.rejects(LedgerNode.open(dataDir, { clock }), corruptNaming(file));
  await assert.rejects(verifyDataDir(dataDir), corruptNaming(file));
});
