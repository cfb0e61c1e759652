/**
 * The accepted ranges of the numbers memoize's options and the config file give the engine (entry
 * counts, durations, byte sizes), checked once where they enter: every value accepted here works
 * on every backend, so no call fails later because of an option. Each check returns what is
 * wrong (for the caller's `OptionsError` / `ConfigError` / `BackendConfigError`), or undefined.
 */

/**
 * Most entries an in-memory cache (`max`, `l1.max`) or a trace (`trace.maxEntries`) may be bounded
 * to: 16,777,216 (2^24). The `memory` store's and its policies' per-slot arrays (a change of the
 * adaptive policy's leader and W-TinyLFU's sketch included) grow with the entries held, but above
 * ~12.6 M entries the adaptive policy's sampling is at its floor (1 key in 65,536), so its
 * simulations grow with `max` (256 entries at 2^24), and lru-cache (the `lru` backend) allocates
 * its arrays for `max` up front (about 28 bytes per entry: 470 MB at 2^24); larger bounds once ran
 * out of memory or threw `RangeError: Invalid typed array length`. For no bound, `Infinity` (the
 * `memory` backend).
 */
export const MAX_ENTRIES = 2 ** 24;

/** Longest duration (`ttl`, `staleWhileRevalidate`): 100 years, in ms. Longer: 0 or Infinity (never expires). */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

/** An entry count: an integer in [1, MAX_ENTRIES], or Infinity where `infinity` allows it. */
export function entriesProblem(value: unknown, infinity: boolean): string | undefined {
  if (typeof value === 'number' && ((Number.isInteger(value) && value >= 1 && value <= MAX_ENTRIES) || (infinity && value === Infinity))) return undefined;
  return `must be an integer from 1 to ${MAX_ENTRIES} (entries)${infinity ? ', or Infinity (unbounded)' : ''}, got ${show(value)}`;
}

/** Milliseconds of a parsed duration (undefined = no expiry): at most MAX_DURATION_MS. */
export function durationRangeProblem(ms: number | undefined, given: unknown): string | undefined {
  if (ms === undefined || ms <= MAX_DURATION_MS) return undefined;
  return `must be at most 100 years (${MAX_DURATION_MS / 1000} seconds, "36500d"); for no expiry use 0 or Infinity; got ${show(given)}`;
}

/** A parsed byte size (undefined = no bound): a whole number of bytes >= 1, or Infinity (no bound). */
export function bytesRangeProblem(bytes: number | undefined, given: unknown): string | undefined {
  if (bytes === undefined || bytes === Infinity || (Number.isInteger(bytes) && bytes >= 1)) return undefined;
  return `must be a whole number of bytes >= 1, a size string like "64MB", or Infinity (no bound); got ${show(given)}`;
}

/** A number of milliseconds for a timer (`l1.ttlMs`): > 0 and at most 2^31 - 1 (what a timer can wait). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export function timerProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && value >= 1 && value <= MAX_TIMER_MS) return undefined;
  return `must be a number of milliseconds from 1 to ${MAX_TIMER_MS} (24.8 days), got ${show(value)}`;
}

/** The value as the user wrote it, shortened: a huge string is not echoed whole. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : value === null ? 'null' : typeof value;
  return text.length > 80 ? `${text.slice(0, 60)}... (${text.length} characters)` : text;
}
