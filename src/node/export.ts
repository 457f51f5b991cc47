/**
 * Chain export (DESIGN §5): a stream of JSON lines, first the genesis, then one
 * line per block with its entries, writes and attestations. An export for a
 * party not entitled to bodies keeps only identity bodies and no writes;
 * proofs, signatures and the state-digest chain still verify. Streamed block by block: memory stays flat in chain length.
 */
import type { DatabaseSync } from 'node:sqlite';
import { canonicalJson } from '../crypto/index.ts';
import type { BlockHeader, ChainBlock, ChainEntry, Genesis, SignedAttestation, SignedHead, StateWrite, TxHeader } from '../ledger/index.ts';
import type { JsonValue } from '../crypto/index.ts';
import { isIdentityTx } from '../contract/index.ts';

export const EXPORT_FORMAT = 'dhl-export/v1';

export interface ExportHeaderLine {
  kind: typeof EXPORT_FORMAT;
  chain: string;
  genesis: Genesis;
}

export interface ExportOptions {
  /**
   * An export for a party not entitled to bodies (formats §8.6): every body
   * but those of identity transactions (RegisterUser, RotateKeys, AssignRole,
   * RevokeRole: public identity data) is withheld, and no block carries its
   * state writes, which repeat what bodies say (titles, purposes, wrapped
   * keys). Default: every body and every write (an operator's or auditor's
   * export).
   */
  withhold?: boolean;
  fromHeight?: number;
}

/** How `readBlock` reads a block: which bodies, and whether with its writes. */
export interface BlockReadOptions {
  /** Whether the reader may see this body; others come withheld. Default: every body. */
  mayReadBody?: (header: TxHeader, body: JsonValue) => boolean;
  /** Include the block's state writes (default true). */
  includeWrites?: boolean;
}

/** What a withholding export reads: identity bodies only, and no writes. */
const WITHHELD: BlockReadOptions = Object.freeze({ mayReadBody: (header: TxHeader) => isIdentityTx(header.type), includeWrites: false });

/** A block's entries with their bodies, by the seq range its header names: [firstSeq, firstSeq + entryCount). */
export const ENTRIES_OF_BLOCK =
  'SELECT e.seq, e.height, e.outcome, e.header, e.sig, b.body FROM entries e LEFT JOIN bodies b ON b.seq = e.seq WHERE e.seq >= ? AND e.seq < ? ORDER BY e.seq';

/**
 * Reads one block of a data directory in the shape the chain verifier takes.
 * Entries come by the seq range of the header (not by their height column,
 * which `verify` checks separately).
 */
export function readBlock(db: DatabaseSync, height: number, options: BlockReadOptions = {}): ChainBlock | undefined {
  const block = db.prepare('SELECT header FROM blocks WHERE height = ?').get(height) as { header: string } | undefined;
  if (!block) return undefined;
  const header = JSON.parse(block.header) as BlockHeader;
  const rows = db
    .prepare(ENTRIES_OF_BLOCK)
    .all(header.firstSeq, header.firstSeq + header.entryCount) as { seq: number; outcome: string; header: string; sig: string; body: string | null }[];
  const entries: ChainEntry[] = rows.map((r) => {
    const txHeader = JSON.parse(r.header) as TxHeader;
    if (r.body === null) return { tx: { header: txHeader, sig: r.sig } as never, outcome: r.outcome };
    const body = JSON.parse(r.body) as JsonValue;
    const visible = options.mayReadBody ? options.mayReadBody(txHeader, body) : true;
    return { tx: visible ? { header: txHeader, body, sig: r.sig } : { header: txHeader, sig: r.sig, withheld: true }, outcome: r.outcome };
  });
  const attestations = (db.prepare('SELECT attestation FROM attestations WHERE height = ? ORDER BY node_id').all(height) as { attestation: string }[])
    .map((r) => JSON.parse(r.attestation) as SignedAttestation);
  const out: ChainBlock = { header, entries, attestations };
  if (options.includeWrites ?? true) {
    out.writes = (db.prepare('SELECT key, value FROM block_writes WHERE height = ? ORDER BY key').all(height) as { key: string; value: string | null }[])
      .map((w) => [w.key, w.value === null ? null : (JSON.parse(w.value) as JsonValue)] as StateWrite);
  }
  return out;
}

/** An export's first line: the format, the chain id and the genesis (canonical JSON, ending in "\n"). */
export function exportHeaderLine(chain: string, genesis: Genesis): string {
  const first: ExportHeaderLine = { kind: EXPORT_FORMAT, chain, genesis };
  return canonicalJson(first as unknown as JsonValue) + '\n';
}

/** One block's line of an export (canonical JSON, ending in "\n"). */
export function exportBlockLine(block: ChainBlock): string {
  return canonicalJson({ kind: 'block', ...block } as unknown as JsonValue, { allowNull: true }) + '\n';
}

/** The export of a data directory as lines of canonical JSON (each ends in "\n"). */
export function* exportLines(db: DatabaseSync, options: ExportOptions = {}): Generator<string> {
  const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string }).value;
  yield exportHeaderLine(meta('chain'), JSON.parse(meta('genesis')) as Genesis);
  for (let height = options.fromHeight ?? 1; ; height++) {
    const block = readBlock(db, height, options.withhold ? WITHHELD : {});
    if (!block) return;
    yield exportBlockLine(block);
  }
}

/**
 * The signed head (formats §8.8) of block `height` (default: the last) of a
 * data directory: its header and the attestation of `nodeId` (default: the
 * first attestation by node id). Undefined before the first block, or when
 * that node did not attest the block.
 */
export function readSignedHead(db: DatabaseSync, options: { height?: number; nodeId?: string } = {}): SignedHead | undefined {
  const block = (options.height === undefined
    ? db.prepare('SELECT height, header FROM blocks ORDER BY height DESC LIMIT 1').get()
    : db.prepare('SELECT height, header FROM blocks WHERE height = ?').get(options.height)) as { height: number; header: string } | undefined;
  if (!block) return undefined;
  const row = (options.nodeId === undefined
    ? db.prepare('SELECT attestation FROM attestations WHERE height = ? ORDER BY node_id LIMIT 1').get(block.height)
    : db.prepare('SELECT attestation FROM attestations WHERE height = ? AND node_id = ?').get(block.height, options.nodeId)) as { attestation: string } | undefined;
  if (!row) return undefined;
  return { header: JSON.parse(block.header) as BlockHeader, attestation: JSON.parse(row.attestation) as SignedAttestation };
}
