/** Serialises async operations per key (one blob root, one upload) within this process. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Whether an operation on `key` is running or waiting. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Runs `fn` after every earlier operation on the same key has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
