/**
 * `memoize(fn, options)`, `@memoize(options)` and `cacheOf(memoized)`: the public entry of the
 * memoizer. The parts live beside this file, one idea each:
 * - `memo.ts`: `Memo`, what the cells of one memoized function share (options, backend, stats);
 * - `cell.ts`: what a cell is, and what both kinds share;
 * - `sync-cell.ts` / `async-cell.ts`: the cache over an in-process store / a store of promises;
 * - `memory-key.ts`: the in-memory key of an argument list;
 * - `envelopes.ts`: how stored values carry errors and stale times;
 * - `methods.ts`: methods and decorators; `owners.ts`: what `cacheOf` finds; `warnings.ts`.
 *
 * One `Memo` per memoized function or decorated method. Values live in cells (a store plus
 * in-flight bookkeeping): one per function, one per instance for decorated methods on in-memory
 * backends (so an instance's entries go away with the instance).
 */
import { callerLocation } from '../location.js';
import { NotMemoizedError, OptionsError } from '../errors.js';
import { DEFAULT_MAX, validateOptions, type AnyFunction, type MemoizableFunction, type MemoizeOptions } from '../options.js';
import type { StatsSnapshot } from '../stats.js';
import { UNCONFIRMED, type Cell, type DeleteResult, type Fn, type InvalidationResult } from './cell.js';
import { Memo } from './memo.js';
import { decorator, isStandardContext, type MemoizeDecorator } from './methods.js';
import { copyShape, owners, type Owner } from './owners.js';

export { memoryKey } from './memory-key.js';
export type { MemoizeDecorator } from './methods.js';
export type { DeleteResult, InvalidationResult } from './cell.js';

/** The options of a function memoized without any (one object for all, never written). */
const NO_OPTIONS: MemoizeOptions = Object.freeze({});

function memoizeFunction<F extends AnyFunction>(fn: F, options: MemoizeOptions<F>, location: { file: string; line: number } | undefined): F {
  if (typeof fn !== 'function') throw new OptionsError('fn', `must be a function, got ${typeof fn}`);
  validateOptions(options);
  // Anonymous functions are told apart by their line (still stable while the code above them is).
  const name = fn.name || (location !== undefined ? `anonymous@${location.line}` : 'anonymous');
  const baseId = options.id ?? (location !== undefined ? `${location.file}#${name}` : name);
  const memo = new Memo(fn as unknown as Fn, options as MemoizeOptions, baseId, location);
  const cell = memo.newCell();
  memo.only = cell;
  const call = cell.call;
  copyShape(call, fn as unknown as Fn);
  // The owner entry also keeps the registry entry (`memo.info`) alive exactly as long as the
  // memoized function (an `infoKeepAlive` entry would hold it a second time).
  owners.set(call, new FunctionOwner(memo, cell));
  return call as unknown as F;
}

/** The owner entry of a memoized function (not a method): one cell, no `this` of its own. */
class FunctionOwner implements Owner {
  readonly memo: Memo;
  readonly isMethod = false;
  readonly #cell: Cell;

  constructor(memo: Memo, cell: Cell) {
    this.memo = memo;
    this.#cell = cell;
  }

  cellFor(): Cell {
    return this.#cell;
  }

  defaultThis(): undefined {
    return undefined;
  }
}

/**
 * Caches the results of a function, or (called with options only) returns a method decorator.
 *
 * - `memoize(fn, options?)` returns a function of exactly `fn`'s type. Sync functions stay sync
 *   on in-memory backends; promises are cached as promises, and concurrent calls with one key
 *   share one execution.
 * - `@memoize(options?)` on a method caches per instance (by identity, without keeping the
 *   instance alive) on in-memory backends; static methods work too.
 *
 * Errors: `OptionsError` (bad options) when `memoize` is called; `ConfigError` / `BackendError`
 * (config file, backend) on every call until fixed; `CacheKeyError` (unkeyable arguments) at
 * call time, before `fn` runs. Store failures never reach the caller: the call computes instead.
 * @example
 * const getPrices = memoize(fetchPrices, { ttl: '5m' });
 * class Repo { @memoize({ max: 500 }) find(id: string) { ... } }
 */
