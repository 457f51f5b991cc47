/**
 * The upper levels of a Merkle tree held whole in memory: per level one
 * buffer of 32-byte nodes, index i at byte 32·i, growing as the tree does.
 * An inclusion proof takes one node per level, and for an old entry (a client
 * checking what it kept) every level below the top few missed the node cache
 * and read SQLite, ~5 µs a node. Levels are held from the top down while
 * their nodes fit the budget (a tree of n leaves has ~n/2^l nodes at level
 * l); when the tree outgrows it, the lowest held level is let go and read from
 * the table again. Nodes never change once written, so nothing is invalidated.
 */
const HASH_SIZE = 32;

export class MerkleLevels {
  /** Held levels are `lowest` and above; MAX when none is. */
  private lowest = Number.MAX_SAFE_INTEGER;
  private readonly levels: { bytes: Uint8Array; count: number }[] = [];
  private held = 0;

  constructor(private readonly budget: number) {}

  /** The nodes held, all levels together. */
  get size(): number {
    return this.held;
  }

  /** The lowest level held, or undefined when none is. */
  get lowestLevel(): number | undefined {
    return this.lowest === Number.MAX_SAFE_INTEGER ? undefined : this.lowest;
  }

  /**
   * Starts holding, for a tree of `treeSize` leaves, the levels that fit the
   * budget from the top (every level of a tree that fits whole, so its lower
   * levels are held as they grow); returns those that have nodes, top first,
   * for the caller to `load`.
   */
  plan(treeSize: number): number[] {
    const toLoad: number[] = [];
    if (this.budget <= 0) return toLoad;
    let total = 0;
    for (let level = 63; level >= 0; level--) {
      const count = Math.floor(treeSize / 2 ** level);
      if (total + count > this.budget) break;
      total += count;
      this.lowest = level;
      if (count > 0) toLoad.push(level);
    }
    return toLoad;
  }

  /** Fills planned level `level` with its nodes from index 0: `nodes` is 32 bytes per node, in order (taken, not copied). */
  load(level: number, nodes: Uint8Array): void {
    if (nodes.length % HASH_SIZE !== 0) throw new RangeError(`a Merkle level is ${HASH_SIZE} bytes per node`);
    const count = nodes.length / HASH_SIZE;
    this.levels[level] = { bytes: nodes, count };
    this.held += count;
  }

  /** A planned level could not be read whole: neither it nor any level below is held. */
  giveUp(level: number): void {
    while (this.lowest <= level) this.release(this.lowest);
  }

  /** A copy of node (level, index), if held. */
  get(level: number, index: number): Uint8Array | undefined {
    if (level < this.lowest) return undefined;
    const entry = this.levels[level];
    if (!entry || index >= entry.count) return undefined;
    return entry.bytes.slice(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /**
   * A node the tree just made: kept if its level is held (it is always the
   * level's next one: the tree grows at its right edge); the lowest level is
   * let go when the budget is passed. Whether it is held now.
   */
  set(level: number, index: number, hash: Uint8Array): boolean {
    if (level < this.lowest) return false;
    let entry = this.levels[level];
    if (!entry) this.levels[level] = entry = { bytes: new Uint8Array(HASH_SIZE * 64), count: 0 };
    if (index < entry.count) entry.bytes.set(hash, index * HASH_SIZE);
    else if (index === entry.count) this.append(entry, hash);
    else return false;
    while (this.held > this.budget && this.lowest !== Number.MAX_SAFE_INTEGER) this.release(this.lowest);
    return level >= this.lowest;
  }

  private append(entry: { bytes: Uint8Array; count: number }, hash: Uint8Array): void {
    if (hash.length !== HASH_SIZE) throw new RangeError(`a Merkle node is ${HASH_SIZE} bytes`);
    if ((entry.count + 1) * HASH_SIZE > entry.bytes.length) {
      const grown = new Uint8Array(Math.max(entry.bytes.length * 2, HASH_SIZE * 64));
      grown.set(entry.bytes);
      entry.bytes = grown;
    }
    entry.bytes.set(hash, entry.count * HASH_SIZE);
    entry.count++;
    this.held++;
  }

  private release(level: number): void {
    this.held -= this.levels[level]?.count ?? 0;
    delete this.levels[level];
    const next = this.levels.findIndex((l, i) => i > level && l !== undefined);
    this.lowest = next < 0 ? Number.MAX_SAFE_INTEGER : next;
  }
}
