/**
 * The hot call path of a memoized function on an in-process store: key one number or one string
 * as itself (the string when `isOwnKey` says so) and two strings through `pairKey`, look it up,
 * count the hit. One object goes to `lookupObject`, three arguments to `lookupThree` (no arguments
 * object for either), anything else to `lookup` (the general path) through a shared function
 * (`other`).
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

/**
 * Where the call path goes when a call is not a plain hit on one number, one string or two
 * strings: methods of one object (the synchronous cell itself), so a memoized function costs one
 * object here, not one closure per path.
 */
export interface CallPathTargets<K> {
  /** The general path: any arguments, as an array-like. */
  lookup(self: unknown, args: ArrayLike<unknown>): unknown;
  /** The key of two string arguments (equal to `memoryKey`'s). */
  pairKey(a: string, b: string): K;
  /** The general path for exactly one non-null object argument. */
  lookupObject(self: unknown, a: object): unknown;
  /** The general path for exactly three arguments, passed as themselves. */
  lookupThree(self: unknown, a: unknown, b: unknown, c: unknown): unknown;
  /** A hit that is not plain (never called when `plain`). */
  unwrap(self: unknown, key: K, held: unknown, args: ArrayLike<unknown>): unknown;
  /** A miss on one or two arguments (`n`), passed as themselves: for a call path without an `fn` of its own to call. */
  computeFew?(self: unknown, key: K, n: number, a: unknown, b: unknown): unknown;
  /**
   * With `fn`: a miss the call path computes itself. Counts and classifies it; what `settle` and
   * `failed` are given back (the compute timer's start, or undefined when not timed).
   */
  beginMiss?(key: K): number | undefined;
  /** With `fn`: `fn` returned `result` for `key`; stores it (or tracks the promise) and returns what the call returns. */
  settle?(key: K, result: unknown, started: number | undefined): unknown;
  /** With `fn`: `fn` threw `error` for `key`; counts it and throws it on. */
  failed?(key: K, error: unknown, started: number | undefined): never;
}

/** What the call path closes over; all fixed when the memoized function is created. */
export interface CallPathParts<K> {
  store: { get(key: K): unknown };
  stats: { hits: number };
  /** True when hits can return what the store holds as is (no cacheErrors / staleWhileRevalidate wrappers). */
  plain: boolean;
  miss: symbol;
  targets: CallPathTargets<K>;
  /**
   * The memoized function, for a synchronous cell: on a miss of its own keys the call path then
   * calls it itself, between `targets.beginMiss` and `settle` or `failed`, so a function that calls
   * itself costs two frames a level, the call path's and its own (through `computeFew`, three:
   * a cold recursion of one number overflowed at 1,891 levels, 2,873 now, 8,242 unmemoized).
   * The targets' general paths compute in their own frames for the same reason. Without it (the
   * asynchronous two-tier path), `targets.computeFew`.
   */
  fn?: (...args: unknown[]) => unknown;
}

// The same logic as `closurePath` below. Which one string is its own key is decided by `ownKey`,
// which is `isOwnKey` (memoize/memory-key.ts): the one definition, shared with `memoryKey` and
// `tierKey`, passed in rather than written out here.
// Everything but the keying of the fast shapes and the plain hit is in shared functions (`other`,
// `unwrapFew`): each memoized function keeps its own copy of this source and its bytecode.
const SOURCE = `"use strict";
return {[name]: function(PARAMS) {
  var n = arguments.length;
  var key;
  if (n === 1) {
    if (typeof a === 'number' || (typeof a === 'string' && ownKey(a))) key = a;
    else if (typeof a === 'object' && a !== null) return targets.lookupObject(this, a);
    else return other(targets, this, 1, a, b, void 0);
  } else if (n === 2 && typeof a === 'string' && typeof b === 'string') key = targets.pairKey(a, b);
  else if (n === 3) return targets.lookupThree(this, a, b, c);
  else return other(targets, this, n, a, b, n > 3 ? arguments : void 0);
  var held = store.get(key);
  if (held !== miss) {
    if (plain) {
      stats.hits++;
      return held;
    }
    return unwrapFew(targets, this, key, held, n, a, b);
  }
  if (fn === void 0) return targets.computeFew(this, key, n, a, b);
  var started = targets.beginMiss(key), result;
  try {
    result = n === 1 ? fn.call(this, a) : fn.call(this, a, b);
  } catch (error) {
    targets.failed(key, error, started);
  }
  return targets.settle(key, result, started);
}}[name];`;

/**
 * The calls the call path neither keys itself nor sends to `lookupObject` or `lookupThree`, to the
 * general path (`args`: the arguments object when there are more than three; the others are
 * rebuilt from `a`, `b`).
 */
function other<K>(targets: CallPathTargets<K>, self: unknown, n: number, a: unknown, b: unknown, args: ArrayLike<unknown> | undefined): unknown {
  return targets.lookup(self, args ?? (n === 0 ? [] : n === 1 ? [a] : [a, b]));
}

/** A hit of the call path's own keys (one or two arguments, `n`) that is not plain. */
function unwrapFew<K>(targets: CallPathTargets<K>, self: unknown, key: K, held: unknown, n: number, a: unknown, b: unknown): unknown {
  return targets.unwrap(self, key, held, n === 1 ? [a] : [a, b]);
}

