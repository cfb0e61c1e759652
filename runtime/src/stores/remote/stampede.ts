/**
 * Cross-process stampede protection for memoize, on stores that offer `lock` (Redis, Memcached,
 * two-tier): on a miss, one caller across all processes computes; the others poll the store for
 * its value (backing off from `pollMs` to 8x) for up to `waitMs`, taking the lock over as soon as it
 * is free without a value, and compute anyway at the end, so a lost lock holder costs a delay, never a hang. Within one process, memoize's own single flight
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
    // The holder may be gone without storing anything (it died, or its lock was taken while the
    // server was frozen by a caller that had given up on it): once the lock is free, take over.
    const retry = await store.lock(key, lockTtl);
    if (retry.acquired) {
      try {
        const stored = await store.get(key); // stored just before its holder released it?
        return stored !== MISS ? { stored } : { produced: await produce() };
      } finally {
        await retry.release();
      }
    }
    pause = Math.min(pause * 2, maxPause);
  }
  return { produced: await produce() };
}

/**
 * Retries `attempt` (resolving true once done) every `everyMs` on an unref'd timer, for at most
 * `forMs`. Stores use it to release a lock whose release failed: a lock command that timed out may
 * still be applied by the server (a frozen server runs its queued commands when it resumes), and a
 * lock nobody releases would hold every other caller of the key for the lock's whole TTL.
 */
export function retryInBackground(attempt: () => Promise<boolean>, forMs: number, everyMs = 250): void {
  const deadline = Date.now() + forMs;
  const schedule = (): void => {
    if (Date.now() + everyMs > deadline) return;
    setTimeout(() => {
      attempt().then((done) => { if (!done) schedule(); }, schedule);
    }, everyMs).unref();
  };
  schedule();
}

