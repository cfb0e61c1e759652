/**
 * Fail-open execution for remote stores: a circuit breaker shared by every store on one
 * connection, and a bound on how long one operation may take. A failed, timed-out or skipped
 * operation answers with the caller's fallback (a miss, a dropped write) and is reported through
 * `StoreEvents.backendError`; nothing is ever thrown into user code.
 *
 * Breaker: `failureThreshold` failures in a row open it; while open, operations are not sent;
 * after `openMs` one probe is let through (half-open); its success closes the breaker, its failure
 * opens it for another `openMs`. Time here is the real monotonic clock, not the store's injected
 * clock: it bounds real waiting on a real server.
 */
import { performance } from 'node:perf_hooks';
import type { BackendHealth, StoreEvents } from '../types.js';
import { timerProblem } from '../../limits.js';
import { BackendCircuitOpenError, BackendConfigError, BackendTimeoutError, BackendUnavailableError, CacheBackendError } from './errors.js';

/** Circuit-breaker options of a remote backend's config entry (`breaker: {...}`). */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default: 5. */
  failureThreshold?: number;
  /** How long the breaker stays open before one probe is let through, in ms. Default: 1000. */
  openMs?: number;
}

type BreakerState = 'closed' | 'open' | 'half-open';

/** One operation of the direct path under the guard's own bound (see `FailOpenGuard.track`). */
export interface GuardTicket {
  /** When its bound runs out (`performance.now()` milliseconds). */
  readonly at: number;
  /** Answered or expired. */
  done: boolean;
  readonly events: StoreEvents;
  readonly op: string;
  /** Called once when the bound runs out first (after the timeout is reported). */
  readonly expire: () => void;
}

export class FailOpenGuard {
  readonly #backend: string;
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #timeoutMs: number | undefined;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  /** Checks the server without a caller (see `watchRecovery`), and its pending timer. */
  #recoveryProbe: (() => Promise<unknown>) | undefined;
  #recoveryTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #clock: () => number;
  /**
   * Tickets of the direct path, oldest first (all share one bound, so the oldest runs out first);
   * one timer, set for the oldest unanswered, serves them all, and is cleared when none is left.
   */
  #tickets: GuardTicket[] = [];
  #ticketHead = 0;
  #inflight = 0;
  #ticketTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param backend label used in error messages (`"redis"`)
   * @param timeoutMs bound on one operation enforced here; `undefined` when the client enforces it itself
   * @param clock monotonic milliseconds (injectable for tests)
   */
  constructor(backend: string, breaker: BreakerOptions = {}, timeoutMs?: number, clock: () => number = () => performance.now()) {
    this.#clock = clock;
    const threshold = breaker.failureThreshold ?? 5;
    const openMs = breaker.openMs ?? 1000;
    if (!(Number.isInteger(threshold) && threshold >= 1)) throw new BackendConfigError(backend, 'breaker.failureThreshold', `must be a whole number >= 1, got ${String(threshold)}.`);
    // openMs is also a timer's delay: past 2^31 - 1 ms a timer fires at once.
    const openProblem = timerProblem(openMs);
    if (openProblem !== undefined) throw new BackendConfigError(backend, 'breaker.openMs', `${openProblem}.`);
    this.#backend = backend;
    this.#threshold = threshold;
    this.#openMs = openMs;
    this.#timeoutMs = timeoutMs;
  }

  /** `degraded` while the breaker is not closed. */
  get health(): BackendHealth {
    return this.#state === 'closed' ? 'ok' : 'degraded';
  }

  /** Counts a failure seen outside `run` (a connection dropped), so the breaker reflects it. */
  noteFailure(events: StoreEvents | undefined, error: Error): void {
    this.#failure(events, error);
  }

  /**
   * The connection to the server is (re)established: close the breaker, so that health says `ok`
   * without waiting for a call to probe (an idle app would otherwise show a live server as
   * degraded). One failure in a row is kept short of the threshold, so the first operation acts
   * as the probe would: if it fails, the breaker opens again at once.
   */
  noteRecovered(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#failures = this.#threshold - 1;
  }

  /**
   * For clients that announce no reconnection (memjs): while the breaker is open, `probe` runs
   * every `openMs` (an unref'd timer, bounded by the operation timeout) and its first success
   * calls `noteRecovered`, so an idle app's health returns to `ok` when the server does.
   */
  watchRecovery(probe: () => Promise<unknown>): void {
    this.#recoveryProbe = probe;
  }

