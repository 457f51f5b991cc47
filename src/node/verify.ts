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
import { canonicalJson, compareUtf8, parseManifest, toHex, DhlError, withDetails } from '../crypto/index.ts';
import { auditSubjects, OK } from '../contract/index.ts';
import {
  blockHash, chainIdOf, entryLeafHash, ledgerError, MerkleTree, parseGenesis, parseSignedHead, parseTx, verifyExtendsHead, verifySignedHead,
  type BlockHeader, type ChainBlock, type ChainHead, type Genesis,
} from '../ledger/index.ts';
import { nodeError } from './errors.ts';
import { EXPORT_FORMAT, readBlock } from './export.ts';
import { parseExportLine } from './export-reader.ts';
import { DB_FILE } from './data-dir.ts';
import { sha256 } from './hash.ts';
import { checkIntegrity, guardStorage, SCHEMA_VERSION, unpackHashes } from './store/index.ts';
import { ReplayVerifier } from './replay.ts';
import { BlobStore } from './blob-store.ts';
import { blobMismatch } from './blob-admission.ts';
import { directoryRowsOf, type DirectoryRow } from './derived-rows.ts';
import { ReplayScratch } from './replay-scratch.ts';

export interface VerifyReport {
  chain: string;
  head: ChainHead;
  blocks: number;
  entries: number;
  /** Keys in the replayed state; absent when the state was withheld. */
  stateKeys?: number;
  /**
   * An export without state writes: the first height whose state was not
   * replayed (from there on outcomes and writes are taken from the attested
   * headers, and only identity bodies were checked).
   */
  stateWithheldFrom?: number;
  /** The signed head the ledger was found to extend, when one was given. */
  extendsHead?: { height: number; blockHash: string; nodeId: string };
  /** A data directory's blobs (absent for an export, which carries none). */
  blobs?: BlobReport;
}

/** What verify found about a data directory's blobs besides tampering (which fails it). */
export interface BlobReport {
  /** Blobs the node recorded, each re-read in full and found exact. */
  stored: number;
  /** Record versions whose blob is not here yet (a block from another node; the blob comes from a peer). */
  notReplicated: { cipherRoot: string; version: string }[];
  /** Uploads no record version names (they expire): recorded ones, and files never recorded. */
  orphanRows: string[];
  orphanFiles: string[];
  /** Entries under `blobs/` that are no blob (paths relative to it). */
  strayFiles: string[];
}

function tampered(details: Record<string, string | number>): DhlError {
  return nodeError('DATA_DIR_TAMPERED', details);
}

export interface VerifyOptions {
  /** The chain id the verifier trusts (a data directory otherwise names its own). */
  trustedChainId?: string;
  /** A signed head seen earlier (formats §8.8): the ledger must extend it (HEAD_BEHIND, HEAD_MISMATCH). */
  head?: unknown;
}

export async function verifyDataDir(dataDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const path = join(dataDir, DB_FILE);
  if (!existsSync(path)) throw nodeError('NODE_NOT_INITIALISED', { dataDir });
  return guardStorage(path, async () => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      // SQLite's own check of the whole file first: a damaged index or page is not a ledger question.
      checkIntegrity(db, path);
      return await verifyDatabase(db, dataDir, options);
    } finally {
      db.close();
    }
  });
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
  if (meta.get('schema') !== String(SCHEMA_VERSION)) throw tampered({ table: 'meta', column: 'value', key: 'schema' });
  if (meta.size !== 3) throw tampered({ table: 'meta', column: 'key', reason: 'unexpected rows' });
  if (options.trustedChainId !== undefined && options.trustedChainId !== chainId) {
    throw nodeError('DATA_DIR_TAMPERED', { table: 'meta', key: 'chain', reason: 'not the trusted chain id' });
  }

  const replay = await ReplayVerifier.create(chainId, genesis, { allowWithheld: false, minAttestations: 1, state: scratch.state });
  const tree = new MerkleTree(sha256, { store: scratch.nodes });
  const blockRow = db.prepare('SELECT hash, time, first_seq, entry_count, header, order_position FROM blocks WHERE height = ?');
  let lastPosition = 0;
  const attestationRows = db.prepare('SELECT node_id FROM attestations WHERE height = ? AND attestation = ?');
  const entryRows = db.prepare(
    'SELECT e.seq, e.height, e.tx_hash, e.outcome, e.type, e.actor, e.header, e.sig, b.body FROM entries e LEFT JOIN bodies b ON b.seq = e.seq WHERE e.seq >= ? AND e.seq < ? ORDER BY e.seq',
  );
  const writeRows = db.prepare('SELECT key, value FROM block_writes WHERE height = ? ORDER BY key');
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
    const row = blockRow.get(next) as { hash: string; time: number; first_seq: number; entry_count: number; header: string; order_position: number };
    const head = replay.head;
    if (row.hash !== head.blockHash) throw tampered({ table: 'blocks', column: 'hash', height: next });
    if (row.time !== h.time) throw tampered({ table: 'blocks', column: 'time', height: next });
    if (row.first_seq !== h.firstSeq) throw tampered({ table: 'blocks', column: 'first_seq', height: next });
    if (row.entry_count !== h.entryCount) throw tampered({ table: 'blocks', column: 'entry_count', height: next });
    if (row.header !== canonicalJson(h)) throw tampered({ table: 'blocks', column: 'header', height: next });
    // The orderer's position is node-local (not signed): only its order can be checked.
    if (!Number.isSafeInteger(row.order_position) || row.order_position < lastPosition) throw tampered({ table: 'blocks', column: 'order_position', height: next });
    lastPosition = row.order_position;
    // Stored JSON is canonical: the same value in other bytes is a change too (compare bytes, not parsed values).
    const written = writeRows.all(next) as { key: string; value: string | null }[];
    if (written.length !== replay.lastWrites.length) throw tampered({ table: 'block_writes', height: next, reason: 'rows differ from the block' });
    for (const [i, [key, value]] of replay.lastWrites.entries()) {
      const text = value === null ? null : canonicalJson(value, { allowNull: true });
      if (written[i]!.key !== key || written[i]!.value !== text) throw tampered({ table: 'block_writes', column: 'value', height: next, key: key.slice(0, 120) });
    }
    const entries = entryRows.all(h.firstSeq, h.firstSeq + h.entryCount) as {
      seq: number; height: number; tx_hash: string; outcome: string; type: string; actor: string; header: string; sig: string; body: string | null;
    }[];
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
        if (e.body !== tx.bodyJson) throw tampered({ ...at, table: 'bodies', column: 'body' });
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

