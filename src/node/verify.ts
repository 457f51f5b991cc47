/**
 * `verify` (DESIGN §5): replays a data directory or an export from a trusted
 * chain id and checks every signature, hash, root, the state-digest chain, the
 * contract's outcomes and writes, and, for a data directory, that every derived
 * table (state, Merkle nodes, audit and directory indexes, block columns, blobs) is exactly what
 * the ledger implies. The first wrong place is named in the error's details:
 * height and entry, or table, column and key.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, compareUtf8, toHex, DhlError } from '../crypto/index.ts';
import { auditSubjects, OK } from '../contract/index.ts';
import {
  chainIdOf, entryLeafHash, ledgerError, MerkleTree, parseGenesis, parseTx, type ChainBlock, type ChainHead, type Genesis,
} from '../ledger/index.ts';
import { nodeError } from './errors.ts';
import { EXPORT_FORMAT, readBlock } from './export.ts';
import { DB_FILE, sha256, unpackHashes } from './ledger-node.ts';
import { ReplayVerifier } from './replay.ts';
import { BlobStore } from './blob-store.ts';
import { directoryRowsOf, type DirectoryRow } from './directory-index.ts';
import { ReplayScratch } from './replay-scratch.ts';

export interface VerifyReport {
  chain: string;
  head: ChainHead;
  blocks: number;
  entries: number;
  stateKeys: number;
  blobs?: number;
}

function tampered(details: Record<string, string | number>): DhlError {
  return nodeError('DATA_DIR_TAMPERED', details);
}

export async function verifyDataDir(dataDir: string, options: { trustedChainId?: string } = {}): Promise<VerifyReport> {
  const path = join(dataDir, DB_FILE);
  if (!existsSync(path)) throw nodeError('NODE_NOT_INITIALISED', { dataDir });
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return await verifyDatabase(db, dataDir, options);
  } finally {
    db.close();
  }
}

/** What replaying a data directory's log implies for its derived tables, kept in scratch tables. */
interface Replayed {
  chainId: string;
  replay: ReplayVerifier;
  scratch: ReplayScratch;
}

/**
 * Replays the log of a data directory, checking the chain and every non-derived
 * column on the way. The caller closes `scratch`.
 */