export function memoize<F extends MemoizableFunction>(fn: F, options?: MemoizeOptions<F>): F;
export function memoize(options?: MemoizeOptions): MemoizeDecorator;
export function memoize(fnOrOptions?: unknown, options?: unknown): unknown {
  const location = callerLocation();
  if (typeof fnOrOptions === 'function') {
    if (isStandardContext(options)) {
      throw new OptionsError('@memoize', 'must be called: write @memoize() (or @memoize({ ttl: "5m" })), not @memoize.');
    }
    return memoizeFunction(fnOrOptions as AnyFunction, (options ?? NO_OPTIONS) as MemoizeOptions, location);
  }
  if (fnOrOptions !== undefined && (typeof fnOrOptions !== 'object' || fnOrOptions === null)) {
    throw new OptionsError('fn', `must be a function (memoize(fn, options)) or an options object (@memoize(options)), got ${fnOrOptions === null ? 'null' : typeof fnOrOptions}`);
  }
  if (options !== undefined) {
    // Legacy `@memoize` without parentheses calls memoize(prototype, key, descriptor).
    throw new OptionsError('@memoize', 'must be called: write @memoize() (or @memoize({ ttl: "5m" })), not @memoize.');
  }
  return decorator((fnOrOptions ?? NO_OPTIONS) as MemoizeOptions, location);
}

/** The control surface of one memoized function. Operations never throw because of the store. */
export interface CacheControl<F extends AnyFunction = AnyFunction> {
  /** The function's id in the registry. */
  readonly id: string;
  /**
   * Empties the cache (for a method without an instance: every instance's cache). Never rejects.
   * `confirmed: false` when a shared backend (Redis, Memcached, two-tier) did not acknowledge:
   * this process already serves no old value, and the store retries until the server answers.
   */
  clear(): Promise<InvalidationResult>;
  /**
   * Removes the entry for these arguments. Never rejects because of the store. `removed`: an
   * entry was there; `confirmed` as for `clear`.
   */
  delete(...args: Parameters<F>): Promise<DeleteResult>;
  /** True when a live (unexpired) entry exists for these arguments. */
  has(...args: Parameters<F>): Promise<boolean>;
  /** Calls the function, stores the result (replacing any entry) and returns it. */
  refresh(...args: Parameters<F>): ReturnType<F>;
  /** Bypass: calls the function without reading or writing the cache ("give me a fresh value"). */
  fresh(...args: Parameters<F>): ReturnType<F>;
  /** A snapshot of the function's counters. */
  stats(): StatsSnapshot;
}

/**
 * The control surface of a memoized function (a registry lookup, no property on the function).
 * For a decorated method, pass the method (`obj.find` or `Repo.prototype.find`) and the
 * instance whose cache to act on; without an instance, `clear` and `stats` cover every instance,
 * and static methods use their class.
 * @throws NotMemoizedError when `memoized` did not come from `memoize`.
 * @example await cacheOf(getPrices).delete('EUR'); cacheOf(repo.find, repo).fresh('42');
 */
export function cacheOf<F extends AnyFunction>(memoized: F, instance?: object): CacheControl<F> {
  const owner = typeof memoized === 'function' ? owners.get(memoized) : undefined;
  if (owner === undefined) throw new NotMemoizedError(typeof memoized === 'function' ? `function ${memoized.name || '(anonymous)'}` : typeof memoized);
  const { memo } = owner;
  const self = (): unknown => {
    const s = instance ?? owner.defaultThis();
    if (owner.isMethod && s === undefined) {
      throw new OptionsError('instance', `is needed for the method "${memo.id}": cacheOf(obj.${memo.fn.name}, obj).`);
    }
    return s;
  };
  const cell = (): Cell => owner.cellFor(self());
  return {
    id: memo.id,
    clear: () => (owner.isMethod && instance === undefined && owner.defaultThis() === undefined ? memo.clear() : cell().clear().catch(() => UNCONFIRMED)),
    delete: (...args) => { const c = cell(); return c.delete(c.keyOf(self(), args)); },
    has: (...args) => { const c = cell(); return c.has(c.keyOf(self(), args)); },
    refresh: (...args) => { const c = cell(); const s = self(); return c.refresh(s, c.keyOf(s, args), args) as ReturnType<F>; },
    fresh: (...args) => memo.fn.apply(self(), args) as ReturnType<F>,
    stats: () => memo.snapshot(),
  };
}

export { DEFAULT_MAX };
