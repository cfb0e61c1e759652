/**
 * The runtime's clock, in milliseconds since the epoch. TTLs are measured with it, so tests replace
 * it (`setClock`) or give one function its own (`memoize(fn, { clock })`) instead of sleeping.
 */

let current: () => number = Date.now;
const realNow = Date.now;
/** Captured at load, so fake timers installed later cannot stop the tick clock from advancing. */
const realSetTimeout = setTimeout;

/** Current time in ms from the process-wide clock. */
export function now(): number {
  return current();
}

let ticked = 0;
const untick = (): void => { ticked = 0; };

/**
 * The process-wide clock as TTL checks read it: the real clock is read at most once per
 * millisecond tick, and the reading is reused until an unref'd 1 ms timer clears it (a cached
 * value, as lru-cache's `ttlResolution` does; `Date.now` costs more than the rest of a cache hit).
 * So during one synchronous run of code the time does not advance: an entry that expires in the
 * middle of it is served until the run ends, which is also when the event loop, timers and I/O
 * get their turn. A clock replaced with `setClock` is read exactly, on every call.
 */
export function tickNow(): number {
  if (current !== realNow) return current();
  if (ticked !== 0) return ticked;
  ticked = realNow();
  const timer = realSetTimeout(untick, 1);
  if (typeof timer === 'object' && typeof timer.unref === 'function') timer.unref();
  return ticked;
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