async function replayDatabase(db: DatabaseSync, options: { trustedChainId?: string }, scratch: ReplayScratch): Promise<Replayed> {
  const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  let genesis: Genesis;
  try {
    genesis = parseGenesis(JSON.parse(meta.get('genesis') ?? 'null'));
  } catch (err) {
    throw tampered({ table: 'meta', column: 'value', key: 'genesis', reason: err instanceof DhlError ? err.code : 'json' });
  }
  const chainId = chainIdOf(sha256, genesis);
  if (meta.get('chain') !== chainId) throw tampered({ table: 'meta', column: 'value', key: 'chain' });
  if (meta.get('genesis') !== canonicalJson(genesis)) throw tampered({ table: 'meta', column: 'value', key: 'genesis' });
  if (meta.get('schema') !== '1') throw tampered({ table: 'meta', column: 'value', key: 'schema' });
  if (meta.size !== 3) throw tampered({ table: 'meta', column: 'key', reason: 'unexpected rows' });
  if (options.trustedChainId !== undefined && options.trustedChainId !== chainId) {
    throw nodeError('DATA_DIR_TAMPERED', { table: 'meta', key: 'chain', reason: 'not the trusted chain id' });
  }

  const replay = await ReplayVerifier.create(chainId, genesis, { allowWithheld: false, minAttestations: 1, state: scratch.state });
  const tree = new MerkleTree(sha256, { store: scratch.nodes });
  const blockRow = db.prepare('SELECT hash, time, first_seq, entry_count, header FROM blocks WHERE height = ?');
  const attestationRows = db.prepare('SELECT node_id FROM attestations WHERE height = ? AND attestation = ?');
  const entryRows = db.prepare('SELECT seq, height, tx_hash, outcome, type, actor, header, sig FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq');
  let height = 0;
  for (;;) {
    const next = height + 1;
    let block: ChainBlock | undefined;
    try {
      block = readBlock(db, next);
    } catch {
      throw tampered({ table: 'blocks', height: next, reason: 'unreadable row' });
    }
    if (!block) break;
    // A missing body: the entry has no bodies row. Report it before the chain verifier sees a malformed tx.
    for (const [i, e] of block.entries.entries()) {
      if (!('body' in e.tx) && !('withheld' in e.tx)) throw ledgerError('CHAIN_BODY_MISSING', { height: next, entry: i, table: 'bodies' });
    }
    await replay.verifyBlock(block);
    const h = block.header;
    const row = blockRow.get(next) as { hash: string; time: number; first_seq: number; entry_count: number; header: string };
    const head = replay.head;
    if (row.hash !== head.blockHash) throw tampered({ table: 'blocks', column: 'hash', height: next });
    if (row.time !== h.time) throw tampered({ table: 'blocks', column: 'time', height: next });
    if (row.first_seq !== h.firstSeq) throw tampered({ table: 'blocks', column: 'first_seq', height: next });
    if (row.entry_count !== h.entryCount) throw tampered({ table: 'blocks', column: 'entry_count', height: next });
    if (row.header !== canonicalJson(h)) throw tampered({ table: 'blocks', column: 'header', height: next });
    const entries = entryRows.all(h.firstSeq, h.firstSeq + h.entryCount) as { seq: number; height: number; tx_hash: string; outcome: string; type: string; actor: string; header: string; sig: string }[];
    scratch.batch(() => {
      for (const [i, e] of entries.entries()) {
        const tx = parseTx(sha256, block.entries[i]!.tx);
        const at = { table: 'entries', height: next, entry: i };
        if (e.seq !== h.firstSeq + i) throw tampered({ ...at, column: 'seq' });
        if (e.height !== next) throw tampered({ ...at, column: 'height' });
        if (e.tx_hash !== tx.hash) throw tampered({ ...at, column: 'tx_hash' });
        if (e.type !== tx.header.type) throw tampered({ ...at, column: 'type' });
        if (e.actor !== tx.header.actor) throw tampered({ ...at, column: 'actor' });
        if (e.header !== canonicalJson(tx.header)) throw tampered({ ...at, column: 'header' });
        tree.append(entryLeafHash(sha256, { tx: tx.hash, outcome: e.outcome }));
        // scratch.state holds this block's writes already: the state after the block, as the node indexed with.
        const subjects = auditSubjects(tx, e.outcome === OK ? { ok: true } : { ok: false, code: e.outcome as never }, scratch.state);
        for (const u of subjects.users) scratch.addAudit(`u:${u}`, e.seq);
        for (const r of subjects.records) scratch.addAudit(`r:${r}`, e.seq);
      }
    });
    for (const a of block.attestations) {
      const nodeIds = attestationRows.all(next, canonicalJson(a)) as { node_id: string }[];
      if (nodeIds.length !== 1 || nodeIds[0]!.node_id !== a.attestation.nodeId) throw tampered({ table: 'attestations', column: 'node_id', height: next });
    }
    height = next;
  }
  scratch.batch(() => {
    for (const r of directoryRowsOf(scratch.state.entries('chart/'), scratch.state)) scratch.addDirectoryRow(r);
  });
  return { chainId, replay, scratch };
}

/**
 * Walks two row streams ordered by the same key together: yields
 * [stored, expected] for each key, with undefined on the side that lacks it.
 */
function* zipOrdered<T>(stored: Iterable<T>, expected: Iterable<T>, compare: (a: T, b: T) => number): Generator<[T | undefined, T | undefined]> {
  const a = stored[Symbol.iterator]();
  const b = expected[Symbol.iterator]();
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    const c = x.done ? 1 : y.done ? -1 : compare(x.value, y.value);
    if (c === 0) {
      yield [x.value, y.value];
      x = a.next();
      y = b.next();
    } else if (c < 0) {
      yield [x.value, undefined];
      x = a.next();
    } else {
      yield [undefined, y.value];
      y = b.next();
    }
  }
}

/** Rows of `sql` from both databases: the data directory's and the replay's, in the same order. */
function bothRows<T>(db: DatabaseSync, scratch: ReplayScratch, sql: string): [Iterable<T>, Iterable<T>] {
  return [db.prepare(sql).iterate() as Iterable<T>, scratch.db.prepare(sql).iterate() as Iterable<T>];
}

