/**
 * The runtime's clock, in milliseconds since the epoch. TTLs are measured with it, so tests replace
 * it (`setClock`) or give one function its own (`memoize(fn, { clock })`) instead of sleeping.
 */

let current: () => number = Date.now;

/** Current time in ms from the process-wide clock. */
export function now(): number {
  return current();
}

/**
 * Replaces the process-wide clock (default `Date.now`) used by every memoized function that has
 * no `clock` option, including ones created before the call. Returns a function that restores
 * the previous clock.
 * @example
 * let t = 0; const restore = setClock(() => t); t += 60_000; restore();
 */
export function setClock(clock: () => number): () => void {
  const previous = current;
  current = clock;
  return () => { current = previous; };
}
