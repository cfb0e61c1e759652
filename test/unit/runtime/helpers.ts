// Shared by the runtime unit tests: a fake clock and a way to wait for promise callbacks.
import { setClock } from '../../../runtime/src/index.js';

/** A clock the test moves by hand; installed process-wide until `restore()`. */
export function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void; restore(): void } {
  let t = start;
  const now = (): number => t;
  const restore = setClock(now);
  return { now, advance: (ms) => { t += ms; }, restore };
}

/** Lets pending promise callbacks and immediates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve/reject exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

export { configFiles } from '../../harness/config-files.js';
