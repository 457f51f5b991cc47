/** SQLite-backed adapters of the pure modules' seams: the contract's state view and the Merkle node store. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Json, StateView } from '../contract/index.ts';
import type { MerkleNodeStore } from '../ledger/index.ts';

export class SqliteStateView implements StateView {
  private readonly select: StatementSync;
  constructor(db: DatabaseSync) {
    this.select = db.prepare('SELECT value FROM state WHERE key = ?');
  }
  get(key: string): Json | undefined {
    const row = this.select.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Json) : undefined;
  }
}

export class SqliteMerkleStore implements MerkleNodeStore {
  private readonly select: StatementSync;
  private readonly insert: StatementSync;
  constructor(db: DatabaseSync) {
    this.select = db.prepare('SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?');
    this.insert = db.prepare('INSERT OR REPLACE INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)');
  }
  get(level: number, index: number): Uint8Array | undefined {
    const row = this.select.get(level, index) as { hash: Uint8Array } | undefined;
    return row ? new Uint8Array(row.hash) : undefined;
  }
  set(level: number, index: number, hash: Uint8Array): void {
    this.insert.run(level, index, new Uint8Array(hash));
  }
}
