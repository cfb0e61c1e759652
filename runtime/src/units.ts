/** Parsing of the human units used in options and in the config file: durations and byte sizes. */

import { durationMs, sizeBytes } from 'cachelens/units';

/**
 * A duration: seconds as a number, or a string such as `"500ms"`, `"90s"`, `"5m"`, `"1.5h"`, `"1d"`
 * (a string without a unit is seconds). The grammar: `cachelens/units` (runtime/shared/units.js).
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | `${number}`;

type SizeUnit = 'B' | 'KB' | 'MB' | 'GB' | 'TB' | 'KiB' | 'MiB' | 'GiB' | 'TiB';
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

/** Rough bytes a value occupies on the heap (bounded walk: large structures are extrapolated). */
export function approxBytes(value: unknown): number {
  let budget = 256;
  const seen = new Set<object>();
  const walk = (v: unknown): number => {
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
    let count = 0;
    let sampled = 0;
    const visit = (x: unknown): void => {
      count++;
      if (budget > 0) { budget--; sampled++; total += walk(x); }
    };
    if (Array.isArray(o)) for (const x of o) visit(x);
    else if (o instanceof Map) for (const [k, x] of o) { visit(k); visit(x); }
    else if (o instanceof Set) for (const x of o) visit(x);
    else for (const k of Object.keys(o)) { total += 16 + 2 * k.length; visit((o as Record<string, unknown>)[k]); }
    // Extrapolate the unvisited part from the mean of the visited part.
    if (count > sampled && sampled > 0) total += ((total - 32) / sampled) * (count - sampled);
    return Math.round(total);
  };
  return walk(value);
}
