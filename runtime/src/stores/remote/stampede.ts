/**
 * Cross-process stampede protection for memoize, on stores that offer `lock` (Redis, Memcached,
 * two-tier): on a miss, one caller across all processes computes; the others poll the store for
 * its value (backing off from `pollMs` to 8x) for up to `waitMs`, then compute anyway, so a lost
 * lock holder costs a delay, never a hang. Within one process, memoize's own single flight
 * already merges concurrent calls; this is the layer between processes.
 */
import { MISS, type AsyncStore } from '../types.js';

export interface StampedeOptions {
  /** How long the lock lives if its holder dies, in ms. Default: 10000. */
  lockTtlMs?: number;
  /** How long a caller that did not get the lock waits for the value, in ms. Default: the lock TTL. */
  waitMs?: number;
  /** First polling interval, in ms. Default: 10. */
  pollMs?: number;
}

/**
 * The protocol, with the computing step left to the caller: `produce` computes the value AND
 * stores it (memoize does that itself, to keep its statistics and envelopes). Resolves with
 * `{ stored }` when another process's value was read from the store, or `{ produced }`.
 */
export async function onceAcrossProcesses<V, P>(
  store: AsyncStore<V>,
  key: string,
  produce: () => Promise<P>,
  options: StampedeOptions = {},
): Promise<{ stored: V } | { produced: P }> {
  const lockTtl = options.lockTtlMs ?? 10_000;
  if (!store.lock) return { produced: await produce() };
  const lock = await store.lock(key, lockTtl);
  if (lock.acquired) {
    try {
      return { produced: await produce() };
    } finally {
      await lock.release();
    }
  }
  const deadline = Date.now() + (options.waitMs ?? lockTtl);
  let pause = options.pollMs ?? 10;
  const maxPause = pause * 8;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(1, deadline - Date.now()))));
    const value = await store.get(key);
    if (value !== MISS) return { stored: value };
    pause = Math.min(pause * 2, maxPause);
  }
  return { produced: await produce() };
}
