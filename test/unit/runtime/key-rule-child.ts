// The key rule, observed through a real memoized function on the memory backend: for each
// argument shape of a table, which entry the call path reads and writes (the compiled path, or
// the closure path when this process runs with --disallow-code-generation-from-strings), and
// whether `memoryKey` (through cacheOf().has) and the two-tier L1's `tierKey` name the same one.
// Imported by key-rule.test.ts (compiled path) and run by it as a child (closure path), which
// prints its observations as JSON.
import { canonicalArgs } from '../../../runtime/src/keys.js';
import { cacheOf, memoize, memoryKey } from '../../../runtime/src/memoize/index.js';
import { isOwnKey } from '../../../runtime/src/memoize/memory-key.js';
import { tierKey } from '../../../runtime/src/stores/tiered.js';

/** A label, and a maker of fresh arguments (objects are new on every call: keyed by value). */
export type Shape = readonly [label: string, args: () => unknown[]];

const long = 'a'.repeat(128);
export const SHAPES: readonly Shape[] = [
  ['one number', () => [1]],
  ['zero', () => [0]],
  ['-0', () => [-0]],
  ['NaN', () => [NaN]],
  ['Infinity', () => [Infinity]],
  ['1.5', () => [1.5]],
  ['string', () => ['abc']],
  ['string of a number', () => ['1']],
  ['string \\u0000', () => ['\u0000a']],
  ['string \\u0001', () => ['\u0001a']],
  ['string \\u0002', () => ['\u00021,2']],
  ['string \\u0003', () => ['\u0003a']],
  ['string {', () => ['{"a":1}']],
  ['string \\u007f', () => ['\u007fa']],
  ['string \\u0080', () => ['\u0080a']],
  ['string \\u0081 (two-strings form of "a","b")', () => ['\u0081ab']],
  ['string \\u00ff', () => ['\u00ffa']],
  ['string \\u0100', () => ['\u0100a']],
  ['string \\u2603', () => ['\u2603 snow']],
  ['string astral', () => ['\u{1F600}x']],
  ['string lone surrogate', () => ['\ud800']],
  ['empty string', () => ['']],
  ['string, undefined', () => ['abc', undefined]],
  ['number, undefined', () => [1, undefined]],
  ['empty string, undefined, undefined', () => ['', undefined, undefined]],
  ['two strings', () => ['a', 'b']],
  ['two strings, moved boundary', () => ['ab', '']],
  ['two strings, empty first', () => ['', 'ab']],
  ['two strings, first 127 long', () => ['a'.repeat(127), 'b']],
  ['two strings, first 128 long', () => [long, 'b']],
  ['two strings, both 200 long', () => ['a'.repeat(200), 'c'.repeat(200)]],
  ['two strings \\u0080 and {', () => ['\u0080', '{']],
  ['two numbers', () => [1, 2]],
  ['two numbers, -0', () => [-0, 0]],
  ['two numbers, 0', () => [0, 0]],
  ['number and string', () => [1, '2']],
  ['string and number', () => ['1', 2]],
  ['three strings', () => ['a', 'b', 'c']],
  ['plain object', () => [{ a: 1, b: [1, 2] }]],
  ['plain object, undefined', () => [{ a: 1, b: [1, 2] }, undefined]],
  ['null-prototype object', () => [Object.assign(Object.create(null) as object, { a: 2 })]],
  ['array', () => [[1, 2]]],
  ['date', () => [new Date(0)]],
  ['null', () => [null]],
  ['undefined', () => [undefined]],
  ['no arguments', () => []],
  ['true', () => [true]],
  ['object, object', () => [{ a: 1 }, { b: 2 }]],
  ['number, string, object', () => [1, 'a', { b: 2, c: 'x' }]],
  ['number, string, object with keys unsorted', () => [1, 'a', { c: 'x', b: 2 }]],
  ['number, string, nested object', () => [1, 'a', { b: [2] }]],
  ['-0, string, NaN', () => [-0, 'a"\\', NaN]],
  ['0, string, NaN', () => [0, 'a"\\', NaN]],
  ['three, middle undefined', () => [1, undefined, null]],
  ['three, last undefined', () => ['a', 'b', undefined]],
  ['three, date', () => [true, 2n, new Date(0)]],
  ['three strings, one lone surrogate', () => ['a', '\ud800', 'c']],
  ['four', () => [1, 'a', { b: 2, c: 'x' }, 4]],
];

