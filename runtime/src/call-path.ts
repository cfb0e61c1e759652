/**
 * The hot call path of a memoized function on an in-process store: key one number or one string
 * as itself (the string when `isOwnKey` says so), two strings through `pairKey`, one object
 * through `lookupObject` and three arguments through `lookupThree` (no arguments object), look
 * it up, count the hit. Anything else goes to `lookup` (the general path).
 *
 * Every memoized function gets its own compiled copy of this small function. Closures created
 * from one function literal share their type feedback and optimized code in V8, so with a single
 * literal every memoized function in an app would run generic code that cannot treat its own
 * store, counters and options as constants; a separate compilation per function keeps each one
 * monomorphic and specialised. Where code generation from strings is disabled
 * (`--disallow-code-generation-from-strings`), the same logic runs as an ordinary closure.
 */

import { isOwnKey } from './memoize/memory-key.js';

export type CallPath = (this: unknown, ...args: unknown[]) => unknown;

/** What the call path closes over; all fixed when the memoized function is created. */
export interface CallPathParts<K> {
  store: { get(key: K): unknown };
  stats: { hits: number };
  /** True when hits can return what the store holds as is (no cacheErrors / staleWhileRevalidate wrappers). */
  plain: boolean;
  miss: symbol;
  lookup: (self: unknown, args: ArrayLike<unknown>) => unknown;
  /** The key of two string arguments (equal to `memoryKey`'s). */
  pairKey: (a: string, b: string) => K;
  /** The general path for exactly one non-null object argument. */
  lookupObject: (self: unknown, a: object) => unknown;
  /** The general path for exactly three arguments, passed as themselves. */
  lookupThree: (self: unknown, a: unknown, b: unknown, c: unknown) => unknown;
  unwrap: (self: unknown, key: K, held: unknown, args: ArrayLike<unknown>) => unknown;
  /** A miss on one or two arguments (`n`), passed as themselves. */
  compute: (self: unknown, key: K, n: number, a: unknown, b: unknown) => unknown;
}

// The same logic as `closurePath` below. Which one string is its own key is decided by `ownKey`,
// which is `isOwnKey` (memoize/memory-key.ts): the one definition, shared with `memoryKey` and
// `tierKey`, passed in rather than written out here.
const SOURCE = `"use strict";
return function memoized(a, b, c) {
  var n = arguments.length;
  var key;
  if (n === 1) {
    if (typeof a === 'number') key = a;
    else if (typeof a === 'string' && ownKey(a)) key = a;
    else if (typeof a === 'object' && a !== null) return lookupObject(this, a);
    else return lookup(this, arguments);
  } else if (n === 2 && typeof a === 'string' && typeof b === 'string') {
    key = pairKey(a, b);
  } else if (n === 3) {
    return lookupThree(this, a, b, c);
  } else {
    return lookup(this, arguments);
  }
  var held = store.get(key);
  if (held !== miss) {
    if (plain) {
      stats.hits++;
      return held;
    }
    return unwrap(this, key, held, n === 1 ? [a] : [a, b]);
  }
  return compute(this, key, n, a, b);
};`;

/**
 * `SOURCE` without its line breaks and indentation: the engine keeps each function's source text
 * (one copy per memoized function), and a third of `SOURCE` is layout. Every statement ends with
 * `;` or `}`, so the lines join as they are.
 */
const COMPACT_SOURCE = SOURCE.replace(/\n\s*/g, '');

let compiled = 0;
let codegenAllowed = true;

function closurePath<K>({ store, stats, plain, miss, lookup, pairKey, lookupObject, lookupThree, unwrap, compute }: CallPathParts<K>): CallPath {
  return function memoized(this: unknown, a?: unknown, b?: unknown, c?: unknown) {
    const n = arguments.length;
    let key: unknown;
    if (n === 1) {
      if (typeof a === 'number') key = a;
      else if (typeof a === 'string' && isOwnKey(a)) key = a;
      else if (typeof a === 'object' && a !== null) return lookupObject(this, a);
      // eslint-disable-next-line prefer-rest-params
      else return lookup(this, arguments);
    } else if (n === 2 && typeof a === 'string' && typeof b === 'string') {
      key = pairKey(a, b);
    } else if (n === 3) {
      return lookupThree(this, a, b, c);
    } else {
      // eslint-disable-next-line prefer-rest-params
      return lookup(this, arguments);
    }
    const held = store.get(key as K);
    if (held !== miss) {
      if (plain) {
        stats.hits++;
        return held;
      }
      return unwrap(this, key as K, held, n === 1 ? [a] : [a, b]);
    }
    return compute(this, key as K, n, a, b);
  } as CallPath;
}

/** A call path of its own for one memoized function. */
export function buildCallPath<K>(parts: CallPathParts<K>): CallPath {
  if (codegenAllowed) {
    try {
      // The numbered comment makes each source unique, so V8's compilation cache cannot share it.
      const factory = new Function('store', 'stats', 'plain', 'miss', 'lookup', 'ownKey', 'pairKey', 'lookupObject', 'lookupThree', 'unwrap', 'compute',
        `// cachelens call path ${++compiled}\n${COMPACT_SOURCE}`) as (...deps: unknown[]) => CallPath;
      return factory(parts.store, parts.stats, parts.plain, parts.miss, parts.lookup, isOwnKey, parts.pairKey, parts.lookupObject, parts.lookupThree, parts.unwrap, parts.compute);
    } catch {
      codegenAllowed = false; // EvalError: code generation from strings is disallowed in this process
    }
  }
  return closurePath(parts);
}

/**
 * The engine's unique copy of `s` (made a property name). Two such copies compare by identity, so
 * a key text remembered on one side and stored on the other is found without comparing characters.
 * Costs an object: for keys made once and used many times, not on a per-call path.
 */
export function internalized(s: string): string {
  const holder: Record<string, 0> = { [s]: 0 };
  for (const name in holder) return name;
  return s;
}
