/**
 * Reusable buffers for chunk bodies. Every stored chunk of an upload arrives
 * in a body of the same length (chunkSize + 16 bytes), so the buffer one
 * request was collected into can take the next one once its handler is done
 * with it. Allocating a fresh MiB per chunk made the upload route's garbage
 * collector the largest cost of an upload (each allocation counts towards
 * V8's external-memory limit, and every crossing starts a full mark of the
 * heap). A buffer comes back only from the handler that took it, after the
 * node has hashed and written it; at most `capacityBytes` wait here.
 */
export class ChunkBuffers {
  private readonly free = new Map<number, Buffer[]>();
  private pooled = 0;

  constructor(private readonly capacityBytes: number) {}

  /** A buffer of exactly `length` bytes, its contents unspecified (the caller fills all of it). */
  take(length: number): Buffer {
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.pooled -= length;
      return reused;
    }
    return Buffer.allocUnsafeSlow(length);
  }

  /** Hands a buffer back: nothing may read or write it after this. Dropped when the pool is full. */
  give(buffer: Buffer): void {
    if (this.pooled + buffer.length > this.capacityBytes) return;
    const list = this.free.get(buffer.length) ?? [];
    if (list.length === 0) this.free.set(buffer.length, list);
    list.push(buffer);
    this.pooled += buffer.length;
  }

  /** Bytes waiting to be reused. */
  get pooledBytes(): number {
    return this.pooled;
  }
}