/** The factory's parameters (what `buildCallPath` passes, in this order), each with its short name in `COMPACT_SOURCE`. */
const NAMES: readonly (readonly [string, string])[] = [
  ['store', 's'], ['stats', 't'], ['plain', 'p'], ['miss', 'm'], ['ownKey', 'o'], ['targets', 'g'], ['other', 'x'], ['unwrapFew', 'y'],
  ['name', 'f'], ['fn', 'u'], ['key', 'k'], ['held', 'h'], ['started', 'z'], ['result', 'r'], ['error', 'e'],
];
const PARAMS = NAMES.slice(0, 10).map(([, short]) => short);

/**
 * `SOURCE` as the engine keeps it: the engine keeps each function's source text (one copy per
 * memoized function, in one-byte characters), so the layout and the long names go: line breaks
 * and indentation (every statement ends with `;` or `}`), spaces not between two words, and each
 * parameter and local renamed (`NAMES`: whole words, none of them a property name or inside a
 * string literal). 816 -> 624 bytes per function (the text the engine keeps, the factory's head included),
 * 757 since the call path computes its own keys' misses itself (`CallPathParts.fn`).
 */
const COMPACT_SOURCE = NAMES.reduce((text, [long, short]) => text.replace(new RegExp(`\\b${long}\\b`, 'g'), short),
  SOURCE.replace(/\n\s*/g, '').replace(/ (?=[^\w$])|(?<=[^\w$]) /g, ''));

/**
 * The memoized function's name and length, for the compiled call path to carry itself: setting
 * either on a function afterwards (`Object.defineProperty`) moves its properties to a dictionary,
 * ~250-430 bytes per function. The name is passed in as a value and given by the property it is made
 * under (`{[name]: function (...) {...}}[name]`), so any string works (a minifier's one-letter
 * names, `bound f`, non-ASCII letters) and the function body has no binding of it that could
 * hide the call path's own names. A length above 8 (or not an integer) is set afterwards.
 */
export interface CallPathShape {
  readonly name: string;
  readonly length: number;
}

/** The name the call path is made with when `shape` gives none it can carry. */
const PLAIN_NAME = 'memoized';
/** The parameters of a call path without a shape: a, b, c (length 3). */
const PLAIN_PARAMS = 'a,b,c';

/**
 * The compiled function's parameters for `shape`'s length, or undefined when it cannot be
 * compiled in. Parameters with a default do not count in `length`: the first `length` of a, b, c
 * are plain, the rest default to undefined (a call passes them as given either way).
 */
function paramsFor(shape: CallPathShape | undefined): string | undefined {
  if (shape === undefined) return PLAIN_PARAMS;
  const { length } = shape;
  if (!(Number.isInteger(length) && length >= 0 && length <= 8)) return undefined;
  const params = ['a', 'b', 'c'].map((p, i) => (i < length ? p : `${p}=void 0`));
  for (let i = 3; i < length; i++) params.push(`_${i}`);
  return params.join(',');
}

let compiled = 0;
let codegenAllowed = true;

function closurePath<K>({ store, stats, plain, miss, targets, fn }: CallPathParts<K>): CallPath {
  return function memoized(this: unknown, a?: unknown, b?: unknown, c?: unknown) {
    const n = arguments.length;
    let key: unknown;
    if (n === 1) {
      if (typeof a === 'number' || (typeof a === 'string' && isOwnKey(a))) key = a;
      else if (typeof a === 'object' && a !== null) return targets.lookupObject(this, a);
      else return other(targets, this, 1, a, b, undefined);
    } else if (n === 2 && typeof a === 'string' && typeof b === 'string') key = targets.pairKey(a, b);
    else if (n === 3) return targets.lookupThree(this, a, b, c);
    // eslint-disable-next-line prefer-rest-params
    else return other(targets, this, n, a, b, n > 3 ? arguments : undefined);
    const held = store.get(key as K);
    if (held !== miss) {
      if (plain) {
        stats.hits++;
        return held;
      }
      return unwrapFew(targets, this, key as K, held, n, a, b);
    }
    if (fn === undefined) return targets.computeFew!(this, key as K, n, a, b);
    const started = targets.beginMiss!(key as K);
    let result: unknown;
    try {
      result = n === 1 ? fn.call(this, a) : fn.call(this, a, b);
    } catch (error) {
      targets.failed!(key as K, error, started);
    }
    return targets.settle!(key as K, result, started);
  } as CallPath;
}

/**
 * A call path of its own for one memoized function; with `shape`, named and sized as that where
 * it can be compiled in (see `CallPathShape`; otherwise the result is `memoized` of length 3, and
 * the caller sets the name and length).
 */
export function buildCallPath<K>(parts: CallPathParts<K>, shape?: CallPathShape): CallPath {
  const shaped = paramsFor(shape);
  const name = typeof shape?.name === 'string' ? shape.name : PLAIN_NAME;
  const signatures: [string, string][] = shaped === undefined || (shaped === PLAIN_PARAMS && name === PLAIN_NAME)
    ? [[PLAIN_NAME, PLAIN_PARAMS]] : [[name, shaped], [PLAIN_NAME, PLAIN_PARAMS]];
  for (const [fnName, params] of signatures) {
    if (!codegenAllowed) break;
    try {
      // The numbered comment makes each source unique, so V8's compilation cache cannot share it.
      const factory = new Function(...PARAMS, `// cachelens call path ${++compiled}\n${COMPACT_SOURCE.replace('PARAMS', () => params)}`) as (...deps: unknown[]) => CallPath;
      return factory(parts.store, parts.stats, parts.plain, parts.miss, isOwnKey, parts.targets, other, unwrapFew, fnName, parts.fn);
    } catch (error) {
      // EvalError: code generation from strings is disallowed in this process. Anything else (the
      // engine refused the shaped parameters after all): the plain ones next.
      if (error instanceof EvalError) codegenAllowed = false;
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
