/**
 * A deliberately naive RFC 9162 Merkle tree, written from the text of §2.1 and
 * nothing else, to cross-check the fast one in src/ledger/merkle.ts (STYLE §10).
 * It recomputes everything from the leaf inputs, slices arrays the way the RFC
 * writes D[k:n], and shares no code with the implementation under test.
 *
 * The one concession to speed is an optional MTH cache (exhaustive cross-checks
 * call it tens of thousands of times over the same ranges). A cache hit requires
 * the very same leaf objects in the same order, so it can change the cost but
 * never the result.
 */
import type { SyncHash } from '../../src/crypto/hash.ts';

function concat(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** "k is the largest power of two smaller than n (i.e., k < n <= 2k)" (§2.1.1). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

export class NaiveMerkle {
  readonly #hash: SyncHash;
  readonly #cache: Map<string, { D: readonly Uint8Array[]; root: Uint8Array }> | undefined;
  readonly #ids = new WeakMap<Uint8Array, number>();
  #nextId = 0;

  constructor(hash: SyncHash, options: { cache?: boolean } = {}) {
    this.#hash = hash;
    this.#cache = options.cache ? new Map() : undefined;
  }

  /** HASH(x) for the text's ||-joined inputs. */
  HASH(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
    return this.#hash(concat(...parts));
  }

  /**
   * §2.1.1:
   *   MTH({}) = HASH()
   *   MTH({d(0)}) = HASH(0x00 || d(0))
   *   MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
   */
  MTH(D: readonly Uint8Array[]): Uint8Array {
    const n = D.length;
    if (n === 0) return this.HASH();
    if (n === 1) return this.HASH([0x00], D[0]!);
    const key = this.#cache && `${this.#id(D[0]!)}:${n}`;
    const hit = key === undefined ? undefined : this.#cache!.get(key);
    if (hit !== undefined && hit.D.every((d, i) => d === D[i])) return hit.root;
    const k = largestPowerOfTwoBelow(n);
    const root = this.HASH([0x01], this.MTH(D.slice(0, k)), this.MTH(D.slice(k, n)));
    if (key !== undefined) this.#cache!.set(key, { D, root });
    return root;
  }

  /**
   * §2.1.3.1:
   *   PATH(0, {d(0)}) = {}
   *   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])        for m < k
   *   PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])    for m >= k
   */
  PATH(m: number, D: readonly Uint8Array[]): Uint8Array[] {
    const n = D.length;
    if (!(Number.isInteger(m) && 0 <= m && m < n)) throw new RangeError(`PATH needs 0 <= m < n (m=${m}, n=${n})`);
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    if (m < k) return [...this.PATH(m, D.slice(0, k)), this.MTH(D.slice(k, n))];
    return [...this.PATH(m - k, D.slice(k, n)), this.MTH(D.slice(0, k))];
  }

  /** §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m < n. */
  PROOF(m: number, D: readonly Uint8Array[]): Uint8Array[] {
    const n = D.length;
    if (!(Number.isInteger(m) && 0 < m && m <= n)) throw new RangeError(`PROOF needs 0 < m <= n (m=${m}, n=${n})`);
    return this.SUBPROOF(m, D, true);
  }

  /**
   * §2.1.4.1:
   *   SUBPROOF(m, D[m], true) = {}
   *   SUBPROOF(m, D[m], false) = {MTH(D[m])}
   *   SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])        for m <= k
   *   SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) for m > k
   */
  SUBPROOF(m: number, D: readonly Uint8Array[], b: boolean): Uint8Array[] {
    const n = D.length;
    if (m === n) return b ? [] : [this.MTH(D)];
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) return [...this.SUBPROOF(m, D.slice(0, k), b), this.MTH(D.slice(k, n))];
    return [...this.SUBPROOF(m - k, D.slice(k, n), false), this.MTH(D.slice(0, k))];
  }

  /** §2.1.3.2, step by step; true when "the log has proven the inclusion of hash". */
  verifyInclusion(leafIndex: number, treeSize: number, hash: Uint8Array, inclusionPath: readonly Uint8Array[], rootHash: Uint8Array): boolean {
    // 1.
    if (leafIndex >= treeSize) return false;
    // 2.
    let fn = BigInt(leafIndex);
    let sn = BigInt(treeSize) - 1n;
    // 3.
    let r = hash;
    // 4.
    for (const p of inclusionPath) {
      // a.
      if (sn === 0n) return false;
      // b.
      if ((fn & 1n) === 1n || fn === sn) {
        r = this.HASH([0x01], p, r);
        if ((fn & 1n) === 0n) {
          while (!((fn & 1n) === 1n || fn === 0n)) {
            fn >>= 1n;
            sn >>= 1n;
          }
        }
      } else {
        r = this.HASH([0x01], r, p);
      }
      // c.
      fn >>= 1n;
      sn >>= 1n;
    }
    // 5.
    return sn === 0n && same(r, rootHash);
  }

  /**
   * §2.1.4.2, step by step, for 0 < first < second as the text assumes; false
   * outside that range.
   */
  verifyConsistency(first: number, second: number, consistencyPath: readonly Uint8Array[], firstHash: Uint8Array, secondHash: Uint8Array): boolean {
    if (!(0 < first && first < second)) return false;
    // 1.
    if (consistencyPath.length === 0) return false;
    // 2.
    const path = isPowerOfTwo(first) ? [firstHash, ...consistencyPath] : [...consistencyPath];
    // 3.
    let fn = BigInt(first) - 1n;
    let sn = BigInt(second) - 1n;
    // 4.
    if ((fn & 1n) === 1n) {
      while ((fn & 1n) === 1n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    }
    // 5.
    let fr = path[0]!;
    let sr = path[0]!;
    // 6.
    for (const c of path.slice(1)) {
      // a.
      if (sn === 0n) return false;
      // b.
      if ((fn & 1n) === 1n || fn === sn) {
        fr = this.HASH([0x01], c, fr);
        sr = this.HASH([0x01], c, sr);
        if ((fn & 1n) === 0n) {
          while (!((fn & 1n) === 1n || fn === 0n)) {
            fn >>= 1n;
            sn >>= 1n;
          }
        }
      } else {
        sr = this.HASH([0x01], sr, c);
      }
      // c.
      fn >>= 1n;
      sn >>= 1n;
    }
    // 7.
    return same(fr, firstHash) && same(sr, secondHash) && sn === 0n;
  }

  #id(d: Uint8Array): number {
    let id = this.#ids.get(d);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(d, id);
    }
    return id;
  }
}
