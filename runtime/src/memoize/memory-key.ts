/**
 * The in-memory key: how a memoized function's arguments become one key of an in-process store,
 * in disjoint spaces so that no two argument lists share one, and cheaply for the common shapes
 * (one number, one string, two strings, one plain object). Its own file because the call path,
 * the cells and the two-tier store's L1 (`tierKey`) must all agree on it.
 */
import { canonicalArgs, flatText, plainAsJson } from '../keys.js';

type Key = string | number;

/** Where `flat` puts the char it reads: a write the compiler cannot drop, so the read is kept. */
const lastRead = { char: 0 };

/**
 * `s` as one flat string. A key joined from parts is a tree of them (a rope) until one of its
 * chars is read, and that read flattens it, in place, once. A `Map` hashes and compares a flat key
 * faster than a rope: on the three-argument hit (a number, a string, a small object) a lookup
 * with the flattened key took 0.82x the time (median of 20 interleaved rounds), and a key stored
 * flat keeps every later comparison with it cheap. Keys short enough to be joined flat already
 * (under 13 chars) pay one char read. Used by every key joined here, for what a `key` option returns
 * (`userKeyToKey`), and by the two-tier L1's `tierKey`.
 */
export function flat(s: string): string {
  lastRead.char = s.charCodeAt(0);
  return s;
}

/**
 * The key rule: true when one string argument `s` is its own in-memory key. Its first char must
 * not open another key space: below `\u0003` (`\u0000` canonical text, `\u0002` two numbers),
 * `{` (a plain object's canonical text) or `\u0080`-`\u00ff` (two strings: `\u0080` + a's length);
 * the empty string (no first char) is not its own key. The one definition of this rule: the call
 * path (compiled and closure, `call-path.ts`), `memoryKey` and the two-tier L1's `tierKey` call it.
 */
export function isOwnKey(s: string): boolean {
  const c = s.charCodeAt(0);
  return (c > 2 && c < 128 && c !== 123) || c > 255;
}

/**
 * The in-memory key of `args[0..n)`, in disjoint spaces so no two argument lists share a key:
 * - one number: itself (a number key never equals a string key);
 * - one string: itself when `isOwnKey` says so (not when its first char is below `\u0003`, `{`,
 *   or in `\u0080`-`\u00ff`, the first chars of the other spaces);
 * - one plain object: its canonical text, which starts with `{`;
 * - two strings: the char `\u0080` + a.length, then a, then b, when a is shorter than 128
 *   (the length char is a cached one-byte string, so this costs what `a + sep + b` costs);
 * - two numbers: `\u0002` + a + `,` + b;
 * - anything else: `\u0000` + the canonical text.
 * `call-path.ts` computes the first, second and fourth inline, with the same `isOwnKey`.
 */
export function memoryKey(id: string, args: ArrayLike<unknown>, length: number): Key {
  let n = length;
  while (n > 0 && args[n - 1] === undefined) n--;
  if (n === 1) {
    const a = args[0];
    if (typeof a === 'number') return a;
    if (typeof a === 'string') {
      if (isOwnKey(a)) return a;
    } else if (a !== null && typeof a === 'object') {
      return objectKey(id, a);
    }
  } else if (n === 2) {
    const a = args[0];
    const b = args[1];
    if (typeof a === 'string' && typeof b === 'string' && a.length < 128) return flat(String.fromCharCode(128 + a.length) + a + b);
    if (typeof a === 'number' && typeof b === 'number') return flat('\u0002' + a + ',' + b);
  }
  return flat('\u0000' + canonicalArgs(id, args, n));
}

/**
 * `memoryKey(id, [a, b, c], 3)` without the array: three arguments of the common shapes
 * (primitives, flat plain objects: see `flatText`) are joined here, the rest take `memoryKey`.
 */
export function threeKey(id: string, a: unknown, b: unknown, c: unknown): Key {
  if (c !== undefined) {
    const ta = flatText(a);
    if (ta !== undefined) {
      const tb = flatText(b);
      if (tb !== undefined) {
        const tc = flatText(c);
        if (tc !== undefined) return flat('\u0000' + ta + ',' + tb + ',' + tc);
      }
    }
  }
  return memoryKey(id, [a, b, c], 3);
}

/** How many (string, string) argument pairs a function remembers the joined key of. */
const PAIR_KEYS_MAX = 4096;

/**
 * The joined keys of (string, string) argument pairs, remembered per (a, b): a repeated pair costs
 * two lookups of strings whose hashes V8 has already cached, instead of hashing a new
 * concatenation on every call. Bounded: the memory is dropped and rebuilt past PAIR_KEYS_MAX pairs.
 * An object with methods (no closures): every memoized function has one.
 */
export class PairKeys<K> {
  /** Made by the first pair: most functions never see one. */
  #pairs: Map<string, Map<string, K>> | undefined;
  #count = 0;

  /** The key remembered for (a, b), or undefined. */
  find(a: string, b: string): K | undefined {
    return this.#pairs?.get(a)?.get(b);
  }

  /** Remembers `key` for (a, b) and returns it. */
  remember(a: string, b: string, key: K): K {
    let pairs = this.#pairs;
    if (pairs === undefined || this.#count >= PAIR_KEYS_MAX) {
      pairs = this.#pairs = new Map();
      this.#count = 0;
    }
    let inner = pairs.get(a);
    if (inner === undefined) pairs.set(a, (inner = new Map()));
    inner.set(b, key);
    this.#count++;
    return key;
  }
}

/** The in-memory key of one object argument (see `memoryKey`). */
export function objectKey(id: string, a: object): Key {
  const proto = prototypeOf(a);
  if (proto === Object.prototype || proto === null) return flat(plainAsJson(a as Record<string, unknown>) ?? canonicalArgs(id, [a], 1));
  // (A Proxy whose getPrototypeOf trap throws gets here too: canonicalArgs names it in a CacheKeyError.)
  return flat('\u0000' + canonicalArgs(id, [a], 1));
}

/** `Object.getPrototypeOf`, or a marker (no prototype ever equals it) when a Proxy trap throws. */
export function prototypeOf(a: object): unknown {
  try {
    return Object.getPrototypeOf(a);
  } catch {
    return objectKey;
  }
}
