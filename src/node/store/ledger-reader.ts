/**
 * A ledger database read as it is stored, on a read-only connection, for
 * what runs beside or instead of a node: `verify` and `admin rebuild-state`
 * (every column, as stored, to compare with what the log implies), the chain
 * export, and an operator's `dhl head`. A running node reads through its
 * LedgerStore instead.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { JsonValue } from '../../crypto/index.ts';
import type { BlockHeader, ChainBlock, ChainEntry, Genesis, SignedAttestation, SignedHead, StateWrite, TxHeader } from '../../ledger/index.ts';
import { checkIntegrity } from './schema.ts';
import { readGenesis, unpackHashes } from './sqlite-ledger-store.ts';
import { SqliteDerivedTables } from './derived-tables.ts';
import type { BlobRow } from './ledger-store.ts';

/** A block's entries with their bodies (none where the entry has no bodies row), by the seq range its header names: [firstSeq, firstSeq + entryCount). */
export const ENTRIES_OF_BLOCK =
  'SELECT e.seq, e.height, e.tx_hash, e.outcome, e.type, e.actor, e.header, e.sig, b.body FROM entries e LEFT JOIN bodies b ON b.seq = e.seq WHERE e.seq >= ? AND e.seq < ? ORDER BY e.seq';

/** How `block` reads a block: which bodies, and whether with its writes. */
export interface BlockReadOptions {
  /** Whether the reader may see this body; others come withheld. Default: every body. */
  mayReadBody?: (header: TxHeader, body: JsonValue) => boolean;
  /** Include the block's state writes (default true). */
  includeWrites?: boolean;
}

/** A `blocks` row as stored (the header as its JSON text). */
export interface StoredBlockRow {
  readonly height: number;
  readonly hash: string;
  readonly time: number;
  readonly firstSeq: number;
  readonly entryCount: number;
  readonly header: string;
  /** The orderer's position of the last batch the block completes (node-local, not signed). */
  readonly orderPosition: number;
}

/** An `entries` row with its `bodies` row's text (null when it has none), as stored. */
export interface StoredEntryRow {
  readonly seq: number;
  readonly height: number;
  readonly txHash: string;
  readonly outcome: string;
  readonly type: string;
  readonly actor: string;
  readonly header: string;
  readonly sig: string;
  readonly body: string | null;
}

/** A `block_writes` row of one block: the key and the value's JSON text (null for a deletion). */
export interface StoredWriteRow {
  readonly key: string;
  readonly value: string | null;
}

/** A `blobs` row: its chunk hashes unpacked, and how many bytes they took (32 each, unless the row was changed). */
export interface StoredBlobRow extends BlobRow {
  readonly chunkHashBytes: number;
}

interface EntrySqlRow {
  seq: number;
  height: number;
  tx_hash: string;
  outcome: string;
  type: string;
  actor: string;
  header: string;
  sig: string;
  body: string | null;
}

interface BlobSqlRow {
  cipher_root: string;
  stored_size: number;
  chunk_size: number;
  chunk_hashes: Uint8Array;
}

const blobOf = (r: BlobSqlRow): StoredBlobRow => ({
  cipherRoot: r.cipher_root, storedSize: r.stored_size, chunkSize: r.chunk_size, chunkHashes: unpackHashes(new Uint8Array(r.chunk_hashes)), chunkHashBytes: r.chunk_hashes.length,
});

const BLOB_COLUMNS = 'cipher_root, stored_size, chunk_size, chunk_hashes';

/** Every statement the reader runs. */
const READ = Object.freeze({
  meta: 'SELECT key, value FROM meta',
  blockRow: 'SELECT height, hash, time, first_seq, entry_count, header, order_position FROM blocks WHERE height = ?',
  entries: ENTRIES_OF_BLOCK,
  writes: 'SELECT key, value FROM block_writes WHERE height = ? ORDER BY key',
  attestations: 'SELECT attestation FROM attestations WHERE height = ? ORDER BY node_id',
  attestationNodes: 'SELECT node_id FROM attestations WHERE height = ? AND attestation = ?',
  lastBlock: 'SELECT height, header FROM blocks ORDER BY height DESC LIMIT 1',
  firstAttestation: 'SELECT attestation FROM attestations WHERE height = ? ORDER BY node_id LIMIT 1',
  nodeAttestation: 'SELECT attestation FROM attestations WHERE height = ? AND node_id = ?',
  blob: `SELECT ${BLOB_COLUMNS} FROM blobs WHERE cipher_root = ?`,
  blobs: `SELECT ${BLOB_COLUMNS} FROM blobs ORDER BY cipher_root`,
  blobRoots: 'SELECT cipher_root FROM blobs ORDER BY cipher_root',
  size: {
    blocks: 'SELECT COUNT(*) AS n FROM blocks',
    entries: 'SELECT COUNT(*) AS n FROM entries',
    bodies: 'SELECT COUNT(*) AS n FROM bodies',
  },
  /** Rows no block of a chain of height h has, per per-block table. */
  outsideChain: {
    block_writes: 'SELECT COUNT(*) AS n FROM block_writes WHERE height > ? OR height < 1',
    attestations: 'SELECT COUNT(*) AS n FROM attestations WHERE height > ? OR height < 1',
  },
});

/**
 * Reads a ledger database. Statements are prepared at first use, so opening
 * a damaged file reads nothing before `checkIntegrity` can name the damage;
 * streams prepare their own, so two may be open at once.
 */
export class LedgerReader extends SqliteDerivedTables {
  private readonly prepared = new Map<string, StatementSync>();

  private constructor(db: DatabaseSync, readonly file: string) {
    super(db);
  }

