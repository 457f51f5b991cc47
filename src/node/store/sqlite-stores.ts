/** SQLite-backed adapters of the pure modules' seams: the contract's state view and the Merkle node store. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Json, StateView } from '../../contract/index.ts';
import type { MerkleNodeStore } from '../../ledger/index.ts';
import { deepFreeze } from '../frozen.ts';
import { GenerationalCache } from './generational-cache.ts';
import { MerkleLevels } from './merkle-levels.ts';

export const MERKLE_NODE_INSERT = 'INSERT OR REPLACE INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)';

/**
 * Values written for blocks whose COMMIT has not returned yet (the writer
 * thread commits behind the node): read before the table, which does not have
 * them yet, and dropped once their block is durable unless a later block wrote
 * the key again.
 */
class Unflushed<K, V> {
  private readonly entries = new Map<K, { value: V; height: number }>();
  /** Keys written per block, oldest first: flushing visits only those. */
  private readonly byHeight = new Map<number, K[]>();
  get(key: K): { value: V } | undefined {
    return this.entries.get(key);
  }
  set(key: K, value: V, height: number): void {
    this.entries.set(key, { value, height });
    const keys = this.byHeight.get(height);
    if (keys) keys.push(key);
    else this.byHeight.set(height, [key]);
  }
  /** Blocks up to `height` are committed. */
  flushed(height: number): void {
    for (const [h, keys] of this.byHeight) {
      if (h > height) continue;
      for (const key of keys) if (this.entries.get(key)?.height === h) this.entries.delete(key);
      this.byHeight.delete(h);
    }
  }
}

/**
 * The contract's state from the `state` table. With a cache, the owner must
 * be the table's only writer and report each write through `written`: the
 * node is, and every transaction reads the same few rows (the signer's key and
 * user, the record it names) again and again.
 */
export class SqliteStateView implements StateView {
  private readonly select: StatementSync;
  /** The row's JSON text, or null for a key known to be absent. */
  private readonly cache: GenerationalCache<string, string | null>;
  /** The row's value parsed once and frozen (null: absent), for `shared`; a write of the key drops it. */
  private readonly parsed: GenerationalCache<string, Json | null>;
  private readonly unflushed = new Unflushed<string, string | null>();
  /**
   * The same state, each value parsed once and shared frozen until its key is
   * written: for readers that only look (the read facade answers every
   * request from the same few rows). `get` still hands out private copies,
   * which the contract's execution gets.
   */
  readonly shared: StateView = { get: (key) => this.sharedValue(key) };

  constructor(db: DatabaseSync, options: { cacheGeneration?: number; sharedGeneration?: number } = {}) {
    this.select = db.prepare('SELECT value FROM state WHERE key = ?');
    this.cache = new GenerationalCache(options.cacheGeneration ?? 0);
    this.parsed = new GenerationalCache(options.cacheGeneration ? (options.sharedGeneration ?? 0) : 0);
  }
  get(key: string): Json | undefined {
    const text = this.text(key);
    // Parsed afresh each time: callers get a private copy, as from the table.
    return text === null ? undefined : (JSON.parse(text) as Json);
  }
  private text(key: string): string | null {
    // A deletion not yet durable is a value too (null): it must hide the row the table still has.
    const pending = this.unflushed.get(key);
    if (pending !== undefined) return pending.value;
    let text = this.cache.get(key);
    if (text === undefined) {
      text = (this.select.get(key) as { value: string } | undefined)?.value ?? null;
      this.cache.set(key, text);
    }
    return text;
  }
  private sharedValue(key: string): Json | undefined {
    let value = this.parsed.get(key);
    if (value === undefined) {
      const text = this.text(key);
      value = text === null ? null : deepFreeze(JSON.parse(text) as Json);
      this.parsed.set(key, value);
    }
    return value ?? undefined;
  }
  /** Reports a write of `key` (JSON text, or null for a deletion) the owner makes in block `height`, not yet committed. */
  written(key: string, text: string | null, height: number): void {
    this.unflushed.set(key, text, height);
    this.cache.set(key, text);
    this.parsed.delete(key);
  }
  /** Reports a write of `key` the owner has already committed to the table. */
  committed(key: string, text: string | null): void {
    this.cache.set(key, text);
    this.parsed.delete(key);
  }
  /** Blocks up to `height` are committed: the table has their writes. */
  flushed(height: number): void {
    this.unflushed.flushed(height);
  }
}

