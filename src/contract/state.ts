/**
 * State views: the in-memory store for tests and clients, and the overlay the
 * node applies a block's transactions through (later transactions of a block
 * see the earlier ones' writes; the block commits the overlay's final writes).
 */
import { compareUtf8 } from '../crypto/bytes.ts';
import type { Json, StateView, StateWrite } from './types.ts';

/** Throws a TypeError unless `value` is JSON as DESIGN §13 allows it in state; a contract bug, never a user error. */
export function assertStateJson(value: unknown, where: string): asserts value is Json {
  if (typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0)) return;
    throw new TypeError(`${where}: numbers in state must be non-negative safe integers`);
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertStateJson(item, `${where}[${i}]`));
    return;
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) assertStateJson(v, `${where}.${k}`);
    return;
  }
  throw new TypeError(`${where}: not a state JSON value`);
}

function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('state key must be a non-empty string');
}

/** Throws a TypeError unless every write has a non-empty key and a state JSON value or null (deletion). */
export function assertStateWrite(key: unknown, value: unknown): void {
  assertKey(key);
  if (value !== null) assertStateJson(value, key as string);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Final writes of a map of pending changes, sorted by the UTF-8 bytes of key. */
function sortedWrites(pending: Map<string, Json | null>): StateWrite[] {
  return [...pending.entries()].sort(([a], [b]) => compareUtf8(a, b)).map(([k, v]) => [k, v] as const);
}

/**
 * A base view plus pending writes. Values are copied and frozen on the way in,
 * so nothing outside can change a pending write and a handler that tries to
 * mutate a value it read fails loudly instead of corrupting state.
 */
export class OverlayView implements StateView {
  private readonly pending = new Map<string, Json | null>();

  constructor(private readonly base: StateView) {}

  get(key: string): Json | undefined {
    if (this.pending.has(key)) return this.pending.get(key) ?? undefined;
    return this.base.get(key);
  }

  set(key: string, value: Json): void {
    assertKey(key);
    assertStateJson(value, key);
    this.pending.set(key, deepFreeze(structuredClone(value)));
  }

  delete(key: string): void {
    assertKey(key);
    this.pending.set(key, null);
  }

  /** Folds in the writes of an applied transaction. */
  apply(writes: readonly StateWrite[]): void {
    for (const [key, value] of writes) {
      if (value === null) this.delete(key);
      else this.set(key, value);
    }
  }

  /** The keys written so far (set or deleted), unordered. */
  pendingKeys(): string[] {
    return [...this.pending.keys()];
  }

  /** The final writes, sorted by the UTF-8 bytes of key, as a block commits and hashes them (DESIGN §13). */
  writes(): StateWrite[] {
    return sortedWrites(this.pending);
  }

  get size(): number {
    return this.pending.size;
  }
}

/**
 * In-memory state for tests and clients. Values are copied in and out
 * (structuredClone), so a caller never shares a reference with stored state.
 */
export class MemoryStateView implements StateView {
  private readonly data = new Map<string, Json>();

  constructor(writes: Iterable<StateWrite> = []) {
    this.apply(writes);
  }

  get(key: string): Json | undefined {
    const value = this.data.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  apply(writes: Iterable<StateWrite>): void {
    for (const [key, value] of writes) {
      assertStateWrite(key, value);
      if (value === null) this.data.delete(key);
      else this.data.set(key, structuredClone(value));
    }
  }

  /** Every entry, sorted by the UTF-8 bytes of key (copies). */
  entries(): [string, Json][] {
    return [...this.data.keys()].sort(compareUtf8).map((k) => [k, structuredClone(this.data.get(k)!)]);
  }

  get size(): number {
    return this.data.size;
  }
}
