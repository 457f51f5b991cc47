/**
 * Reads exact byte counts from a stream cut anywhere: the envelope decrypter
 * and the node's blob store both take chunks of a known size from pieces of
 * any size. Bytes handed out are copies, so what was hashed is what gets
 * written even if the source reuses its buffers.
 */
import { cryptoError } from './errors.ts';
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface ByteReaderOptions {
  /** The error for a piece that is not a Uint8Array. */
  notBytes: () => Error;
  /** Refuse a source longer than `maxBytes`: `tooLarge()` is thrown as soon as the excess arrives. */
  limit?: { maxBytes: number; tooLarge: () => Error };
}

export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly pieces: Uint8Array[] = [];
  private buffered = 0;
  private total = 0;
  private ended = false;

  constructor(source: ByteSource, private readonly options: ByteReaderOptions) {
    const it = source as AsyncIterable<Uint8Array> & Iterable<Uint8Array>;
    this.iterator = (typeof it[Symbol.asyncIterator] === 'function'
      ? it[Symbol.asyncIterator]()
      : (async function* () {
          yield* it;
        })()) as AsyncIterator<Uint8Array>;
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const piece: unknown = next.value;
      if (!(piece instanceof Uint8Array)) throw this.options.notBytes();
      if (piece.length === 0) continue;
      this.total += piece.length;
      const limit = this.options.limit;
      if (limit && this.total > limit.maxBytes) throw limit.tooLarge();
      this.pieces.push(piece);
      this.buffered += piece.length;
    }
  }

  /**
   * Up to `n` bytes; fewer only at the end of the stream. With `into` (at
   * least `n` bytes long) they are copied there and a view of it is returned:
   * a caller that reads many chunks of one size reuses its own buffers.
   */
  async read(n: number, into?: Uint8Array): Promise<Uint8Array> {
    if (into && into.length < n) throw cryptoError('ARGUMENT_INVALID', { argument: 'into', expected: `at least ${n} bytes` });
    await this.fill(n);
    const take = Math.min(n, this.buffered);
    const out = into ? into.subarray(0, take) : new Uint8Array(take);
    let filled = 0;
    while (filled < take) {
      const head = this.pieces[0]!;
      const m = Math.min(head.length, take - filled);
      out.set(head.subarray(0, m), filled);
      filled += m;
      if (m === head.length) this.pieces.shift();
      else this.pieces[0] = head.subarray(m);
    }
    this.buffered -= take;
    return out;
  }

  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.buffered === 0;
  }

  /** Stops the source early (as `for await` would on a break): files close, requests end. */
  async cancel(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.pieces.length = 0;
    try {
      await this.iterator.return?.();
    } catch {
      // The source's own clean-up failure does not change why we stopped.
    }
  }
}
