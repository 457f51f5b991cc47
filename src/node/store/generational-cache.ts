/**
 * A bounded cache in two generations: when the young one is full it becomes
 * the old one and the old one is dropped, so at most twice `generationSize`
 * entries are held.
 * Evicting one key at a time from the front of a Map degrades badly in V8
 * (measured: ~80 µs per eviction past 262 k entries, as the map skips
 * deleted slots).
 */
export class GenerationalCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  constructor(private readonly generationSize: number) {}

  /** The newest value set for `key`; null is a value like any other (a state view's "known absent"). */
  get(key: K): V | undefined {
    const young = this.young.get(key);
    return young !== undefined ? young : this.old.get(key);
  }

  set(key: K, value: V): void {
    if (this.generationSize <= 0) return;
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  /** Drops every entry `drop` says to (a linear walk: for rare, wide invalidations). */
  deleteWhere(drop: (value: V, key: K) => boolean): void {
    for (const map of [this.young, this.old]) for (const [key, value] of map) if (drop(value, key)) map.delete(key);
  }
}