async function verifyDatabase(db: DatabaseSync, dataDir: string, options: { trustedChainId?: string }): Promise<VerifyReport> {
  const scratch = new ReplayScratch();
  try {
    const { chainId, replay } = await replayDatabase(db, options, scratch);
    const head = replay.head;

    // Rows beyond the chain, or outside it, are tampering too.
    const count = (sql: string, ...args: number[]) => (db.prepare(sql).get(...args) as { n: number }).n;
    if (count('SELECT COUNT(*) AS n FROM blocks') !== head.height) throw tampered({ table: 'blocks', reason: 'rows beyond the chain' });
    if (count('SELECT COUNT(*) AS n FROM entries') !== head.treeSize) throw tampered({ table: 'entries', reason: 'rows outside any block' });
    if (count('SELECT COUNT(*) AS n FROM bodies') !== head.treeSize) throw tampered({ table: 'bodies', reason: 'rows outside any entry' });
    if (count('SELECT COUNT(*) AS n FROM block_writes WHERE height > ?', head.height) !== 0) throw tampered({ table: 'block_writes', reason: 'rows beyond the chain' });
    if (count('SELECT COUNT(*) AS n FROM attestations WHERE height > ? OR height < 1', head.height) !== 0) throw tampered({ table: 'attestations', reason: 'rows beyond the chain' });

    // Derived tables: exactly what the replay implies, compared row by row in key order.
    type KV = { key: string; value: string };
    for (const [got, want] of zipOrdered(...bothRows<KV>(db, scratch, 'SELECT key, value FROM state ORDER BY key'), (a, b) => compareUtf8(a.key, b.key))) {
      if (!want) throw tampered({ table: 'state', column: 'key', key: got!.key.slice(0, 120) });
      if (!got) throw tampered({ table: 'state', reason: 'rows missing', key: want.key.slice(0, 120) });
      let same: boolean;
      try {
        same = got.value === want.value || canonicalJson(JSON.parse(got.value)) === canonicalJson(JSON.parse(want.value));
      } catch {
        same = false;
      }
      if (!same) throw tampered({ table: 'state', column: 'value', key: got.key.slice(0, 120) });
    }

    type NodeRow = { level: number; idx: number; hash: Uint8Array };
    const nodeOrder = (a: NodeRow, b: NodeRow) => a.level - b.level || a.idx - b.idx;
    for (const [got, want] of zipOrdered(...bothRows<NodeRow>(db, scratch, 'SELECT level, idx, hash FROM merkle_nodes ORDER BY level, idx'), nodeOrder)) {
      if (!got || !want) throw tampered({ table: 'merkle_nodes', reason: got ? 'extra rows' : 'rows missing', level: (got ?? want)!.level, idx: (got ?? want)!.idx });
      if (toHex(new Uint8Array(got.hash)) !== toHex(new Uint8Array(want.hash))) throw tampered({ table: 'merkle_nodes', column: 'hash', level: got.level, idx: got.idx });
    }

    type AuditRow = { subject: string; seq: number };
    const auditOrder = (a: AuditRow, b: AuditRow) => compareUtf8(a.subject, b.subject) || a.seq - b.seq;
    for (const [got, want] of zipOrdered(...bothRows<AuditRow>(db, scratch, 'SELECT subject, seq FROM audit ORDER BY subject, seq'), auditOrder)) {
      if (!got || !want) throw tampered({ table: 'audit', row: `${(got ?? want)!.subject} ${(got ?? want)!.seq}`, reason: got ? 'extra row' : 'row missing' });
    }

    // The directory index: one row per charted record, equal to the contract's line for it.
    const columns = ['patient', 'chart_index', 'record_id', 'listed', 'entry'] as const;
    const directoryOrder = (a: DirectoryRow, b: DirectoryRow) => compareUtf8(a.patient, b.patient) || a.chart_index - b.chart_index;
    const directorySql = 'SELECT patient, chart_index, record_id, listed, entry FROM directory ORDER BY patient, chart_index';
    for (const [got, want] of zipOrdered(...bothRows<DirectoryRow>(db, scratch, directorySql), directoryOrder)) {
      if (!got || !want) throw tampered({ table: 'directory', reason: got ? 'extra rows' : 'rows missing', key: (got ?? want)!.record_id });
      const column = columns.find((c) => got[c] !== want[c]);
      if (column) throw tampered({ table: 'directory', column, key: want.record_id });
    }

    const blobs = await verifyBlobs(db, dataDir, scratch);
    return { chain: chainId, head, blocks: head.height, entries: head.treeSize, stateKeys: scratch.state.size, blobs };
  } finally {
    scratch.close();
  }
}

/**
 * Every blob row's file must hold exactly the chunks it lists, and every
 * record version in the state must have its blob: the node stores the
 * ciphertext of what it ledgers. Blob files without a row are uploads not yet
 * recorded (orphans expire), not tampering.
 */