  /** Stops the recovery probe (the connection is closed). */
  dispose(): void {
    this.#recoveryProbe = undefined;
    if (this.#recoveryTimer !== undefined) clearTimeout(this.#recoveryTimer);
    this.#recoveryTimer = undefined;
  }

  #scheduleRecovery(): void {
    if (this.#recoveryProbe === undefined || this.#recoveryTimer !== undefined) return;
    this.#recoveryTimer = setTimeout(() => {
      this.#recoveryTimer = undefined;
      const probe = this.#recoveryProbe;
      if (probe === undefined || this.#state === 'closed') return;
      const attempt = this.#timeoutMs === undefined ? probe() : this.#bounded('probe', probe(), this.#timeoutMs, true);
      attempt.then(() => this.noteRecovered(), () => undefined).finally(() => {
        if (this.#state !== 'closed') this.#scheduleRecovery();
      });
    }, this.#openMs);
    this.#recoveryTimer.unref?.();
  }

  /**
   * True when an operation would go straight to the server: the breaker is closed and the guard
   * keeps no timer of its own. A store's hot path may then send the operation itself and settle
   * it with `succeeded()` or `failed()`, which is exactly what `run` does in that state, without
   * `run`'s closure and promises (`RedisStore.get`).
   */
  get direct(): boolean {
    return this.#state === 'closed' && this.#timeoutMs === undefined;
  }

  /** True while the breaker is closed: a hot path may use `track` / `settle` (own bound) or send directly (`direct`). */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * The guard's own bound on one operation of a hot path that sends it itself while `closed`
   * (`MemcachedStore.get`): the same bound as `run`'s, without a timer and a promise per operation.
   * When the operation has not been `settle`d within the bound, its timeout is reported and
   * counted as `run` does, then `expire` is called.
   */
  track(events: StoreEvents, op: string, expire: () => void): GuardTicket {
    const ms = this.#timeoutMs ?? 0;
    const ticket: GuardTicket = { at: performance.now() + ms, done: false, events, op, expire };
    this.#tickets.push(ticket);
    if (this.#inflight++ === 0) this.#ticketTimer = setTimeout(this.#expireTickets, ms);
    return ticket;
  }

  /** The operation of `ticket` answered: false when its bound had already run out (drop the answer). */
  settle(ticket: GuardTicket): boolean {
    if (ticket.done) return false;
    ticket.done = true;
    if (--this.#inflight === 0) {
      // Nothing in flight: no timer holds the process, and the queue starts over.
      clearTimeout(this.#ticketTimer);
      this.#ticketTimer = undefined;
      this.#tickets = [];
      this.#ticketHead = 0;
    } else {
      // Answers come mostly in order (one connection, FIFO): drop the answered ones at the head, so
      // that under a load that never drains the queue holds what is in flight, not every ticket
      // (and the value its `expire` reaches) of the last `timeoutMs`.
      const tickets = this.#tickets;
      let head = this.#ticketHead;
      while (head < tickets.length && (tickets[head] as GuardTicket).done) head++;
      if (head > 1024 && head * 2 > tickets.length) {
        this.#tickets = tickets.slice(head);
        head = 0;
      }
      this.#ticketHead = head;
    }
    return true;
  }

  readonly #expireTickets = (): void => {
    this.#ticketTimer = undefined;
    const now = performance.now();
    const tickets = this.#tickets;
    let head = this.#ticketHead;
    const expired: GuardTicket[] = [];
    while (head < tickets.length) {
      const ticket = tickets[head] as GuardTicket;
      if (!ticket.done) {
        // setTimeout may fire up to a millisecond early by performance.now(): allow for it.
        if (ticket.at > now + 1) break;
        ticket.done = true;
        this.#inflight--;
        expired.push(ticket);
      }
      head++;
    }
    if (this.#inflight === 0) {
      this.#tickets = [];
      this.#ticketHead = 0;
    } else {
      if (head > 1024 && head * 2 > tickets.length) {
        this.#tickets = tickets.slice(head);
        head = 0;
      }
      this.#ticketHead = head;
      this.#ticketTimer = setTimeout(this.#expireTickets, Math.max(1, (this.#tickets[head] as GuardTicket).at - now));
    }
    // Last, with the queue consistent: these may call back into the store.
    for (const ticket of expired) {
      this.#failure(ticket.events, new BackendTimeoutError(this.#backend, ticket.op, this.#timeoutMs ?? 0));
      ticket.expire();
    }
  };

  /** An operation sent while `direct` answered: as `run` on success. */
  succeeded(): void {
    if (this.#failures !== 0) { this.#failures = 0; this.#state = 'closed'; }
  }

  /** An operation sent while `direct` failed: reported and counted as `run` does. */
  failed(events: StoreEvents, op: string, error: unknown): void {
    this.#failure(events, error instanceof CacheBackendError ? error : new BackendUnavailableError(this.#backend, op, error));
  }

  /**
   * Runs `operation` unless the breaker is open; answers `fallback` on any failure or timeout.
   * The fast path (breaker closed, no own timer) adds one `await` and no allocation beyond it.
   */
  async run<T>(events: StoreEvents, op: string, operation: () => Promise<T>, fallback: T): Promise<T> {
    let probe = false;
    if (this.#state !== 'closed') {
      if (this.#state === 'open' && this.#clock() - this.#openedAt >= this.#openMs && !this.#probing) {
        this.#state = 'half-open';
      }
      if (this.#state !== 'half-open' || this.#probing) return fallback;
      this.#probing = probe = true;
    }
    try {
      const result = this.#timeoutMs === undefined ? await operation() : await this.#bounded(op, operation(), this.#timeoutMs);
      if (this.#failures !== 0 || probe) { this.#failures = 0; this.#state = 'closed'; }
      return result;
    } catch (error) {
      const reported = error instanceof CacheBackendError ? error : new BackendUnavailableError(this.#backend, op, error);
      this.#failure(events, reported);
      return fallback;
    } finally {
      if (probe) this.#probing = false;
    }
  }

  #failure(events: StoreEvents | undefined, error: Error): void {
    events?.backendError?.(error);
    this.#failures++;
    if (this.#state === 'half-open' || (this.#state === 'closed' && this.#failures >= this.#threshold)) {
      if (this.#state === 'closed') events?.backendError?.(new BackendCircuitOpenError(this.#backend, this.#failures, this.#openMs));
      this.#state = 'open';
      this.#openedAt = this.#clock();
      this.#scheduleRecovery();
    }
  }

  /** `promise`, or a timeout error after `ms`; `background`: the timer never keeps the process alive. */
  #bounded<T>(op: string, promise: Promise<T>, ms: number, background = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BackendTimeoutError(this.#backend, op, ms)), ms);
      if (background) timer.unref();
      promise.then(
        (value) => { clearTimeout(timer); resolve(value); },
        (error: unknown) => { clearTimeout(timer); reject(error instanceof Error ? error : new Error(String(error))); },
      );
    });
  }
}
