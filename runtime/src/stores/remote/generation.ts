/**
 * A function's generation as one process knows it: fetched once, then served from memory and
 * re-read in the background at most every `refreshMs` (Redis also pushes new generations over
 * pub/sub). Concurrent first reads share one fetch. `undefined` = the server could not be asked.
 */
import { performance } from 'node:perf_hooks';

export class GenerationCache {
  value: string | undefined;
  #at = -Infinity;
  #pending: Promise<string | undefined> | undefined;
  /** Counts `update` calls: a read that started before one must not overwrite what it learnt. */
  #updates = 0;

  constructor(readonly refreshMs: number, readonly fetch: () => Promise<string | undefined>) {}

  /**
   * The generation now (sync when known), fetching it when unknown and refreshing it in the
   * background when old. With `refreshMs` 0 every call waits for a fresh read (strict mode).
   */
  current(): string | undefined | Promise<string | undefined> {
    if (this.refreshMs === 0) return this.#pending ?? this.#fetch();
    if (this.value !== undefined) {
      if (performance.now() - this.#at > this.refreshMs && !this.#pending) void this.#fetch();
      return this.value;
    }
    return this.#pending ?? this.#fetch();
  }

  /** Records a generation learnt otherwise (our own clear, a pub/sub message). */
  update(value: string): void {
    this.value = value;
    this.#at = performance.now();
    this.#updates++;
  }

  /** When the value was last read from the server or learnt (`performance.now()`); -Infinity after `stale()`. */
  get at(): number {
    return this.#at;
  }

  /** Forces a re-read on next use (messages may have been missed). */
  stale(): void {
    this.#at = -Infinity;
  }

  #fetch(): Promise<string | undefined> {
    const updates = this.#updates;
    const pending = this.fetch().then((value) => {
      // A clear (ours, or another process's message) landed while this read was in flight: its
      // generation is newer than the one read, which must not bring the cleared entries back.
      if (value !== undefined && this.#updates === updates) this.update(value);
      return this.value;
    }).finally(() => { this.#pending = undefined; });
    this.#pending = pending;
    return pending;
  }
}
