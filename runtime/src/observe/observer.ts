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
import { HASH_MASK, hashKey, hashString } from '../key-hash.js';

/** Distinct argument hashes kept per function (8192 slots of 4 bytes: 32 KiB per function at most). */
export const MAX_HASHES = 4096;
const SLOTS = MAX_HASHES * 2;
/** After this many calls whose arguments cannot be keyed, and none that could, hashing stops for that function. */
const UNKEYABLE_GIVE_UP = 64;

/** One observed function's figures at one instant: the protocol's `ObservedStats`. */
export type ObservedSnapshot = ObservedStats;

/** Calls of each function timed always, before timing goes to 1 in `TIMED_ONE_IN` (a clock read costs 20 to 500 ns). */
const ALWAYS_TIMED = 100;
const TIMED_ONE_IN = 16;

class Observed {
  calls = 0;
  /** Time over the timed calls, and how many calls were timed (the mean time is their ratio). */
  totalMs = 0;
  timed = 0;
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
      repeats: this.level === 0 ? this.weightedRepeats : Math.round(keyed * share), unkeyable: this.unkeyable,
      totalMs: this.timed === 0 ? 0 : this.timed === this.calls ? this.totalMs : (this.totalMs * this.calls) / this.timed,
    };
  }
}

/** What instrumented code of one module calls: `e` on entry, `x` on exit, `a` for an async body's promise. */
export interface ModuleProbe {
  /** Counts a call of the module's function number `k`; returns the start time to pass to `x` (-1: this call is not timed). */
  e(k: number, args: ArrayLike<unknown>): number;
  /** `e` for a function of one parameter, given its value (no arguments object to make). */
  e1(k: number, arg: unknown): number;
  /** Adds the time since `start` to function number `k`. */
  x(k: number, start: number): void;
  /** Calls `x(k, start)` when `body` settles (when timed); returns `body` itself. */
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
    let random = 0x9e3779b9;
    /** The start time when this call is timed (every call at first, then 1 in 16 at random), else -1. */
    const start = (fn: Observed): number => {
      if (fn.calls > ALWAYS_TIMED) {
        random ^= random << 13;
        random ^= random >>> 17;
        random ^= random << 5;
        if ((random & (TIMED_ONE_IN - 1)) !== 0) return -1;
      }
      fn.timed++;
      return now();
    };
    const x = (k: number, started: number): void => {
      if (started >= 0) slots[k]!.totalMs += now() - started;
    };
    return {
      e: (k, args) => {
        const fn = slots[k]!;
        fn.calls++;
        count(fn, args);
        return start(fn);
      },
      e1: (k, arg) => {
        const fn = slots[k]!;
        fn.calls++;
        if (typeof arg === 'number') fn.seen(hashKey(arg));
        else count(fn, [arg]);
        return start(fn);
      },
      x,
      a: (k, started, body) => {
        if (started < 0) return body;
        const done = (): void => x(k, started);
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
  fn.keyable++;
  // One number or one string (the common case) is hashed as it is; the salt keeps 1 and "1" apart.
  if (args.length === 1) {
    const a = args[0];
    if (typeof a === 'number') return fn.seen(hashKey(a));
    if (typeof a === 'string') return fn.seen((hashString(a) ^ STRING_SALT) & HASH_MASK);
  }
  let text: string;
  try {
    text = args.length === 0 ? '' : canonicalArgs(fn.id, args);
  } catch {
    fn.keyable--;
    fn.unkeyable++;
    return;
  }
  fn.seen(hashString(text));
}

const STRING_SALT = 0x2545f491;
