/** Parsing of the human units used in options and in the config file: durations and byte sizes. */

/** A duration: seconds as a number, or a string such as `"500ms"`, `"90s"`, `"5m"`, `"1h"`, `"1d"`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | `${number}`;

/** A size in bytes: a number, or a string such as `"512KB"`, `"10MB"`, `"1GB"` (powers of 1024). */
export type ByteSize = number | `${number}${'B' | 'KB' | 'MB' | 'GB' | 'kb' | 'mb' | 'gb' | 'b'}` | `${number}`;

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTES = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?\s*$/i;
const BYTES_FACTOR: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/**
 * Milliseconds for a duration, `undefined` for "no value", or a string describing what is wrong
 * (callers turn it into their own error). `0` and `Infinity` mean "never expires" → `undefined`.
 */
export function parseDuration(value: unknown): number | undefined | { problem: string } {
  if (value === undefined || value === null) return undefined;
  let ms: number;
  if (typeof value === 'number') {
    if (Number.isNaN(value) || value < 0) return { problem: `must be >= 0 seconds, got ${value}` };
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const m = DURATION.exec(value);
    if (!m) return { problem: `must be seconds or a string like "90s", "5m", "1h", got ${JSON.stringify(value)}` };
    ms = Number(m[1]) * DURATION_MS[m[2] ?? 's']!;
  } else {
    return { problem: `must be seconds (number) or a string like "5m", got ${typeof value}` };
  }
  return ms === 0 || ms === Infinity ? undefined : ms;
}

/** Bytes for a size, `undefined` for "no value", or a problem description. */
export function parseByteSize(value: unknown): number | undefined | { problem: string } {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (Number.isNaN(value) || value <= 0) return { problem: `must be > 0 bytes, got ${value}` };
    return value;
  }
  if (typeof value === 'string') {
    const m = BYTES.exec(value);
    if (!m || Number(m[1]) <= 0) return { problem: `must be bytes or a string like "10MB", "1GB", got ${JSON.stringify(value)}` };
    return Math.floor(Number(m[1]) * BYTES_FACTOR[(m[2] ?? 'b').toLowerCase()]!);
  }
  return { problem: `must be bytes (number) or a string like "10MB", got ${typeof value}` };
}

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
