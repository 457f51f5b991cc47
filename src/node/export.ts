/**
 * Chain export (DESIGN §5): a stream of JSON lines, first the genesis, then one
 * line per block with its entries, writes and attestations. An export for a
 * party not entitled to bodies keeps only identity bodies and no writes;
 * proofs, signatures and the state-digest chain still verify. Streamed block by block: memory stays flat in chain length.
 */
import { canonicalJson, type JsonValue } from '../crypto/index.ts';
import type { ChainBlock, Genesis, TxHeader } from '../ledger/index.ts';
import { isIdentityTx } from '../contract/index.ts';
import { nodeError } from './errors.ts';
import type { BlockReadOptions, LedgerReader } from './store/index.ts';

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

/** What a withholding export reads: identity bodies only, and no writes. */
const WITHHELD: BlockReadOptions = Object.freeze({ mayReadBody: (header: TxHeader) => isIdentityTx(header.type), includeWrites: false });

/** An export's first line: the format, the chain id and the genesis (canonical JSON, ending in "\n"). */
export function exportHeaderLine(chain: string, genesis: Genesis): string {
  const first: ExportHeaderLine = { kind: EXPORT_FORMAT, chain, genesis };
  return canonicalJson(first as unknown as JsonValue) + '\n';
}

/** One block's line of an export (canonical JSON, ending in "\n"). */
export function exportBlockLine(block: ChainBlock): string {
  return canonicalJson({ kind: 'block', ...block } as unknown as JsonValue, { allowNull: true }) + '\n';
}

/** The export of a ledger database as lines of canonical JSON (each ends in "\n"). */
export function* exportLines(ledger: LedgerReader, options: ExportOptions = {}): Generator<string> {
  const meta = ledger.meta();
  const chain = meta.get('chain');
  const genesis = meta.get('genesis');
  if (chain === undefined || genesis === undefined) throw nodeError('NODE_NOT_INITIALISED', { file: ledger.file });
  yield exportHeaderLine(chain, JSON.parse(genesis) as Genesis);
  for (let height = options.fromHeight ?? 1; ; height++) {
    const block = ledger.block(height, options.withhold ? WITHHELD : {});
    if (!block) return;
    yield exportBlockLine(block);
  }
}
