/** Parsing of the human units used in options and in the config file: durations and byte sizes. */

import { durationMs, sizeBytes } from 'cachelens/units';

/**
 * A duration: seconds as a number, or a string such as `"500ms"`, `"90s"`, `"5m"`, `"1.5h"`, `"1d"`
 * (a string without a unit is seconds). The grammar: `cachelens/units` (runtime/shared/units.js).
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | `${number}`;

export type SizeUnit = 'B' | 'KB' | 'MB' | 'GB' | 'TB' | 'KiB' | 'MiB' | 'GiB' | 'TiB';
/**
 * A size in bytes: a number, or a string such as `"512KB"`, `"1.5MB"`, `"1GB"`, `"64MiB"` (powers
 * of 1024; units in any case). The grammar: `cachelens/units` (runtime/shared/units.js).
 */
export type ByteSize = number | `${number}${SizeUnit | Lowercase<SizeUnit>}` | `${number}`;

/**
 * Milliseconds for a duration, `undefined` for "no value", or a string describing what is wrong
 * (callers turn it into their own error). `0`, `Infinity` and a blank string mean "never expires"
 * → `undefined`.
 */
export const parseDuration: (value: unknown) => number | undefined | { problem: string } = durationMs;

/** Bytes for a size, `undefined` for "no value" (a blank string too), or a problem description. */
export const parseByteSize: (value: unknown) => number | undefined | { problem: string } = sizeBytes;

/** How many elements, entries or properties of one structure `approxBytes` reads at most. */
const SAMPLE = 256;

/**
 * Rough bytes a value occupies on the heap, or `undefined` when it cannot be measured (reading it
 * threw: a getter that throws, a revoked Proxy or one whose traps throw). A bounded walk: at most
 * 256 elements, entries or properties are read in all, whatever the size or the depth of the value
 * (large structures are extrapolated from what was read, from their length, size or key count), and
 * cycles are counted once. Never throws.
 */
export function approxBytes(value: unknown): number | undefined {
  try {
    return walkBytes(value, { budget: SAMPLE }, new Set());
  } catch {
    return undefined;
  }
}

function walkBytes(v: unknown, left: { budget: number }, seen: Set<object>): number {
  switch (typeof v) {
    case 'string': return 16 + 2 * v.length;
    case 'number': case 'boolean': case 'undefined': case 'symbol': return 8;
    case 'bigint': return 16;
    case 'function': return 64;
    default: break;
  }
  if (v === null) return 8;
  const o = v as object;
  if (seen.has(o)) return 8;
  seen.add(o);
  if (ArrayBuffer.isView(o)) return 64 + o.byteLength;
  if (o instanceof ArrayBuffer) return 32 + o.byteLength;
  if (o instanceof Promise) return 64;
  let total = 32;
  let sampled = 0;
  const visit = (x: unknown): boolean => {
    if (left.budget <= 0) return false;
    left.budget--;
    sampled++;
    total += walkBytes(x, left, seen);
    return true;
  };
  let count: number;
  // Iteration stops when the budget is spent: a sparse array of length 2^32 costs what a short one does.
  if (Array.isArray(o)) {
    count = o.length;
    for (let i = 0; i < count && visit(o[i]); i++);
  } else if (o instanceof Map) {
    count = 2 * o.size;
    for (const [k, x] of o) if (!visit(k) || !visit(x)) break;
  } else if (o instanceof Set) {
    count = o.size;
    for (const x of o) if (!visit(x)) break;
  } else {
    const keys = Object.keys(o);
    count = keys.length;
    for (const k of keys) {
      total += 16 + 2 * k.length;
      if (left.budget > 0) visit((o as Record<string, unknown>)[k]);
    }
  }
  // Extrapolate the unvisited part from the mean of the visited part.
  if (count > sampled && sampled > 0) total += ((total - 32) / sampled) * (count - sampled);
  return Math.round(total);
}
