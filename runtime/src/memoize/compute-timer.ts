/**
 * How a memoized function times its computations (`computeMs`, and through it `savedMs`).
 *
 * Each reading of the clock costs 25-70 ns (the upper end on virtual machines), and a timed
 * miss reads it twice: for a fast function that is more than the rest of the miss. So once 16
 * computations are timed, computations whose mean is under `FAST_MS` are timed one in 16 and the
 * others are counted at the mean of the timed ones: `computeMs` stays an unbiased estimate of
 * the total (the clock's own cost was a bias of the same order), `computed` stays exact. Slow
 * computations, where two readings are noise, are all timed; so is every computation of a
 * function with a `clock` option (tests make the figures exact with one).
 */
import type { Stats } from '../stats.js';

/** Computations timed before sampling may start. */
const WARMUP = 16;
/** Under this mean (ms) computations are sampled: two clock readings are then over ~0.5% of one. */
const FAST_MS = 0.02;
/** One in this many fast computations is timed (a power of two). */
const SAMPLE = 16;

export class ComputeTimer {
  readonly #stats: Stats;
  readonly #elapsed: () => number;
  readonly #exact: boolean;
  #timedMs = 0;
  #timed = 0;
  #untimed = 0;
  /** `#timedMs / #timed`: what an untimed computation counts as (kept, not divided per miss). */
  #mean = 0;
  /** Fast computations are sampled: not exact, `WARMUP` timed, and their mean under `FAST_MS`. */
  #sampling = false;

  constructor(stats: Stats, elapsed: () => number, exact: boolean) {
    this.#stats = stats;
    this.#elapsed = elapsed;
    this.#exact = exact;
  }

  /** The clock at the start of a computation, or undefined when this one is not timed. */
  start(): number | undefined {
    return !this.#sampling || (++this.#untimed & (SAMPLE - 1)) === 0 ? this.#elapsed() : undefined;
  }

  /** Records one completed computation (returned, threw, settled) that `start` answered `t0` for. */
  stop(t0: number | undefined): void {
    if (t0 === undefined) {
      this.#stats.recordCompute(this.#mean);
      return;
    }
    const ms = this.#elapsed() - t0;
    const timedMs = (this.#timedMs += ms);
    const timed = ++this.#timed;
    this.#mean = timedMs / timed;
    this.#sampling = !this.#exact && timed >= WARMUP && timedMs < FAST_MS * timed;
    this.#stats.recordCompute(ms);
  }
}
