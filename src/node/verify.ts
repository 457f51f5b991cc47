/**
 * `verify` (DESIGN §5): replays a data directory or an export from a trusted
 * chain id and checks every signature, hash, root, the state-digest chain, the
 * contract's outcomes and writes, and, for a data directory, that every derived
 * table (state, Merkle nodes, audit and directory indexes, block columns, blobs) is exactly what
 * the ledger implies. The first wrong place is named in the error's details:
 * height and entry, or table, column and key.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, compareUtf8, parseManifest, toHex, DhlError, withDetails } from '../crypto/index.ts';
import {
  blockHash, chainIdOf, entryLeafHash, ledgerError, MerkleTree, parseGenesis, parseSignedHead, parseTx, verifyExtendsHead, verifySignedHead,
  type BlockHeader, type ChainBlock, type ChainHead, type Genesis, type ParsedTx,
} from '../ledger/index.ts';
import { nodeError } from './errors.ts';
import { EXPORT_FORMAT } from './export.ts';
import { parseExportLine } from './export-reader.ts';
import { DB_FILE } from './data-dir.ts';
import { sha256 } from './hash.ts';
import { guardStorage, LedgerReader, replaceDerivedTables, ScratchStore, SCHEMA_VERSION, type MerkleNodeRow, type StateRow } from './store/index.ts';
import { ReplayVerifier } from './replay.ts';
import { BlobStore } from './blob-store.ts';
import { blobMismatch } from './blob-admission.ts';
import { auditRowsOf, directoryRowsOf, type AuditRow, type DirectoryRow } from './derived-rows.ts';

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
    const ledger = LedgerReader.open(path);
    try {
      // SQLite's own check of the whole file first: a damaged index or page is not a ledger question.
      ledger.checkIntegrity();
      return await verifyDatabase(ledger, dataDir, options);
    } finally {
      ledger.close();
    }
  });
}

/** What replaying a data directory's log implies for its derived tables, kept in scratch tables. */
interface Replayed {
  chainId: string;
  replay: ReplayVerifier;
  scratch: ScratchStore;
}

/**
 * Replays the log of a data directory, checking the chain and every non-derived
 * column on the way. The caller closes `scratch`.
 */
