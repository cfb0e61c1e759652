/** Timers the reporter uses, injectable so backoff and batching are tested with a fake clock. */
export interface ReporterClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Schedules `fn` once after `ms` milliseconds. The real clock's timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and unref'd timers (a pending report never delays the process's exit). */
export const systemClock: ReporterClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms) as unknown as { unref?: () => void };
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
