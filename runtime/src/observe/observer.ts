/**
 * The observer: per-function counters for observe mode (`cachelens/observe`). Instrumented code
 * calls `enter` when a function starts and `exit` when it returns, throws or (async) settles; the
 * observer counts calls, the calls whose arguments were seen before, and the time spent. It stores
 * no argument and no result: only 30-bit hashes of the arguments' canonical text (the shared
 * stores' key rule, `canonicalArgs`), at most `MAX_HASHES` per function.
 *
 * Bounded memory: while a function has had at most `MAX_HASHES` distinct argument lists, every
 * repeat is counted exactly. Beyond that the observer keeps only the hashes whose low `level` bits
 * are zero (spatial sampling: 1 in 2^level argument lists, the same ones every time) and estimates
 * the repeat share from the sampled calls, each weighted by 2^level.
 */
import type { ObservedStats } from '../protocol.js';
import { canonicalArgs } from '../keys.js';
import { hashString } from '../policy/hash.js';

/** Distinct argument hashes kept per function (8192 slots of 4 bytes: 32 KiB per function at most). */
export const MAX_HASHES = 4096;
const SLOTS = MAX_HASHES * 2;
/** After this many calls whose arguments cannot be keyed, and none that could, hashing stops for that function. */
const UNKEYABLE_GIVE_UP = 64;

/** One observed function's figures at one instant: the protocol's `ObservedStats`. */
export type ObservedSnapshot = ObservedStats;

class Observed {
  calls = 0;
  totalMs = 0;
  unkeyable = 0;
  keyable = 0;
  /** Sampled calls and sampled repeats, each weighted by 2^level at the time of the call. */
  weightedCalls = 0;
  weightedRepeats = 0;
  level = 0;
  size = 0;
  hashes: Int32Array | undefined;

  constructor(readonly id: string, readonly file: string, readonly line: number) {}

  /** Counts one call with argument hash `h` (30 bits, so h + 1 is never the empty slot 0). */
  seen(h: number): void {
    const mask = (1 << this.level) - 1;
    if ((h & mask) !== 0) return;
    const weight = mask + 1;
    this.weightedCalls += weight;
    if (this.#insert(h + 1)) return;
    this.weightedRepeats += weight;
  }

  /** Adds `v`; false when it was there already. */
  #insert(v: number): boolean {
    const table = (this.hashes ??= new Int32Array(SLOTS));
    let i = v & (SLOTS - 1);
    for (;;) {
      const at = table[i]!;
      if (at === v) return false;
      if (at === 0) break;
      i = (i + 1) & (SLOTS - 1);
    }
    table[i] = v;
    if (++this.size > MAX_HASHES) this.#halve();
    return true;
  }

  /** Keeps only the hashes the next sampling level keeps (about half), in a fresh table. */
  #halve(): void {
    const old = this.hashes!;
    this.level++;
    const mask = (1 << this.level) - 1;
    this.hashes = new Int32Array(SLOTS);
    this.size = 0;
    for (let i = 0; i < old.length; i++) {
      const v = old[i]!;
      if (v !== 0 && ((v - 1) & mask) === 0) this.#insert(v);
    }
  }

  snapshot(): ObservedSnapshot {
    const share = this.weightedCalls > 0 ? this.weightedRepeats / this.weightedCalls : 0;
    const keyed = this.calls - this.unkeyable;
    return {
      id: this.id, file: this.file, line: this.line, calls: this.calls,
      repeats: this.level === 0 ? this.weightedRepeats : Math.round(keyed * share), unkeyable: this.unkeyable, totalMs: this.totalMs,
    };
  }
}

/** What instrumented code of one module calls: `e` on entry, `x` on exit, `a` for an async body's promise. */
export interface ModuleProbe {
  /** Counts a call of the module's function number `k`; returns the start time to pass to `x`. */
  e(k: number, args: ArrayLike<unknown>): number;
  /** Adds the time since `start` to function number `k`. */
  x(k: number, start: number): void;
  /** Calls `x(k, start)` when `body` settles; returns `body` itself. */
  a<T>(k: number, start: number, body: Promise<T>): Promise<T>;
}

export class Observer {
  readonly #functions: Observed[] = [];
  readonly #byId = new Map<string, Observed>();
  readonly #now: () => number;
  #onFirstModule: (() => void) | undefined;

  /** `onFirstModule`: called once, when the first instrumented module registers (observe mode starts reporting then). */
  constructor(now: () => number = () => performance.now(), onFirstModule?: () => void) {
    this.#now = now;
    this.#onFirstModule = onFirstModule;
  }

  /**
   * Registers the functions of one instrumented module (`names[k]` is `[name, line]`) and returns
   * the probe its code calls. A module loaded twice (two copies, a cache cleared) shares figures.
   */
  module(file: string, names: ReadonlyArray<readonly [string, number]>): ModuleProbe {
    const first = this.#onFirstModule;
    this.#onFirstModule = undefined;
    first?.();
    const slots = names.map(([name, line]) => {
      const id = `${file}#${name}`;
      let fn = this.#byId.get(id);
      if (!fn) {
        fn = new Observed(id, file, line);
        this.#byId.set(id, fn);
        this.#functions.push(fn);
      }
      return fn;
    });
    const now = this.#now;
    const x = (k: number, start: number): void => {
      slots[k]!.totalMs += now() - start;
    };
    return {
      e: (k, args) => {
        const fn = slots[k]!;
        fn.calls++;
        count(fn, args);
        return now();
      },
      x,
      a: (k, start, body) => {
        const done = (): void => x(k, start);
        body.then(done, done);
        return body;
      },
    };
  }

  /** Every observed function that was called at least once. */
  snapshot(): ObservedSnapshot[] {
    const out: ObservedSnapshot[] = [];
    for (const fn of this.#functions) if (fn.calls > 0) out.push(fn.snapshot());
    return out;
  }

  /** How many functions are instrumented (called or not). */
  get size(): number {
    return this.#functions.length;
  }
}

function count(fn: Observed, args: ArrayLike<unknown>): void {
  if (fn.keyable === 0 && fn.unkeyable >= UNKEYABLE_GIVE_UP) {
    fn.unkeyable++;
    return;
  }
  let text: string;
  if (args.length === 0) text = '';
  else if (args.length === 1 && typeof args[0] === 'string') text = `s${args[0]}`;
  else {
    try {
      text = canonicalArgs(fn.id, args);
    } catch {
      fn.unkeyable++;
      return;
    }
  }
  fn.keyable++;
  fn.seen(hashString(text));
}
