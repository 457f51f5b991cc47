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

/**
 * Merkle nodes in SQLite, with a bounded cache of recent nodes: every answer
 * carries an inclusion proof, and proofs for recent entries read the same
 * recent nodes again and again. Nodes never change once written, so the cache
 * needs no invalidation; a rolled-back block's nodes are rewritten identically
 * by its retry, or the node stops.
 */
export class SqliteMerkleStore implements MerkleNodeStore {
  private readonly select: StatementSync;
  private readonly insert: StatementSync;
  // Two generations: when the young one is full it becomes the old one. Evicting
  // one key at a time from the front of a Map degrades badly in V8 (measured:
  // ~80 µs per eviction past 262 k entries, as the map skips deleted slots).
  private young = new Map<string, Uint8Array>();
  private old = new Map<string, Uint8Array>();
  constructor(db: DatabaseSync, private readonly generationSize = 131_072) {
    this.select = db.prepare('SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?');
    this.insert = db.prepare('INSERT OR REPLACE INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)');
  }
  get(level: number, index: number): Uint8Array | undefined {
    const key = `${level}/${index}`;
    const cached = this.young.get(key) ?? this.old.get(key);
    if (cached) return new Uint8Array(cached);
    const row = this.select.get(level, index) as { hash: Uint8Array } | undefined;
    if (!row) return undefined;
    this.remember(key, new Uint8Array(row.hash));
    return new Uint8Array(row.hash);
  }
  set(level: number, index: number, hash: Uint8Array): void {
    const copy = new Uint8Array(hash);
    this.insert.run(level, index, copy);
    this.remember(`${level}/${index}`, copy);
  }
  private remember(key: string, hash: Uint8Array): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, hash);
  }
}
