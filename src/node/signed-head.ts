/**
 * Signed heads (docs/formats.md, issue 14): a block header with this node's
 * attestation of it, the answer a client keeps to check later heads against
 * (consistency proofs, RFC 9162 §2.1.4). Read through a read-only connection
 * of its own: the ledger's writer is never blocked by it.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { BlockHeader, SignedAttestation } from '../ledger/index.ts';
import { DB_FILE } from './ledger-node.ts';

export interface SignedHead {
  header: BlockHeader;
  attestation: SignedAttestation;
}

export class SignedHeadReader {
  private readonly db: DatabaseSync;
  private readonly query: ReturnType<DatabaseSync['prepare']>;

  constructor(dataDir: string, private readonly nodeId: string) {
    this.db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.query = this.db.prepare(
      'SELECT b.header, a.attestation FROM blocks b JOIN attestations a ON a.height = b.height AND a.node_id = ? WHERE b.height = ?',
    );
  }

  /** The signed head at a durable height; undefined before block 1. */
  at(height: number): SignedHead | undefined {
    const row = this.query.get(this.nodeId, height) as { header: string; attestation: string } | undefined;
    return row ? { header: JSON.parse(row.header) as BlockHeader, attestation: JSON.parse(row.attestation) as SignedAttestation } : undefined;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
