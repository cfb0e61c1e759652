/**
 * Invalidations (clears and deletes) that a remote server did not acknowledge, kept per function
 * and retried in the background until it does, so that a clear made while the server is hung or
 * down is not lost: without it the generation counter never moves and every process reads the old
 * entries again once the server is back.
 *
 * - While an invalidation is pending, what it covers (the whole function for a clear, one key
 *   for a delete) is neither read nor written on the server by this process (`blocks`): the
 *   store answers a miss, so this process never serves the old value meanwhile.
 * - Coalescing: any number of clears while one is pending is one retry; a clear subsumes the
 *   deletes requested before it. At most `maxKeys` keys are kept; one more turns the pending
 *   deletes into a pending clear (bounded memory, still correct: a clear drops more, never less).
 * - Retries back off from `minDelayMs` to `maxDelayMs`; `kick()` retries at once (the connection
 *   is back). Each attempt is bounded by `attemptTimeoutMs`. The timer is unref'd: a pending
 *   invalidation never keeps the process alive (one still pending at exit is lost with the process).
 */

/** The pending deletes kept before they are turned into a pending clear. */
export const PENDING_KEYS_MAX = 1024;

export interface PendingOptions {
  /** Longest wait between two attempts, in ms. Default: 1000. */
  maxDelayMs?: number;
  /** First wait after a failed attempt, in ms. Default: 50. */
  minDelayMs?: number;
  /** Bound on one attempt, in ms. Default: 2000. */
  attemptTimeoutMs?: number;
  /** Pending deletes kept before they become a pending clear. Default: `PENDING_KEYS_MAX`. */
  maxKeys?: number;
}

/**
 * Applies invalidations on the server: `all` = a clear (then `keys` is empty), else deletes of
 * `keys`. Resolves true only when the server acknowledged all of it. `retry` is false for the
 * first attempt made by the caller's own operation (which may report its failure), true for the
 * background retries (which report nothing: the first failure was reported).
 */
export type ApplyInvalidation = (all: boolean, keys: readonly string[], retry: boolean) => Promise<boolean>;

export class PendingInvalidations {
  readonly #apply: ApplyInvalidation;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #attemptTimeout: number;
  readonly #maxKeys: number;
  /** Sequence number of the last request: an attempt confirms only what was requested before it. */
  #seq = 0;
  /** Sequence number of the pending clear, 0 when none. */
  #all = 0;
  /** Pending deletes: key -> sequence number of its latest request. */
  readonly #keys = new Map<string, number>();
  #delay: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #closed = false;
  readonly #waiters: (() => void)[] = [];

  constructor(apply: ApplyInvalidation, options: PendingOptions = {}) {
    this.#apply = apply;
    this.#minDelay = options.minDelayMs ?? 50;
    this.#maxDelay = Math.max(this.#minDelay, options.maxDelayMs ?? 1000);
    this.#attemptTimeout = options.attemptTimeoutMs ?? 2000;
    this.#maxKeys = options.maxKeys ?? PENDING_KEYS_MAX;
    this.#delay = this.#minDelay;
  }

  /** True while some invalidation is not confirmed. */
  get pending(): boolean {
    return this.#all !== 0 || this.#keys.size !== 0;
  }

  /** True when `key` must not be read or written on the server (a clear or its delete is pending). */
  blocks(key: string): boolean {
    return this.#all !== 0 || (this.#keys.size !== 0 && this.#keys.has(key));
  }

  /** Records an unconfirmed clear (`key` undefined) or delete of `key`, and schedules a retry. */
  add(key?: string): void {
    if (this.#closed) return;
    this.#record(key);
    this.#schedule(this.#delay);
  }

  /**
   * Records a clear (`key` undefined) or a delete and tries it now, as the caller's own first
   * attempt. Resolves true when it was confirmed. While a retry is already running the request
   * joins it (coalesced) and resolves false at once: it is confirmed when that retry loop ends.
   */
  async attempt(key?: string): Promise<boolean> {
    if (this.#closed) return false;
    const seq = this.#record(key);
    if (this.#running) return false;
    this.#cancelTimer();
    await this.#run(false);
    return !this.#covers(key, seq);
  }

  /**
   * A delete of `key` by the caller's own first attempt `remove`, recorded for retry when the
   * server did not acknowledge it. While a clear is pending the server is not asked: the delete is
   * only recorded. Resolves with the number of entries removed now.
   */
  async delete(key: string, remove: () => Promise<{ removed: number; confirmed: boolean }>): Promise<number> {
    if (this.#all !== 0) {
      this.add(key);
      return 0;
    }
    const { removed, confirmed } = await remove();
    if (!confirmed) this.add(key);
    return removed;
  }

  /** The server is back (reconnected): retry now rather than at the next backoff step. */
  kick(): void {
    if (!this.pending || this.#closed || this.#running) return;
    this.#cancelTimer();
    this.#delay = this.#minDelay;
    void this.#run(true);
  }

  /** Resolves once nothing is pending (or the store is closed). */
  settled(): Promise<void> {
    if (!this.pending || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops retrying (the store is closed). */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Records a request; past `maxKeys` pending deletes, a clear replaces them. Returns its sequence number. */
  #record(key: string | undefined): number {
    const seq = ++this.#seq;
    if (key === undefined || (!this.#keys.has(key) && this.#keys.size >= this.#maxKeys)) {
      this.#all = seq;
      this.#keys.clear();
    } else {
      this.#keys.set(key, seq);
    }
    return seq;
  }

  /** True while the request of `key` (undefined: a clear) with sequence `seq` is still pending. */
  #covers(key: string | undefined, seq: number): boolean {
    if (this.#all !== 0) return true;
    if (key === undefined) return false;
    const at = this.#keys.get(key);
    return at !== undefined && at >= seq;
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delay: number): void {
    if (this.#closed || this.#running || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run(true);
    }, delay);
    this.#timer.unref?.();
  }

  /** Applies what is pending, one clear or one batch of deletes at a time, until it fails or nothing is left. */
  async #run(retry: boolean): Promise<void> {
    this.#running = true;
    let failed = false;
    try {
      while (this.pending && !this.#closed) {
        const upTo = this.#seq;
        const all = this.#all !== 0;
        const keys = all ? [] : [...this.#keys.keys()];
        const sent = new Set(keys);
        if (!(await this.#bounded(all, keys, retry))) {
          failed = true;
          break;
        }
        retry = true;
        this.#delay = this.#minDelay;
        // Only what was requested before this attempt is confirmed by it.
        if (all && this.#all <= upTo) this.#all = 0;
        for (const [key, seq] of this.#keys) if (seq <= upTo && (all || sent.has(key))) this.#keys.delete(key);
      }
    } finally {
      this.#running = false;
    }
    if (failed) {
      const delay = this.#delay;
      this.#delay = Math.min(this.#maxDelay, this.#delay * 2);
      this.#schedule(delay);
    } else {
      for (const w of this.#waiters.splice(0)) w();
    }
  }

  async #bounded(all: boolean, keys: readonly string[], retry: boolean): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#attemptTimeout);
      timer.unref?.();
    });
    try {
      return await Promise.race([this.#apply(all, keys, retry).catch(() => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