async function verifyBlobs(db: DatabaseSync, dataDir: string, scratch: ReplayScratch): Promise<number> {
  const store = new BlobStore(dataDir);
  const rows = db.prepare('SELECT cipher_root, stored_size, chunk_size, chunk_hashes FROM blobs ORDER BY cipher_root').all() as {
    cipher_root: string; stored_size: number; chunk_size: number; chunk_hashes: Uint8Array;
  }[];
  const known = new Set<string>();
  for (const row of rows) {
    const at = { table: 'blobs', key: row.cipher_root };
    let summary;
    try {
      summary = await store.verify(row.cipher_root, unpackHashes(new Uint8Array(row.chunk_hashes)));
    } catch (err) {
      const d = err instanceof DhlError ? err.details : {};
      throw tampered({ ...at, column: 'cipher_root', reason: String(d.reason ?? (err instanceof DhlError ? err.code : 'error')), ...(d.chunk === undefined ? {} : { chunk: Number(d.chunk) }) });
    }
    if (summary.storedSize !== row.stored_size) throw tampered({ ...at, column: 'stored_size' });
    if (summary.header.chunkSize !== row.chunk_size) throw tampered({ ...at, column: 'chunk_size' });
    known.add(row.cipher_root);
  }
  for (const [key, value] of scratch.state.entries('version/')) {
    const root = (value as { manifest?: { cipherRoot?: string } }).manifest?.cipherRoot;
    if (typeof root === 'string' && !known.has(root)) throw tampered({ table: 'blobs', key: root, reason: `no blob for ${key}` });
  }
  return rows.length;
}

/** Verifies an export stream (lines) from a trusted chain id. */
export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>, trustedChainId: string): Promise<VerifyReport> {
  const scratch = new ReplayScratch();
  try {
    return await verifyExportLines(lines, trustedChainId, scratch);
  } finally {
    scratch.close();
  }
}

async function verifyExportLines(lines: AsyncIterable<string> | Iterable<string>, trustedChainId: string, scratch: ReplayScratch): Promise<VerifyReport> {
  let replay: ReplayVerifier | undefined;
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw nodeError('EXPORT_INVALID', { line: n, reason: 'not JSON' });
    }
    if (!replay) {
      if (value.kind !== EXPORT_FORMAT) throw nodeError('EXPORT_INVALID', { line: n, reason: 'not a dhl export' });
      replay = await ReplayVerifier.create(trustedChainId, parseGenesis(value.genesis), { allowWithheld: true, state: scratch.state });
      continue;
    }
    if (value.kind !== 'block') throw nodeError('EXPORT_INVALID', { line: n, reason: 'expected a block' });
    const { kind: _kind, ...block } = value;
    await replay.verifyBlock(block as unknown as ChainBlock);
  }
  if (!replay) throw nodeError('EXPORT_INVALID', { line: 0, reason: 'empty' });
  const head = replay.head;
  return { chain: trustedChainId, head, blocks: head.height, entries: head.treeSize, stateKeys: replay.state.size };
}

/**
 * Rebuilds the derived tables (state, audit index, directory index, Merkle nodes) of a data
 * directory by replaying its log, after checking the log itself: the way back
 * from a damaged or hand-edited derived table. Refuses if the log is wrong.
 */
export async function rebuildDerivedTables(dataDir: string): Promise<VerifyReport> {
  const path = join(dataDir, DB_FILE);
  if (!existsSync(path)) throw nodeError('NODE_NOT_INITIALISED', { dataDir });
  const db = new DatabaseSync(path);
  const scratch = new ReplayScratch();
  try {
    await replayDatabase(db, {}, scratch);
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec('DELETE FROM state; DELETE FROM audit; DELETE FROM merkle_nodes; DELETE FROM directory;');
      // The replay's tables, streamed across: the same columns in both schemas.
      for (const [table, columns] of [
        ['state', 'key, value'],
        ['audit', 'subject, seq'],
        ['merkle_nodes', 'level, idx, hash'],
        ['directory', 'patient, chart_index, record_id, listed, entry'],
      ] as const) {
        const put = db.prepare(`INSERT INTO ${table} (${columns}) VALUES (${columns.split(', ').map(() => '?').join(', ')})`);
        for (const row of scratch.db.prepare(`SELECT ${columns} FROM ${table}`).iterate() as Iterable<Record<string, SQLInputValue>>) {
          put.run(...columns.split(', ').map((c) => row[c]!));
        }
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  } finally {
    scratch.close();
    db.close();
  }
  return verifyDataDir(dataDir);
}