async function verifyDatabase(db: DatabaseSync, dataDir: string, options: VerifyOptions): Promise<VerifyReport> {
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
      // Both sides store canonical JSON: equal values are equal bytes.
      if (got.value !== want.value) throw tampered({ table: 'state', column: 'value', key: got.key.slice(0, 120) });
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

    const blobs = await verifyBlobs(db, dataDir, scratch, replay.genesis);
    const report: VerifyReport = { chain: chainId, head, blocks: head.height, entries: head.treeSize, stateKeys: scratch.state.size, blobs };
    if (options.head === undefined) return report;
    const headerAt = (height: number) => readBlock(db, height, { includeWrites: false })?.header;
    return { ...report, extendsHead: await checkExtendsHead(replay, options.head, headerAt) };
  } finally {
    scratch.close();
  }
}

/**
 * Blobs of a data directory. Every `blobs` row's file must hold exactly the
 * chunks it lists (tampering otherwise). Every record version in the state
 * names its blob: where the blob is stored its header and size must fit the
 * manifest (the blob is that version's and no other's); where it is not,
 * the version is *not yet replicated* when the genesis has other nodes (a
 * block ordered by another node may name a blob still on its way here), and
 * tampering when this node is the chain's only node (its own admission
 * refused every record version without its blob). Uploads no version names
 * (rows and files) and entries under `blobs/` that are no blob at all are
 * listed, not failed: orphans expire.
 */
async function verifyBlobs(db: DatabaseSync, dataDir: string, scratch: ReplayScratch, genesis: Genesis): Promise<BlobReport> {
  const store = new BlobStore(dataDir);
  type Row = { cipher_root: string; stored_size: number; chunk_size: number; chunk_hashes: Uint8Array };
  const rowSql = 'SELECT cipher_root, stored_size, chunk_size, chunk_hashes FROM blobs';
  let stored = 0;
  for (const row of db.prepare(`${rowSql} ORDER BY cipher_root`).iterate() as Iterable<Row>) {
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
    stored++;
  }

  const onlyNode = genesis.orgs.flatMap((o) => o.nodes).length === 1;
  const rowOf = db.prepare(`${rowSql} WHERE cipher_root = ?`);
  const notReplicated: BlobReport['notReplicated'] = [];
  scratch.db.exec('CREATE TABLE blob_refs (cipher_root TEXT PRIMARY KEY) WITHOUT ROWID');
  const addRef = scratch.db.prepare('INSERT OR IGNORE INTO blob_refs (cipher_root) VALUES (?)');
  for (const [key, value] of scratch.state.entries('version/')) {
    const manifest = parseManifest((value as { manifest?: unknown }).manifest);
    const cipherRoot = manifest.cipherRoot;
    addRef.run(cipherRoot);
    const row = rowOf.get(cipherRoot) as Row | undefined;
    if (!row) {
      if (onlyNode) throw tampered({ table: 'blobs', key: cipherRoot, reason: `no blob for ${key}` });
      notReplicated.push({ cipherRoot, version: key });
      continue;
    }
    const { header, bytes } = await store.header(cipherRoot);
    const field = blobMismatch(manifest, { header, headerBytes: bytes.length, storedSize: row.stored_size, chunkCount: row.chunk_hashes.length / 32 });
    if (field) throw tampered({ table: 'blobs', key: cipherRoot, reason: `the blob does not match ${key}`, field });
  }

  // Orphans: rows no version names, files without a row, and whatever else lies under blobs/.
  const orphanRows: string[] = [];
  const referenced = scratch.db.prepare('SELECT cipher_root FROM blob_refs ORDER BY cipher_root').iterate() as Iterable<{ cipher_root: string }>;
  const rows = db.prepare('SELECT cipher_root FROM blobs ORDER BY cipher_root').iterate() as Iterable<{ cipher_root: string }>;
  for (const [row, ref] of zipOrdered(rows, referenced, (a, b) => compareUtf8(a.cipher_root, b.cipher_root))) {
    if (row && !ref) orphanRows.push(row.cipher_root);
  }
  const { blobs: files, stray: strayFiles } = await store.inventory();
  const orphanFiles: string[] = [];
  const recorded = db.prepare('SELECT cipher_root FROM blobs ORDER BY cipher_root').iterate() as Iterable<{ cipher_root: string }>;
  const fileRows = files.map((cipher_root) => ({ cipher_root }));
  for (const [file, row] of zipOrdered(fileRows, recorded, (a, b) => compareUtf8(a.cipher_root, b.cipher_root))) {
    if (file && !row) orphanFiles.push(file.cipher_root);
  }
  return { stored, notReplicated, orphanRows, orphanFiles, strayFiles };
}