async function replayDatabase(ledger: LedgerReader, options: { trustedChainId?: string }, scratch: ScratchStore): Promise<Replayed> {
  const meta = ledger.meta();
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
  let lastPosition = 0;
  let height = 0;
  for (;;) {
    const next = height + 1;
    let block: ChainBlock | undefined;
    try {
      block = ledger.block(next);
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
    const row = ledger.blockRow(next)!;
    const head = replay.head;
    if (row.hash !== head.blockHash) throw tampered({ table: 'blocks', column: 'hash', height: next });
    if (row.time !== h.time) throw tampered({ table: 'blocks', column: 'time', height: next });
    if (row.firstSeq !== h.firstSeq) throw tampered({ table: 'blocks', column: 'first_seq', height: next });
    if (row.entryCount !== h.entryCount) throw tampered({ table: 'blocks', column: 'entry_count', height: next });
    if (row.header !== canonicalJson(h)) throw tampered({ table: 'blocks', column: 'header', height: next });
    // The orderer's position is node-local (not signed): only its order can be checked.
    if (!Number.isSafeInteger(row.orderPosition) || row.orderPosition < lastPosition) throw tampered({ table: 'blocks', column: 'order_position', height: next });
    lastPosition = row.orderPosition;
    // Stored JSON is canonical: the same value in other bytes is a change too (compare bytes, not parsed values).
    const written = ledger.blockWrites(next);
    if (written.length !== replay.lastWrites.length) throw tampered({ table: 'block_writes', height: next, reason: 'rows differ from the block' });
    for (const [i, [key, value]] of replay.lastWrites.entries()) {
      const text = value === null ? null : canonicalJson(value, { allowNull: true });
      if (written[i]!.key !== key || written[i]!.value !== text) throw tampered({ table: 'block_writes', column: 'value', height: next, key: key.slice(0, 120) });
    }
    const entries = ledger.entryRows(h.firstSeq, h.firstSeq + h.entryCount);
    scratch.batch(() => {
      const logged: { tx: ParsedTx; outcome: string }[] = [];
      for (const [i, e] of entries.entries()) {
        const tx = parseTx(sha256, block.entries[i]!.tx);
        const at = { table: 'entries', height: next, entry: i };
        if (e.seq !== h.firstSeq + i) throw tampered({ ...at, column: 'seq' });
        if (e.height !== next) throw tampered({ ...at, column: 'height' });
        if (e.txHash !== tx.hash) throw tampered({ ...at, column: 'tx_hash' });
        if (e.type !== tx.header.type) throw tampered({ ...at, column: 'type' });
        if (e.actor !== tx.header.actor) throw tampered({ ...at, column: 'actor' });
        if (e.header !== canonicalJson(tx.header)) throw tampered({ ...at, column: 'header' });
        if (e.body !== tx.bodyJson) throw tampered({ ...at, table: 'bodies', column: 'body' });
        tree.append(entryLeafHash(sha256, { tx: tx.hash, outcome: e.outcome }));
        logged.push({ tx, outcome: e.outcome });
      }
      // scratch.state holds this block's writes already: the state after the block, as the executor indexed with.
      scratch.addAudit(auditRowsOf(logged, h.firstSeq, scratch.state));
    });
    for (const a of block.attestations) {
      const nodeIds = ledger.attestationNodeIds(next, canonicalJson(a));
      if (nodeIds.length !== 1 || nodeIds[0] !== a.attestation.nodeId) throw tampered({ table: 'attestations', column: 'node_id', height: next });
    }
    height = next;
  }
  scratch.batch(() => scratch.addDirectoryRows(directoryRowsOf(scratch.state.entries('chart/'), scratch.state)));
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

async function verifyDatabase(ledger: LedgerReader, dataDir: string, options: VerifyOptions): Promise<VerifyReport> {
  const scratch = new ScratchStore();
  try {
    const { chainId, replay } = await replayDatabase(ledger, options, scratch);
    const head = replay.head;

    // Rows beyond the chain, or outside it, are tampering too.
    if (ledger.tableSize('blocks') !== head.height) throw tampered({ table: 'blocks', reason: 'rows beyond the chain' });
    if (ledger.tableSize('entries') !== head.treeSize) throw tampered({ table: 'entries', reason: 'rows outside any block' });
    if (ledger.tableSize('bodies') !== head.treeSize) throw tampered({ table: 'bodies', reason: 'rows outside any entry' });
    if (ledger.rowsOutsideChain('block_writes', head.height) !== 0) throw tampered({ table: 'block_writes', reason: 'rows beyond the chain' });
    if (ledger.rowsOutsideChain('attestations', head.height) !== 0) throw tampered({ table: 'attestations', reason: 'rows beyond the chain' });

    // Derived tables: exactly what the replay implies, compared row by row in key order.
    for (const [got, want] of zipOrdered(ledger.stateRows(), scratch.stateRows(), (a: StateRow, b: StateRow) => compareUtf8(a.key, b.key))) {
      if (!want) throw tampered({ table: 'state', column: 'key', key: got!.key.slice(0, 120) });
      if (!got) throw tampered({ table: 'state', reason: 'rows missing', key: want.key.slice(0, 120) });
      // Both sides store canonical JSON: equal values are equal bytes.
      if (got.value !== want.value) throw tampered({ table: 'state', column: 'value', key: got.key.slice(0, 120) });
    }

    const nodeOrder = (a: MerkleNodeRow, b: MerkleNodeRow) => a.level - b.level || a.idx - b.idx;
    for (const [got, want] of zipOrdered(ledger.merkleNodeRows(), scratch.merkleNodeRows(), nodeOrder)) {
      if (!got || !want) throw tampered({ table: 'merkle_nodes', reason: got ? 'extra rows' : 'rows missing', level: (got ?? want)!.level, idx: (got ?? want)!.idx });
      if (toHex(new Uint8Array(got.hash)) !== toHex(new Uint8Array(want.hash))) throw tampered({ table: 'merkle_nodes', column: 'hash', level: got.level, idx: got.idx });
    }

    const auditOrder = ([subjectA, seqA]: AuditRow, [subjectB, seqB]: AuditRow) => compareUtf8(subjectA, subjectB) || seqA - seqB;
    for (const [got, want] of zipOrdered(ledger.auditRows(), scratch.auditRows(), auditOrder)) {
      if (!got || !want) throw tampered({ table: 'audit', row: (got ?? want)!.join(' '), reason: got ? 'extra row' : 'row missing' });
    }

    // The directory index: one row per charted record, equal to the contract's line for it.
    const columns = ['patient', 'chart_index', 'record_id', 'listed', 'entry'] as const;
    const directoryOrder = (a: DirectoryRow, b: DirectoryRow) => compareUtf8(a.patient, b.patient) || a.chart_index - b.chart_index;
    for (const [got, want] of zipOrdered(ledger.directoryRows(), scratch.directoryRows(), directoryOrder)) {
      if (!got || !want) throw tampered({ table: 'directory', reason: got ? 'extra rows' : 'rows missing', key: (got ?? want)!.record_id });
      const column = columns.find((c) => got[c] !== want[c]);
      if (column) throw tampered({ table: 'directory', column, key: want.record_id });
    }

    const blobs = await verifyBlobs(ledger, dataDir, scratch, replay.genesis);
    const report: VerifyReport = { chain: chainId, head, blocks: head.height, entries: head.treeSize, stateKeys: scratch.state.size, blobs };
    if (options.head === undefined) return report;
    const headerAt = (height: number) => ledger.block(height, { includeWrites: false })?.header;
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
async function verifyBlobs(ledger: LedgerReader, dataDir: string, scratch: ScratchStore, genesis: Genesis): Promise<BlobReport> {
  const store = new BlobStore(dataDir);
  let stored = 0;
  for (const row of ledger.blobRows()) {
    const at = { table: 'blobs', key: row.cipherRoot };
    let summary;
    try {
      summary = await store.verify(row.cipherRoot, row.chunkHashes);
    } catch (err) {
      const d = err instanceof DhlError ? err.details : {};
      throw tampered({ ...at, column: 'cipher_root', reason: String(d.reason ?? (err instanceof DhlError ? err.code : 'error')), ...(d.chunk === undefined ? {} : { chunk: Number(d.chunk) }) });
    }
    if (summary.storedSize !== row.storedSize) throw tampered({ ...at, column: 'stored_size' });
    if (summary.header.chunkSize !== row.chunkSize) throw tampered({ ...at, column: 'chunk_size' });
    stored++;
  }

  const onlyNode = genesis.orgs.flatMap((o) => o.nodes).length === 1;
  const notReplicated: BlobReport['notReplicated'] = [];
  for (const [key, value] of scratch.state.entries('version/')) {
    const manifest = parseManifest((value as { manifest?: unknown }).manifest);
    const cipherRoot = manifest.cipherRoot;
    scratch.addBlobRef(cipherRoot);
    const row = ledger.blob(cipherRoot);
    if (!row) {
      if (onlyNode) throw tampered({ table: 'blobs', key: cipherRoot, reason: `no blob for ${key}` });
      notReplicated.push({ cipherRoot, version: key });
      continue;
    }
    const { header, bytes } = await store.header(cipherRoot);
    const field = blobMismatch(manifest, { header, headerBytes: bytes.length, storedSize: row.storedSize, chunkCount: row.chunkHashBytes / 32 });
    if (field) throw tampered({ table: 'blobs', key: cipherRoot, reason: `the blob does not match ${key}`, field });
  }

  // Orphans: rows no version names, files without a row, and whatever else lies under blobs/.
  const orphanRows: string[] = [];
  for (const [row, ref] of zipOrdered(ledger.blobRoots(), scratch.blobRefs(), compareUtf8)) {
    if (row && !ref) orphanRows.push(row);
  }
  const { blobs: files, stray: strayFiles } = await store.inventory();
  const orphanFiles: string[] = [];
  for (const [file, row] of zipOrdered(files, ledger.blobRoots(), compareUtf8)) {
    if (file && !row) orphanFiles.push(file);
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
  const scratch = new ScratchStore();
  try {
    return await verifyExportLines(lines, trustedChainId, scratch, options);
  } finally {
    scratch.close();
  }
}

async function verifyExportLines(
  lines: AsyncIterable<string> | Iterable<string>,
  trustedChainId: string,
  scratch: ScratchStore,
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
  const ledger = LedgerReader.open(path);
  const scratch = new ScratchStore();
  try {
    ledger.checkIntegrity();
    await replayDatabase(ledger, {}, scratch);
    ledger.close();
    // The replay's tables, streamed across in one transaction.
    replaceDerivedTables(path, scratch);
  } finally {
    scratch.close();
    ledger.close();
  }
}