  private stmt(sql: string): StatementSync {
    let stmt = this.prepared.get(sql);
    if (!stmt) this.prepared.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  /** Opens the ledger database at `file` read-only (the caller has checked that it exists). */
  static open(file: string): LedgerReader {
    return new LedgerReader(new DatabaseSync(file, { readOnly: true }), file);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** SQLite's check of the whole file (NODE_DATABASE_CORRUPT naming the first problem). */
  checkIntegrity(): void {
    checkIntegrity(this.db, this.file);
  }

  /** Every `meta` row, as stored (key → text). */
  meta(): ReadonlyMap<string, string> {
    return new Map((this.stmt(READ.meta).all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  }

  /** The genesis, parsed (NODE_NOT_INITIALISED when the database has none). */
  genesis(): Genesis {
    return readGenesis(this.db, this.file);
  }

  /**
   * One block in the shape the chain verifier takes, or undefined past the
   * last. Entries come by the seq range of the header (not by their height
   * column, which `verify` checks separately); an entry without a bodies row
   * comes without a body.
   */
  block(height: number, options: BlockReadOptions = {}): ChainBlock | undefined {
    const row = this.blockRow(height);
    if (!row) return undefined;
    const header = JSON.parse(row.header) as BlockHeader;
    const entries: ChainEntry[] = this.entryRows(header.firstSeq, header.firstSeq + header.entryCount).map((r) => {
      const txHeader = JSON.parse(r.header) as TxHeader;
      if (r.body === null) return { tx: { header: txHeader, sig: r.sig } as never, outcome: r.outcome };
      const body = JSON.parse(r.body) as JsonValue;
      const visible = options.mayReadBody ? options.mayReadBody(txHeader, body) : true;
      return { tx: visible ? { header: txHeader, body, sig: r.sig } : { header: txHeader, sig: r.sig, withheld: true }, outcome: r.outcome };
    });
    const attestations = (this.stmt(READ.attestations).all(height) as { attestation: string }[]).map((r) => JSON.parse(r.attestation) as SignedAttestation);
    const out: ChainBlock = { header, entries, attestations };
    if (options.includeWrites ?? true) {
      out.writes = this.blockWrites(height).map((w) => [w.key, w.value === null ? null : (JSON.parse(w.value) as JsonValue)] as StateWrite);
    }
    return out;
  }

  /** The `blocks` row at `height`, as stored. */
  blockRow(height: number): StoredBlockRow | undefined {
    const r = this.stmt(READ.blockRow).get(height) as
      | { height: number; hash: string; time: number; first_seq: number; entry_count: number; header: string; order_position: number }
      | undefined;
    return r && { height: r.height, hash: r.hash, time: r.time, firstSeq: r.first_seq, entryCount: r.entry_count, header: r.header, orderPosition: r.order_position };
  }

  /** The entries with seq in [fromSeq, toSeq), with their bodies, as stored, in order. */
  entryRows(fromSeq: number, toSeq: number): StoredEntryRow[] {
    return (this.stmt(READ.entries).all(fromSeq, toSeq) as unknown as EntrySqlRow[]).map((r) => ({
      seq: r.seq, height: r.height, txHash: r.tx_hash, outcome: r.outcome, type: r.type, actor: r.actor, header: r.header, sig: r.sig, body: r.body,
    }));
  }

  /** The `block_writes` rows of block `height`, as stored, by key. */
  blockWrites(height: number): StoredWriteRow[] {
    return this.stmt(READ.writes).all(height) as unknown as StoredWriteRow[];
  }

  /** The node ids of the `attestations` rows at `height` whose text is exactly `attestation`. */
  attestationNodeIds(height: number, attestation: string): string[] {
    return (this.stmt(READ.attestationNodes).all(height, attestation) as { node_id: string }[]).map((r) => r.node_id);
  }

  /**
   * The signed head (formats §8.8) of block `height` (default: the last):
   * its header and the attestation of `nodeId` (default: the first
   * attestation by node id). Undefined before the first block, or when that
   * node did not attest the block.
   */
  signedHead(options: { height?: number; nodeId?: string } = {}): SignedHead | undefined {
    const block = (options.height === undefined ? this.stmt(READ.lastBlock).get() : this.blockRow(options.height)) as { height: number; header: string } | undefined;
    if (!block) return undefined;
    const row = (options.nodeId === undefined
      ? this.stmt(READ.firstAttestation).get(block.height)
      : this.stmt(READ.nodeAttestation).get(block.height, options.nodeId)) as { attestation: string } | undefined;
    if (!row) return undefined;
    return { header: JSON.parse(block.header) as BlockHeader, attestation: JSON.parse(row.attestation) as SignedAttestation };
  }

  /** How many rows a log table holds. */
  tableSize(table: keyof typeof READ.size): number {
    return (this.stmt(READ.size[table]).get() as { n: number }).n;
  }

  /** How many rows of a per-block table lie outside heights [1, height]: rows no block of a chain of that height has. */
  rowsOutsideChain(table: keyof typeof READ.outsideChain, height: number): number {
    return (this.stmt(READ.outsideChain[table]).get(height) as { n: number }).n;
  }

  /** Every `blobs` row, by cipherRoot. */
  *blobRows(): Generator<StoredBlobRow> {
    for (const r of this.db.prepare(READ.blobs).iterate() as Iterable<BlobSqlRow>) yield blobOf(r);
  }

  /** Every blob's cipherRoot, in order. */
  *blobRoots(): Generator<string> {
    for (const r of this.db.prepare(READ.blobRoots).iterate() as Iterable<{ cipher_root: string }>) yield r.cipher_root;
  }

  /** The `blobs` row of `cipherRoot`. */
  blob(cipherRoot: string): StoredBlobRow | undefined {
    const r = this.stmt(READ.blob).get(cipherRoot) as BlobSqlRow | undefined;
    return r && blobOf(r);
  }
}