/**
 * Shapes that are one argument list for the cache (trailing undefined, -0), so must share one
 * entry: [later shape, the earlier shape whose entry it is served from].
 */
export const SAME_ENTRY: readonly (readonly [string, string])[] = [
  ['-0', 'zero'],
  ['string, undefined', 'string'],
  ['number, undefined', 'one number'],
  ['empty string, undefined, undefined', 'empty string'],
  ['plain object, undefined', 'plain object'],
  ['two numbers, 0', 'two numbers, -0'],
  ['no arguments', 'undefined'],
  ['number, string, object with keys unsorted', 'number, string, object'],
  ['0, string, NaN', '-0, string, NaN'],
  ['three, last undefined', 'two strings'],
];

export interface Observation {
  /** 'compiled' or 'closure': which call path the memoized function runs. */
  path: string;
  /** Per shape, on a memoized function of its own: misses and hits after two calls, and has(). */
  shapes: { label: string; misses: number; hits: number; has: boolean; tierAgrees: boolean }[];
  /** One memoized function called with every shape twice: which shape each call's result came from. */
  servedBy: Record<string, string>;
  entries: number;
}

const key = (args: unknown[]): unknown => memoryKey('f', args, args.length);

/**
 * True when the two-tier L1 would find, under `tierKey(store key)`, the entry the call path looks
 * up inline (one number; one string that is its own key): the same key as memoryKey's.
 */
function tierAgrees(args: unknown[]): boolean {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--; // the argument list as the cache sees it
  const a = args[0];
  const inline = n === 1 && (typeof a === 'number' || (typeof a === 'string' && isOwnKey(a)));
  const l1 = tierKey(canonicalArgs('f', args));
  if (inline) return Object.is(l1, a) || (Object.is(a, -0) && l1 === 0);
  // Not inline: the call path takes the general path, which maps the store key with tierKey
  // itself; such a key must not land on an inline key (a number, or a string that is its own key).
  return typeof l1 === 'string' && (l1.startsWith('\u0000') || l1.startsWith('{'));
}

export async function observe(): Promise<Observation> {
  // The generated source is compacted and declares `var n=` (the closure, compiled from TypeScript, does not).
  const probe = memoize((x: unknown) => x, { id: 'key-rule probe' });
  const path = /\bvar n=/.test(String(probe)) ? 'compiled' : 'closure';
  const shapes: Observation['shapes'] = [];
  for (const [label, make] of SHAPES) {
    const f = memoize((...args: unknown[]) => args.length, { id: `key-rule ${label}` });
    f(...make());
    f(...make());
    const s = cacheOf(f).stats();
    shapes.push({ label, misses: s.misses, hits: s.hits, has: await cacheOf(f).has(...make()), tierAgrees: tierAgrees(make()) });
  }
  // One function over every shape: each call returns the label of the shape whose call stored it.
  let current = '';
  const g = memoize((..._args: unknown[]) => current, { id: 'key-rule all shapes' });
  const servedBy: Record<string, string> = {};
  for (const [label, make] of SHAPES) {
    current = label;
    g(...make());
  }
  for (const [label, make] of SHAPES) {
    current = '(computed again)';
    servedBy[label] = g(...make()) as string;
  }
  return { path, shapes, servedBy, entries: cacheOf(g).stats().entries };
}

/** The expected entry count: distinct memoryKey values (as a Map tells keys apart). */
export function distinctKeys(): number {
  return new Set(SHAPES.map(([, make]) => key(make()))).size;
}

if (process.argv[2] === 'child') {
  void observe().then((o) => console.log(JSON.stringify(o)));
}
