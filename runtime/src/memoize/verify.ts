/**
 * The `verify` option: for a share of hits, run the function again off the caller's path and
 * compare what it returns with the cached value by structure (`value-shape.ts`). A difference
 * means the function depends on something besides its arguments (time, a database row...); a
 * cached value whose structure changed since it was cached was mutated by a caller.
 *
 * One `Verifier` per memoized function (made only when `verify` > 0, so a function without it
 * pays nothing): at most one check at a time, never for a key whose value is being computed, never
 * a throw into user code (a re-run that throws or rejects is counted as `failed`).
 */
import { differences, valueHash, type Leaf } from './value-shape.js';
import { isThenable, type Fn, type Key } from './cell.js';
import { MAX_VERIFY_DIFF_PATHS, type VerifyDiff, type VerifyDiffPath, type VerifySnapshot } from '../protocol-verify.js';

/** Most differing paths kept in the first diff. */
export const MAX_DIFF_PATHS = MAX_VERIFY_DIFF_PATHS;
/** Longest text of a path or a shown value in a diff, in characters. */
const MAX_DIFF_TEXT = 200;

export type { VerifyDiff, VerifyDiffPath, VerifySnapshot };

/**
 * Says whether a check of `key` must be skipped now: the key is being computed, or `value` is no
 * longer what is cached for it.
 */
export type VerifyBusy = (key: Key, value: unknown) => boolean;

export class Verifier {
  checked = 0;
  differed = 0;
  failed = 0;
  mutated = 0;
  #diff: VerifyDiff | undefined;
  #checking = false;
  /** The hash of each cached object (or settled promise, keyed by the promise) when it was cached. */
  readonly #hashes = new WeakMap<object, string>();
  /** Keys being computed, with how many computations each (asynchronous cells report them). */
  readonly #computing = new Map<Key, number>();

  /**
   * @param share fraction of hits checked, in (0, 1]
   * @param showValues keep the values in the diff (else paths and types only)
   * @param random source of the sampling decision (tests pass a fixed one)
   */
  constructor(readonly fn: Fn, readonly share: number, readonly showValues: boolean, readonly random: () => number = Math.random) {
    this.#skip = this.#gap();
  }

  /**
   * A value was cached: `held` is what the store holds (the value, or the promise that resolved
   * to `value`). Remembers the structure of objects (which a caller can mutate) and of every
   * settled promise (a promise without it is still being computed).
   */
  cached(held: unknown, value: unknown): void {
    if (held === null || (typeof held !== 'object' && typeof held !== 'function')) return;
    try {
      this.#hashes.set(held, valueHash(value));
    } catch {
      // never into user code: the value is simply not checked for mutation
    }
  }

  /** A computation of `key` started; returns what to call when it ends. */
  computing(key: Key): () => void {
    this.#computing.set(key, (this.#computing.get(key) ?? 0) + 1);
    return () => {
      const n = (this.#computing.get(key) ?? 1) - 1;
      if (n === 0) this.#computing.delete(key);
      else this.#computing.set(key, n);
    };
  }

  /**
   * A hit of `key` answered with `value` (unwrapped; a cached promise as is). For the sampled
   * share, schedules one check after the caller's code has run. Never throws.
   */
  hit(self: unknown, key: Key, value: unknown, args: ArrayLike<unknown>, busy: VerifyBusy): void {
    if (--this.#skip > 0 || this.#checking) return;
    this.#skip = this.#gap();
    if (isThenable(value) && !this.#hashes.has(value as object)) return; // still being computed
    if (this.#computing.has(key)) return;
    this.#checking = true;
    const copy = Array.prototype.slice.call(args) as unknown[];
    setImmediate(() => {
      this.#check(self, key, value, copy, busy).then(this.#done, this.#done);
    });
  }

  readonly #done = (): void => { this.#checking = false; };

  /** Hits until the next sampled one (1 = the next): geometric with mean 1 / share, so a hit costs a decrement. */
  #skip: number;
  #gap(): number {
    if (this.share >= 1) return 1;
    const u = this.random();
    return u <= 0 ? 1 : Math.floor(Math.log(u) / Math.log1p(-this.share)) + 1;
  }

  async #check(self: unknown, key: Key, value: unknown, args: unknown[], busy: VerifyBusy): Promise<void> {
    if (this.#computing.has(key) || busy(key, value)) return;
    const original = value !== null && (typeof value === 'object' || typeof value === 'function') ? this.#hashes.get(value) : undefined;
    let cached: unknown;
    try {
      cached = isThenable(value) ? await value : value;
    } catch {
      return; // a cached rejection (cacheErrors): nothing to compare
    }
    const now = valueHash(cached);
    // A held promise's hash is of its value; an object's, of itself: either way, what was cached.
    if (original !== undefined && original !== now) this.mutated++;
    let fresh: unknown;
    try {
      fresh = await this.fn.apply(self, args);
    } catch {
      this.failed++;
      return;
    }
    this.checked++;
    if (valueHash(fresh) === (original ?? now)) return;
    this.differed++;
    this.#diff ??= this.#diffOf(cached, fresh);
  }

  #diffOf(cached: unknown, fresh: unknown): VerifyDiff {
    const side = (leaf: Leaf | undefined): string => {
      if (leaf === undefined) return 'absent';
      return this.showValues && leaf.text !== '' ? `${leaf.type}: ${clip(leaf.text)}` : leaf.type;
    };
    const paths = differences(cached, fresh, MAX_DIFF_PATHS).map((d) => ({ path: clip(d.path), cached: side(d.a), fresh: side(d.b) }));
    return { paths, values: this.showValues };
  }

  snapshot(): VerifySnapshot {
    const s: VerifySnapshot = { checked: this.checked, differed: this.differed, failed: this.failed, mutated: this.mutated };
    if (this.#diff !== undefined) s.diff = this.#diff;
    return s;
  }
}

function clip(text: string): string {
  return text.length <= MAX_DIFF_TEXT ? text : `${text.slice(0, MAX_DIFF_TEXT - 1)}…`;
}