/**
 * After a whole ledger verified: the signed head must be this chain's, by a
 * genesis node, and the ledger must extend it — not be behind it (a
 * rollback), have the same header at its height, and a consistency proof
 * from its tree to today's (formats §8.8).
 */
async function checkExtendsHead(replay: ReplayVerifier, value: unknown, headerAt: (height: number) => BlockHeader | undefined): Promise<VerifyReport['extendsHead']> {
  const signed = await verifySignedHead(sha256, replay.chainId, replay.genesis, value);
  const h = signed.header;
  const current = replay.head;
  const behind = current.height < h.height || current.treeSize < h.treeSize;
  const proof = behind ? [] : replay.consistencyProof(h.treeSize);
  verifyExtendsHead(sha256, signed, { ...current, ...(behind ? {} : { headerAtHeight: headerAt(h.height) }) }, proof);
  return { height: h.height, blockHash: blockHash(sha256, h), nodeId: signed.attestation.attestation.nodeId };
}

/** Verifies an export stream (lines) from a trusted chain id. */
export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>, trustedChainId: string, options: Pick<VerifyOptions, 'head'> = {}): Promise<VerifyReport> {
  const scratch = new ReplayScratch();
  try {
    return await verifyExportLines(lines, trustedChainId, scratch, options);
  } finally {
    scratch.close();
  }
}

async function verifyExportLines(
  lines: AsyncIterable<string> | Iterable<string>,
  trustedChainId: string,
  scratch: ReplayScratch,
  options: Pick<VerifyOptions, 'head'>,
): Promise<VerifyReport> {
  // The export streams past: keep its header at the signed head's height as it goes by.
  const headHeight = options.head === undefined ? undefined : parseSignedHead(options.head).header.height;
  let headerAtHead: BlockHeader | undefined;
  let replay: ReplayVerifier | undefined;
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const value = parseExportLine(line, n);
    if (!replay) {
      if (value.kind !== EXPORT_FORMAT) throw nodeError('EXPORT_INVALID', { line: n, reason: 'not a dhl export' });
      replay = await atLine(n, () => ReplayVerifier.create(trustedChainId, parseGenesis(value.genesis), { allowWithheld: true, state: scratch.state }));
      continue;
    }
    if (value.kind !== 'block') throw nodeError('EXPORT_INVALID', { line: n, reason: 'expected a block' });
    const { kind: _kind, ...block } = value;
    const verified = await atLine(n, () => replay!.verifyBlock(block as unknown as ChainBlock));
    if (verified.height === headHeight) headerAtHead = (block as unknown as ChainBlock).header;
  }
  if (!replay) throw nodeError('EXPORT_INVALID', { line: 0, reason: 'empty' });
  const head = replay.head;
  const withheldFrom = replay.stateWithheldFrom;
  const report: VerifyReport = {
    chain: trustedChainId, head, blocks: head.height, entries: head.treeSize,
    ...(withheldFrom === undefined ? { stateKeys: replay.state.size } : { stateWithheldFrom: withheldFrom }),
  };
  if (options.head === undefined) return report;
  return { ...report, extendsHead: await checkExtendsHead(replay, options.head, () => headerAtHead) };
}

/** Runs `fn`; a typed error from it also names the export line it came from. */
async function atLine<T>(line: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof DhlError ? withDetails(err, { line }) : err;
  }
}

/**
 * Rebuilds the derived tables (state, audit index, directory index, Merkle nodes) of a data
 * directory by replaying its log, after checking the log itself: the way back
 * from a damaged or hand-edited derived table. Refuses if the log is wrong.
 */
export async function rebuildDerivedTables(dataDir: string): Promise<VerifyReport> {
  const path = join(dataDir, DB_FILE);
  if (!existsSync(path)) throw nodeError('NODE_NOT_INITIALISED', { dataDir });
  await guardStorage(path, () => rebuildFrom(path));
  return verifyDataDir(dataDir);
}

async function rebuildFrom(path: string): Promise<void> {
  const db = new DatabaseSync(path);
  const scratch = new ReplayScratch();
  try {
    checkIntegrity(db, path);
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
}