/**
 * Merkle nodes in SQLite, with a bounded cache of recent nodes: every answer
 * carries an inclusion proof, and proofs for recent entries read the same
 * recent nodes again and again. Nodes never change once written, so the cache
 * needs no invalidation; a rolled-back block's nodes are rewritten identically
 * by its retry, or the node stops.
 */
/** (level, index) as one number: indexes stay below 2^40 and levels below 64, so the key is exact (< 2^53). */
function nodeKey(level: number, index: number): number {
  if (index >= 2 ** 40) throw new RangeError('Merkle index beyond 2^40');
  return level * 2 ** 40 + index;
}

export class SqliteMerkleStore implements MerkleNodeStore {
  private readonly select: StatementSync;
  private readonly selectLevel: StatementSync;
  private readonly insert: StatementSync | undefined;
  private readonly cache: GenerationalCache<number, Uint8Array>;
  /** The upper levels whole, once `holdUpperLevels` ran (none before). */
  private readonly levels: MerkleLevels;
  private readonly unflushed = new Unflushed<number, Uint8Array>();
  private newRows: [number, number, Uint8Array][] = [];
  /** The block new nodes belong to, when writes are deferred. */
  height = 0;

  /**
   * With `deferred`, new nodes are not written: the owner takes them with
   * `takeNewRows` into its block's write batch and reports `flushed` after
   * the COMMIT. `memoryNodes`: how many nodes of the upper levels
   * `holdUpperLevels` may keep in memory (0: none).
   */
  constructor(db: DatabaseSync, options: { generationSize?: number; deferred?: boolean; memoryNodes?: number } = {}) {
    this.select = db.prepare('SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?');
    this.selectLevel = db.prepare("SELECT group_concat(hex(hash), '' ORDER BY idx) AS nodes FROM merkle_nodes WHERE level = ? AND idx < ?");
    this.insert = options.deferred ? undefined : db.prepare(MERKLE_NODE_INSERT);
    this.cache = new GenerationalCache(options.generationSize ?? 131_072);
    this.levels = new MerkleLevels(options.memoryNodes ?? 0);
  }

  /**
   * Reads the upper levels of a tree of `treeSize` leaves into memory, top
   * down, as many as the budget takes (at open: one ordered read per level),
   * and holds them from then on as the tree grows. A level with a missing
   * node is not held, nor any below it.
   */
  holdUpperLevels(treeSize: number): void {
    for (const level of this.levels.plan(treeSize)) {
      const count = Math.floor(treeSize / 2 ** level);
      // One row for the whole level, in index order: returning each node as a row costs ~1.5 µs a node, this ~0.3.
      const hex = (this.selectLevel.get(level, count) as { nodes: string | null }).nodes ?? '';
      // Indexes are unique and below `count`: `count` of them is every one.
      if (hex.length !== count * 64) return this.levels.giveUp(level);
      this.levels.load(level, new Uint8Array(Buffer.from(hex, 'hex')));
    }
  }

  /** How many nodes are held in memory (`holdUpperLevels`), and the lowest level held. */
  get held(): { nodes: number; lowestLevel?: number } {
    const lowest = this.levels.lowestLevel;
    return lowest === undefined ? { nodes: 0 } : { nodes: this.levels.size, lowestLevel: lowest };
  }

  get(level: number, index: number): Uint8Array | undefined {
    const held = this.levels.get(level, index);
    if (held) return held;
    const key = nodeKey(level, index);
    const cached = this.cache.get(key) ?? this.unflushed.get(key)?.value;
    if (cached) return new Uint8Array(cached);
    const row = this.select.get(level, index) as { hash: Uint8Array } | undefined;
    if (!row) return undefined;
    this.cache.set(key, new Uint8Array(row.hash));
    return new Uint8Array(row.hash);
  }
  set(level: number, index: number, hash: Uint8Array): void {
    const copy = new Uint8Array(hash);
    const key = nodeKey(level, index);
    if (this.insert) this.insert.run(level, index, copy);
    else {
      this.unflushed.set(key, copy, this.height);
      this.newRows.push([level, index, copy]);
    }
    if (!this.levels.set(level, index, copy)) this.cache.set(key, copy);
  }
  /** The nodes set since the last call, as (level, idx, hash) rows for MERKLE_NODE_INSERT. */
  takeNewRows(): [number, number, Uint8Array][] {
    const rows = this.newRows;
    this.newRows = [];
    return rows;
  }
  flushed(height: number): void {
    this.unflushed.flushed(height);
  }
}
