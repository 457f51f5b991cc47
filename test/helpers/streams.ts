/** Small stream helpers for tests: collect sinks, split streams at random points. */
import { concatBytes } from '../../src/crypto/index.ts';

export function collector(): { sink: (bytes: Uint8Array) => void; bytes: () => Uint8Array; parts: Uint8Array[] } {
  const parts: Uint8Array[] = [];
  return { sink: (b) => void parts.push(Uint8Array.from(b)), bytes: () => concatBytes(...parts), parts };
}

/** Cuts `bytes` into pieces at the given offsets (sorted, deduplicated, in range). */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const { isDhlError } = await import('../../src/crypto/index.ts');
  try {
    await promise;
  } catch (err) {
    if (isDhlError(err, code)) return;
    throw new Error(`expected error ${code}, got ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`, { cause: err });
  }
  throw new Error(`expected error ${code}, but it succeeded`);
}
