/**
 * `memoize(fn, options)`, `@memoize(options)` and `cacheOf(memoized)`.
 *
 * One `Memo` per memoized function or decorated method: its options, resolved backend,
 * statistics and registry entry. Values live in `Cell`s (a store plus in-flight bookkeeping):
 * one per function, one per instance for decorated methods on in-memory backends (so an
 * instance's entries go away with the instance).
 *
 * The call path of a cell is a closure built once, for one kind of store, with every option
 * already decided: no option lookups, no arguments array for one or two arguments, counters in
 * plain number fields.
 */
import { performance } from 'node:perf_hooks';
import { backendFactory, BUILTIN_TYPES } from './backends.js';
import { tickNow } from './clock.js';
import { CacheLensError, NotMemoizedError, OptionsError } from './errors.js';
import { canonicalArgs, canonicalValue, plainAsJson } from './keys.js';
import { buildCallPath, internalized } from './call-path.js';
import { callerLocation } from './location.js';
import { DEFAULT_MAX, resolveOptions, validateOptions, type AnyFunction, type MemoizableFunction, type MemoizeOptions, type ResolvedOptions } from './options.js';
import { register, uniqueId, type MemoizedInfo } from './registry.js';
import { Stats, type StatsSnapshot } from './stats.js';
import { onceAcrossProcesses } from './stores/remote/stampede.js';
import { recordingStore, TraceRecorder } from './simulate/recorder.js';
import { MISS, type AsyncStore, type SettledTier, type Store, type SyncStore } from './stores/types.js';
import { approxBytes } from './units.js';

type Key = string | number;
type Fn = (this: unknown, ...args: unknown[]) => unknown;

/** A thrown error kept by `cacheErrors` (in-process stores). */
class Thrown {
  constructor(readonly error: unknown) {}
}

/** A value with the time it turns stale (`staleWhileRevalidate`, in-process stores). */
class Timed {
  constructor(readonly value: unknown, readonly staleAt: number) {}
}

/** Envelopes for remote stores (plain data, so any serializer can carry them). */
const VALUE_FIELD = 'cachelens:value';
const ERROR_FIELD = 'cachelens:error';
interface ValueEnvelope { 'cachelens:value': unknown; staleAt?: number }
interface ErrorEnvelope { 'cachelens:error': { name: string; message: string; code?: unknown } }

/** The stored form of a thrown error (`cacheErrors` on remote stores); undefined when reading it throws. */
function errorEnvelope(error: unknown): ErrorEnvelope | undefined {
  try {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    return { [ERROR_FIELD]: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? error), ...(e?.code !== undefined ? { code: e.code } : {}) } };
  } catch {
    return undefined;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
  try {
    return typeof (v as { then?: unknown }).then === 'function';
  } catch {
    return false; // a revoked Proxy, a throwing `then` getter: a value, not a promise (and not measurable)
  }
}

let warnedUnbounded = false;
function warnOnce(code: string, message: string): void {
  process.emitWarning(message, { type: 'CacheLensWarning', code });
}

/**
 * The in-memory key of `args[0..n)`, in disjoint spaces so no two argument lists share a key:
 * - one number: itself (a number key never equals a string key);
 * - one string: itself, unless its first char is below `\u0003`, `{`, or in `\u0080`-`\u00ff`;
 * - one plain object: its canonical text, which starts with `{`;
 * - two strings: the char `\u0080` + a.length, then a, then b, when a is shorter than 128
 *   (the length char is a cached one-byte string, so this costs what `a + sep + b` costs);
 * - two numbers: `\u0002` + a + `,` + b;
 * - anything else: `\u0000` + the canonical text.
 * `call-path.ts` computes the first, second and fourth inline and must stay equivalent.
 */
export function memoryKey(id: string, args: ArrayLike<unknown>, length: number): Key {
  let n = length;
  while (n > 0 && args[n - 1] === undefined) n--;
  if (n === 1) {
    const a = args[0];
    if (typeof a === 'number') return a;
    if (typeof a === 'string') {
      const c = a.charCodeAt(0);
      if ((c > 2 && c < 128 && c !== 123) || c > 255) return a;
    } else if (a !== null && typeof a === 'object') {
      return objectKey(id, a);
    }
  } else if (n === 2) {
    const a = args[0];
    const b = args[1];
    if (typeof a === 'string' && typeof b === 'string' && a.length < 128) return String.fromCharCode(128 + a.length) + a + b;
    if (typeof a === 'number' && typeof b === 'number') return '\u0002' + a + ',' + b;
  }
  return '\u0000' + canonicalArgs(id, args, n);
}

/** How many (string, string) argument pairs a function remembers the joined key of. */
const PAIR_KEYS_MAX = 4096;

/**
 * `join` for (string, string) argument pairs, remembered per (a, b): a repeated pair costs two
 * lookups of strings whose hashes V8 has already cached, instead of hashing a new concatenation
 * on every call. Bounded: the memory is dropped and rebuilt past PAIR_KEYS_MAX pairs.
 */
function rememberPairs<K>(join: (a: string, b: string) => K): (a: string, b: string) => K {
  let pairs = new Map<string, Map<string, K>>();
  let pairCount = 0;
  return (a, b) => {
    let inner = pairs.get(a);
    if (inner !== undefined) {
      const known = inner.get(b);
      if (known !== undefined) return known;
    }
    const key = join(a, b);
    if (pairCount >= PAIR_KEYS_MAX) {
      pairs = new Map();
      pairCount = 0;
      inner = undefined;
    }
    if (inner === undefined) pairs.set(a, (inner = new Map()));
    inner.set(b, key);
    pairCount++;
    return key;
  };
}

/** The in-memory key of one object argument (see `memoryKey`). */
function objectKey(id: string, a: object): Key {
  const proto = prototypeOf(a);
  if (proto === Object.prototype || proto === null) return plainAsJson(a as Record<string, unknown>) ?? canonicalArgs(id, [a], 1);
  // (A Proxy whose getPrototypeOf trap throws gets here too: canonicalArgs names it in a CacheKeyError.)
  return '\u0000' + canonicalArgs(id, [a], 1);
}

/** `Object.getPrototypeOf`, or a marker (no prototype ever equals it) when a Proxy trap throws. */
function prototypeOf(a: object): unknown {
  try {
    return Object.getPrototypeOf(a);
  } catch {
    return objectKey;
  }
}

/** One cache: a store and the call path over it. */
interface Cell {
  readonly call: Fn;
  readonly store: Store;
  keyOf(self: unknown, args: ArrayLike<unknown>): Key;
  has(key: Key): Promise<boolean>;
  delete(key: Key): Promise<DeleteResult>;
  /** Computes and stores, ignoring what is cached. */
  refresh(self: unknown, key: Key, args: ArrayLike<unknown>): unknown;
  clear(): Promise<InvalidationResult>;
}

const CONFIRMED: InvalidationResult = Object.freeze({ confirmed: true });
const UNCONFIRMED: InvalidationResult = Object.freeze({ confirmed: false });

/** What a store says after a clear: confirmed unless it is still retrying an invalidation. */
function invalidationOf(store: Store): InvalidationResult {
  return !store.sync && store.invalidationPending === true ? UNCONFIRMED : CONFIRMED;
}

/** Everything shared by the cells of one memoized function or method. */
class Memo {
  readonly stats = new Stats();
  readonly fn: Fn;
  readonly options: MemoizeOptions;
  readonly id: string;
  /** The id as given or derived, before any `#n` suffix: the namespace in remote stores. */
  readonly baseId: string;
  readonly now: () => number;
  readonly resolved: ResolvedOptions | undefined;
  /** A ConfigError/BackendError met while resolving; every call rethrows it. */
  readonly failure: unknown;
  readonly info: MemoizedInfo;
  /** The recording of this function's lookups (`trace` option or `CACHELENS_TRACE`); undefined when off. */
  readonly trace: TraceRecorder | undefined;
  /** Set once the function or method knows how to list its cells. */
  cells: () => Iterable<Cell> = () => [];
  #warnedUncacheable = false;

  constructor(fn: Fn, options: MemoizeOptions, baseId: string, location: { file: string; line: number } | undefined) {
    this.fn = fn;
    this.options = options;
    this.baseId = baseId;
    this.id = uniqueId(baseId);
    this.now = options.clock ?? tickNow;
    let resolved: ResolvedOptions | undefined;
    let failure: unknown;
    try {
      resolved = resolveOptions(options);
      // Build one store now, so that a missing module or npm package is reported on the first call.
      backendFactory(resolved.backendType, resolved.backendName);
      if (resolved.max === Infinity && !warnedUnbounded) {
        warnedUnbounded = true;
        warnOnce('CACHELENS_UNBOUNDED', `cachelens: "${this.id}" has an unbounded in-memory cache (max: Infinity); ` +
          'it grows with every distinct argument. Set `max` to bound it.');
      }
    } catch (error) {
      if (!(error instanceof CacheLensError)) throw error;
      failure = error;
    }
    this.resolved = resolved;
    this.failure = failure;
    this.trace = resolved?.trace !== undefined ? new TraceRecorder(resolved.trace) : undefined;
    this.info = this.#makeInfo(location);
    register(this.info);
    if (resolved !== undefined && !BUILTIN_TYPES.includes(resolved.backendType)) warnIfNamespaceShared(this, resolved.backendName);
  }

  #makeInfo(location: { file: string; line: number } | undefined): MemoizedInfo {
    const r = this.resolved;
    const o = this.options;
    const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : ms / 1000);
    const summary: Record<string, string | number | boolean | null> = {
      ttl: seconds(r?.ttlMs),
      max: r === undefined || r.max === Infinity ? null : r.max,
      maxBytes: r?.maxBytes ?? null,
      cacheErrors: r?.cacheErrors ?? false,
      staleWhileRevalidate: seconds(r?.staleMs),
      key: o.key !== undefined ? 'custom' : 'arguments',
      cacheIf: o.cacheIf !== undefined,
    };
    return {
      id: this.id,
      backend: r?.backendName ?? o.backend ?? 'memory',
      backendType: r?.backendType ?? 'unknown',
      options: Object.freeze(summary),
      ...(location !== undefined ? { location } : {}),
      stats: () => this.snapshot(),
      health: () => {
        if (this.failure !== undefined) return 'degraded';
        for (const cell of this.cells()) if (!cell.store.sync && cell.store.health === 'degraded') return 'degraded';
        return 'ok';
      },
      clear: async () => { await this.clear(); },
      ...(this.trace !== undefined ? { trace: this.trace } : {}),
    };
  }

  /**
   * A result that cannot be measured (reading it threw: a getter, a Proxy) was returned to the
   * caller uncached: counted with the dropped store writes (`backendErrors`), and said once.
   */
  uncacheable(): void {
    this.stats.backendErrors++;
    if (this.#warnedUncacheable) return;
    this.#warnedUncacheable = true;
    warnOnce('CACHELENS_VALUE_NOT_CACHEABLE', `cachelens: a result of "${this.id}" could not be read to be cached ` +
      '(a getter or a Proxy trap threw); it was returned uncached, and such results are counted in backendErrors. ' +
      'Return plain data, or skip such results with `cacheIf`.');
  }

  snapshot(): StatsSnapshot {
    let entries = 0;
    let bytes = 0;
    for (const cell of this.cells()) {
      entries += cell.store.size ?? 0;
      bytes += cell.store.bytes ?? 0;
    }
    return this.stats.snapshot(entries, bytes);
  }

  async clear(): Promise<InvalidationResult> {
    let confirmed = true;
    for (const cell of this.cells()) {
      try {
        if (!(await cell.clear()).confirmed) confirmed = false;
      } catch {
        // clear() never rejects: a remote store that cannot clear fails open like every other operation.
        this.stats.backendErrors++;
        confirmed = false;
      }
    }
    return confirmed ? CONFIRMED : UNCONFIRMED;
  }

  /** A new cell over a new store, or a cell that rethrows the resolution failure. */
  newCell(): Cell {
    const r = this.resolved;
    if (r === undefined) return failingCell(this);
    let store: Store;
    try {
      store = backendFactory(r.backendType, r.backendName)(r.backendConfig, {
        namespace: this.baseId,
        events: this.stats,
        now: this.now,
        backendName: r.backendName,
      });
    } catch (error) {
      return failingCell(this, error);
    }
    // Tracing wraps the store in a recorder of lookups; without it the store is used as is (no cost).
    const traced = this.trace !== undefined ? recordingStore(store, this.trace) : store;
    return traced.sync ? syncCell(this, r, traced, store as SyncStore) : asyncCell(this, r, traced);
  }
}

/** The live memo holding each namespace of each shared backend (`backend \0 namespace`), weakly. */
const namespaceHolders = new Map<string, WeakRef<Memo>>();
const namespaceCleanup = new FinalizationRegistry<string>((slot) => {
  if (namespaceHolders.get(slot)?.deref() === undefined) namespaceHolders.delete(slot);
});

/**
 * Shared stores (Redis, Memcached, disk) key entries by namespace, the function's base id: two
 * different functions with one id there would serve each other's results. Say so when the second
 * is made (the same code memoized twice, a module loaded again, may share: its results agree).
 */
function warnIfNamespaceShared(memo: Memo, backendName: string): void {
  const slot = `${backendName}\u0000${memo.baseId}`;
  const other = namespaceHolders.get(slot)?.deref();
  namespaceHolders.set(slot, new WeakRef(memo));
  namespaceCleanup.register(memo, slot);
  if (other === undefined || other.fn === memo.fn || String(other.fn) === String(memo.fn)) return;
  const where = (m: Memo) => (m.info.location ? `${m.info.location.file}:${m.info.location.line}` : 'unknown place');
  warnOnce('CACHELENS_SHARED_ID', `cachelens: two different functions have the id "${memo.baseId}" on the shared backend ` +
    `"${backendName}" (${where(other)} and ${where(memo)}), so they would serve each other's cached results. ` +
    'Give each its own `id` option.');
}

function failingCell(memo: Memo, error: unknown = memo.failure): Cell {
  const fail = (): never => { throw error; };
  const store: SyncStore = {
    sync: true, kind: 'unavailable', size: 0, bytes: 0,
    get: () => MISS, set: () => undefined, has: () => false, delete: () => false, clear: () => undefined,
  };
  return { call: fail, store, keyOf: fail, has: fail, delete: fail, refresh: fail, clear: async () => CONFIRMED };
}

/** Calls the user's `cacheIf`; a predicate that throws means "do not cache" (and is reported once). */
function accepts(memo: Memo, predicate: (result: never) => boolean, value: unknown): boolean {
  try {
    return predicate(value as never) === true;
  } catch (error) {
    warnOnce('CACHELENS_CACHEIF', `cachelens: cacheIf of "${memo.id}" threw (${String(error)}); the result was not cached.`);
    return false;
  }
}

function userKeyToKey(id: string, value: unknown, inMemory: boolean): Key {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return inMemory ? value : String(value);
  return canonicalValue(id, value);
}

/** What both kinds of cell read from their memo, as locals (the call paths close over them). */
function cellSettings(memo: Memo, r: ResolvedOptions) {
  const { ttlMs, staleMs } = r;
  return {
    stats: memo.stats,
    fn: memo.fn,
    id: memo.id,
    now: memo.now,
    ttlMs,
    staleMs,
    /** How long the store keeps an entry: the ttl, plus the stale window. */
    storeTtl: staleMs !== undefined && ttlMs !== undefined ? ttlMs + staleMs : ttlMs,
    cacheErrors: r.cacheErrors,
    cacheIf: memo.options.cacheIf as ((result: never) => boolean) | undefined,
    userKey: memo.options.key as ((this: unknown, ...args: unknown[]) => unknown) | undefined,
  };
}

/** `raw`: the store without the tracing wrapper, for the cell's own checks (not lookups, not recorded). */
function syncCell(memo: Memo, r: ResolvedOptions, store: SyncStore, raw: SyncStore = store): Cell {
  const { stats, fn, id, now, ttlMs, staleMs, storeTtl, cacheErrors, cacheIf, userKey } = cellSettings(memo, r);
  /** Hits can return what the store holds as is (no Thrown/Timed wrappers to look at). */
  const plain = !cacheErrors && staleMs === undefined;
  const refreshing = new Set<Key>();

  const keyOf = (self: unknown, args: ArrayLike<unknown>): Key =>
    userKey !== undefined
      ? userKeyToKey(id, userKey.apply(self, Array.prototype.slice.call(args)), true)
      : memoryKey(id, args, args.length);

  const wrap = (value: unknown): unknown => (staleMs !== undefined ? new Timed(value, now() + ttlMs!) : value);

  const isCurrent = (key: Key, promise: unknown): boolean => {
    const held = raw.has(key) ? raw.get(key) : MISS;
    return held === promise || (held instanceof Timed && held.value === promise);
  };

  // Removing an entry that never became a value (a rejected or refused promise) is not an eviction.
  const withdraw = (key: Key): void => {
    if (store.delete(key)) stats.evictedExplicit--;
  };

  const track = (key: Key, promise: PromiseLike<unknown>, t0: number, inFlightStored: boolean): PromiseLike<unknown> => {
    if (inFlightStored) store.set(key, wrap(promise), { ttlMs: storeTtl, bytes: 64 });
    promise.then((value) => {
      stats.recordCompute(performance.now() - t0);
      const current = !inFlightStored || isCurrent(key, promise);
      if (!current) return;
      if (cacheIf !== undefined && !accepts(memo, cacheIf, value)) return withdraw(key);
      const bytes = approxBytes(value);
      if (bytes !== undefined) return store.set(key, wrap(promise), { ttlMs: storeTtl, bytes });
      withdraw(key);
      memo.uncacheable();
    }, () => {
      stats.errors++;
      stats.recordCompute(performance.now() - t0);
      if (inFlightStored && !cacheErrors && isCurrent(key, promise)) withdraw(key);
      else if (!inFlightStored && cacheErrors) store.set(key, wrap(promise), { ttlMs: storeTtl, bytes: 64 });
    });
    return promise;
  };

  /** A miss: call the function, store what it returns (or the promise it returns, for single-flight). */
  const compute = (self: unknown, key: Key, args: ArrayLike<unknown>, background = false): unknown => {
    stats.misses++;
    const t0 = performance.now();
    let result: unknown;
    try {
      result = fn.apply(self, args as unknown[]);
    } catch (error) {
      stats.errors++;
      stats.recordCompute(performance.now() - t0);
      if (cacheErrors) store.set(key, new Thrown(error), { ttlMs: storeTtl, bytes: 64 });
      throw error;
    }
    if (isThenable(result)) return track(key, result, t0, !background);
    stats.recordCompute(performance.now() - t0);
    if (cacheIf === undefined || accepts(memo, cacheIf, result)) {
      const bytes = approxBytes(result);
      if (bytes !== undefined) store.set(key, wrap(result), { ttlMs: storeTtl, bytes });
      else memo.uncacheable();
    }
    return result;
  };

  const revalidate = (self: unknown, key: Key, args: ArrayLike<unknown>): void => {
    if (refreshing.has(key)) return;
    refreshing.add(key);
    const done = (): void => { refreshing.delete(key); };
    setImmediate(() => {
      try {
        const r = compute(self, key, args, true);
        if (isThenable(r)) r.then(done, done);
        else done();
      } catch {
        done(); // the stale value stays until it expires; the next stale hit tries again
      }
    });
  };

  /** A hit on a wrapped value (cacheErrors / staleWhileRevalidate). */
  const unwrap = (self: unknown, key: Key, held: unknown, args: ArrayLike<unknown>): unknown => {
    stats.hits++;
    if (held instanceof Thrown) throw held.error;
    if (held instanceof Timed) {
      if (held.staleAt <= now()) {
        stats.staleServed++;
        revalidate(self, key, args);
      }
      return held.value;
    }
    return held;
  };

  const lookup = (self: unknown, args: ArrayLike<unknown>): unknown => {
    const key = keyOf(self, args);
    const held = store.get(key);
    if (held !== MISS) {
      if (plain) {
        stats.hits++;
        return held;
      }
      return unwrap(self, key, held, args);
    }
    return compute(self, key, args);
  };

  let call: Fn;
  if (userKey !== undefined) {
    call = function memoized(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return lookup(this, arguments);
    };
  } else {
    /** One object argument, passed as itself (no arguments object): the by-value case. */
    const lookupObject = (self: unknown, a: object): unknown => {
      const key = objectKey(id, a);
      const held = store.get(key);
      if (held !== MISS) {
        if (plain) {
          stats.hits++;
          return held;
        }
        return unwrap(self, key, held, [a]);
      }
      return compute(self, key, [a]);
    };
    const pairKey = rememberPairs((a, b) => memoryKey(id, [a, b], 2));
    call = buildCallPath<Key>({ store, stats, plain, miss: MISS, lookup, pairKey, lookupObject, unwrap, compute });
  }

  return {
    call,
    store,
    keyOf,
    has: async (key) => store.has(key),
    delete: async (key) => ({ removed: store.delete(key), confirmed: true }),
    refresh: (self, key, args) => compute(self, key, args),
    clear: async () => { store.clear(); return CONFIRMED; },
  };
}

function asyncCell(memo: Memo, r: ResolvedOptions, store: AsyncStore): Cell {
  const { stats, fn, id, now, ttlMs, staleMs, storeTtl, cacheErrors, cacheIf, userKey } = cellSettings(memo, r);
  const enveloped = cacheErrors || staleMs !== undefined;
  let warnedSync = false;

  interface Flight { promise: Promise<unknown>; expires: number; settled?: Promise<unknown> }
  const inflight = new Map<string, Flight>();
  const refreshing = new Set<string>();

  const keyOf = (self: unknown, args: ArrayLike<unknown>): string =>
    userKey !== undefined
      ? userKeyToKey(id, userKey.apply(self, Array.prototype.slice.call(args)), false) as string
      : canonicalArgs(id, args);

  const write = (flight: Flight | undefined, key: string, stored: unknown, bytes: number): void => {
    let pending: Promise<void>;
    try {
      pending = store.set(key, stored, { ttlMs: storeTtl, bytes });
    } catch {
      stats.backendErrors++;
      return;
    }
    const written = Promise.resolve(pending).catch(() => { stats.backendErrors++; });
    if (flight !== undefined) flight.settled = written;
  };

  const compute = async (self: unknown, key: string, args: ArrayLike<unknown>, flight: Flight | undefined): Promise<unknown> => {
    stats.misses++;
    const t0 = performance.now();
    let value: unknown;
    try {
      const result = fn.apply(self, args as unknown[]);
      if (!isThenable(result) && !warnedSync) {
        warnedSync = true;
        warnOnce('CACHELENS_SYNC_REMOTE', `cachelens: "${id}" is synchronous but uses the ${store.kind} backend "${r.backendName}", ` +
          'so its calls return Promises. Make the function async, or use an in-memory backend.');
      }
      value = await result;
    } catch (error) {
      stats.errors++;
      stats.recordCompute(performance.now() - t0);
      if (cacheErrors) {
        const envelope = errorEnvelope(error);
        if (envelope !== undefined) write(flight, key, envelope, 128);
        else memo.uncacheable();
      }
      throw error;
    }
    stats.recordCompute(performance.now() - t0);
    if (cacheIf === undefined || accepts(memo, cacheIf, value)) {
      const bytes = approxBytes(value);
      if (bytes === undefined) {
        memo.uncacheable();
        return value;
      }
      const stored = enveloped
        ? ({ [VALUE_FIELD]: value, ...(staleMs !== undefined ? { staleAt: now() + ttlMs! } : {}) } satisfies ValueEnvelope)
        : value;
      write(flight, key, stored, bytes);
    }
    return value;
  };

  const revalidate = (self: unknown, key: string, args: ArrayLike<unknown>): void => {
    if (refreshing.has(key)) return;
    refreshing.add(key);
    const done = (): void => { refreshing.delete(key); };
    compute(self, key, args, undefined).then(done, done);
  };

  const hit = (self: unknown, key: string, args: ArrayLike<unknown>, held: unknown): unknown => {
    stats.hits++;
    if (!enveloped || held === null || typeof held !== 'object') return held;
    if (ERROR_FIELD in held) {
      const e = (held as ErrorEnvelope)[ERROR_FIELD];
      const error = new Error(e.message);
      error.name = e.name;
      if (e.code !== undefined) (error as Error & { code?: unknown }).code = e.code;
      throw error;
    }
    if (VALUE_FIELD in held) {
      const v = held as ValueEnvelope;
      if (v.staleAt !== undefined && v.staleAt <= now()) {
        stats.staleServed++;
        revalidate(self, key, args);
      }
      return v[VALUE_FIELD];
    }
    return held;
  };

  /** Across processes, one computes a missing key; the others read its value (see `stampede`). */
  const computeAcrossProcesses = async (self: unknown, key: string, args: ArrayLike<unknown>, flight: Flight): Promise<unknown> => {
    let producing = false;
    try {
      const result = await onceAcrossProcesses(store, key, async () => {
        producing = true;
        const value = await compute(self, key, args, flight);
        await flight.settled; // the value is in the store before the lock is released
        return value;
      });
      return 'stored' in result ? hit(self, key, args, result.stored) : result.produced;
    } catch (error) {
      if (producing) throw error; // the function's own error, as without caching
      stats.backendErrors++; // the lock failed: fail open, compute here
      return compute(self, key, args, flight);
    }
  };
  const stampede = memo.options.stampede !== false && store.lock !== undefined;

  const lookup = async (self: unknown, key: string, args: ArrayLike<unknown>, flight: Flight): Promise<unknown> => {
    let held: unknown = MISS;
    if (store.peek !== undefined) {
      // An in-process tier (two-tier L1) answers without I/O.
      try { held = store.peek(key); } catch { held = MISS; }
      if (held !== MISS) return hit(self, key, args, held);
    }
    try {
      held = await store.get(key);
    } catch {
      stats.backendErrors++; // fail open: a store that throws is a miss
    }
    if (held !== MISS) return hit(self, key, args, held);
    return stampede ? computeAcrossProcesses(self, key, args, flight) : compute(self, key, args, flight);
  };

  const start = (self: unknown, key: string, args: ArrayLike<unknown>): Promise<unknown> => {
    const flight: Flight = { promise: undefined as unknown as Promise<unknown>, expires: ttlMs !== undefined ? now() + ttlMs : 0 };
    flight.promise = lookup(self, key, args, flight);
    inflight.set(key, flight);
    const release = (): void => {
      const drop = (): void => { if (inflight.get(key) === flight) inflight.delete(key); };
      // Keep joining callers on this flight until the value is written, so they do not miss meanwhile.
      if (flight.settled !== undefined) void flight.settled.then(drop);
      else drop();
    };
    flight.promise.then(release, release);
    return flight.promise;
  };

  const trace = memo.trace;
  /** The general path for a key: join its flight in progress, else start one. */
  const join = (self: unknown, key: string, args: ArrayLike<unknown>): Promise<unknown> => {
    const flight = inflight.get(key);
    if (flight !== undefined && (flight.expires === 0 || flight.expires > now())) {
      stats.hits++;
      // A lookup the store never sees; recorded so the trace replays what the cache served.
      trace?.record(key);
      return flight.promise;
    }
    return start(self, key, args);
  };

  /**
   * Over an in-process tier with settled promises (two-tier L1), when hits need no unwrapping:
   * the in-memory call path, with the tier as its store, so an L1 hit costs what a memory-backend
   * hit of an async function costs (its cached promise). Misses take the general path.
   */
  const tierCall = (tier: SettledTier): Fn => {
    const tierKeyOf = tier.keyOf;
    const byKey = (self: unknown, key: string, args: ArrayLike<unknown>): unknown => {
      let held: unknown;
      try { held = tier.get(tierKeyOf(key)); } catch { held = MISS; }
      if (held !== MISS) {
        stats.hits++;
        return held;
      }
      return join(self, key, args);
    };
    const lookup = (self: unknown, args: ArrayLike<unknown>): unknown => byKey(self, keyOf(self, args), args);
    if (userKey !== undefined) {
      return function memoized(this: unknown) {
        // eslint-disable-next-line prefer-rest-params
        return lookup(this, arguments);
      };
    }
    const lookupObject = (self: unknown, a: object): unknown => {
      const proto = prototypeOf(a);
      const plainKey = proto === Object.prototype || proto === null ? plainAsJson(a as Record<string, unknown>) : undefined;
      return byKey(self, plainKey ?? canonicalArgs(id, [a], 1), [a]);
    };
    const miss = (self: unknown, _key: unknown, args: ArrayLike<unknown>): unknown => join(self, keyOf(self, args), args);
    return buildCallPath<string | number>({
      store: tier, stats, plain: true, miss: MISS, lookup, lookupObject, compute: miss,
      // Remembered, so made the engine's unique copy (as the tier stores it): found by identity.
      pairKey: rememberPairs((a, b) => {
        const key = tierKeyOf(canonicalArgs(id, [a, b], 2));
        return typeof key === 'string' ? internalized(key) : key;
      }),
      unwrap: (self, key, _held, args) => miss(self, key, args), // not called: plain hits are returned as held
    }) as Fn;
  };

  const call = store.settled !== undefined && !enveloped
    ? tierCall(store.settled)
    : function memoized(this: unknown, ...args: unknown[]): Promise<unknown> {
      return join(this, keyOf(this, args), args);
    } as Fn;

  return {
    call,
    store,
    keyOf,
    has: async (key) => {
      try { return await store.has(String(key)); } catch { stats.backendErrors++; return false; }
    },
    delete: async (key) => {
      inflight.delete(String(key));
      try {
        const removed = await store.delete(String(key));
        return { removed, confirmed: invalidationOf(store).confirmed };
      } catch {
        stats.backendErrors++;
        return { removed: false, confirmed: false };
      }
    },
    refresh: (self, key, args) => {
      inflight.delete(String(key));
      return compute(self, String(key), args, undefined);
    },
    clear: async () => {
      inflight.clear();
      await store.clear();
      return invalidationOf(store);
    },
  };
}

/** What `cacheOf` finds for a memoized function. */
interface Owner {
  readonly memo: Memo;
  /** The cell of `self` (the function's only cell, or an instance's cell for methods). */
  cellFor(self: unknown): Cell;
  /** `this` used when `cacheOf` gets no instance (static methods: the class). */
  defaultThis(): unknown;
  readonly isMethod: boolean;
}

const owners = new WeakMap<object, Owner>();

function copyShape(target: Fn, source: Fn): void {
  Object.defineProperty(target, 'name', { value: source.name, configurable: true });
  Object.defineProperty(target, 'length', { value: source.length, configurable: true });
}

function memoizeFunction<F extends AnyFunction>(fn: F, options: MemoizeOptions<F>, location: { file: string; line: number } | undefined): F {
  if (typeof fn !== 'function') throw new OptionsError('fn', `must be a function, got ${typeof fn}`);
  validateOptions(options);
  // Anonymous functions are told apart by their line (still stable while the code above them is).
  const name = fn.name || (location !== undefined ? `anonymous@${location.line}` : 'anonymous');
  const baseId = options.id ?? (location !== undefined ? `${location.file}#${name}` : name);
  const memo = new Memo(fn as unknown as Fn, options as MemoizeOptions, baseId, location);
  const cell = memo.newCell();
  memo.cells = () => [cell];
  const call = cell.call;
  copyShape(call, fn as unknown as Fn);
  owners.set(call, { memo, cellFor: () => cell, defaultThis: () => undefined, isMethod: false });
  // Keep the registry entry alive exactly as long as the memoized function.
  infoKeepAlive.set(call, memo.info);
  return call as unknown as F;
}

const infoKeepAlive = new WeakMap<object, MemoizedInfo>();

/** A memoized method: its function, the cell of an instance, and the `this` of a static method. */
interface MemoizedMethod {
  readonly fn: Fn;
  readonly owner: Owner;
  setDefaultThis(self: unknown): void;
}

function memoizeMethod(method: Fn, name: string, className: string | undefined, options: MemoizeOptions,
  location: { file: string; line: number } | undefined): MemoizedMethod {
  const qualified = className !== undefined ? `${className}.${name}` : name;
  const baseId = options.id ?? (location !== undefined ? `${location.file}#${qualified}` : qualified);
  const memo = new Memo(method, options, baseId, location);
  let defaultThis: unknown;
  const first = memo.newCell();
  let fn: Fn;
  let cellFor: (self: unknown) => Cell;
  if (!first.store.sync || memo.resolved === undefined) {
    // Remote stores are shared by every instance (and every process): the key is the arguments.
    memo.cells = () => [first];
    cellFor = () => first;
    fn = first.call;
  } else {
    // In-memory: one cell per instance, held by a WeakMap so that it dies with its instance.
    const byInstance = new WeakMap<object, Cell>();
    const live = new Set<WeakRef<Cell>>();
    const gone = new FinalizationRegistry<WeakRef<Cell>>((ref) => live.delete(ref));
    let unbound: Cell | undefined;
    cellFor = (self) => {
      if ((typeof self !== 'object' || self === null) && typeof self !== 'function') return (unbound ??= first);
      let cell = byInstance.get(self);
      if (cell === undefined) {
        cell = memo.newCell();
        byInstance.set(self, cell);
        const ref = new WeakRef(cell);
        live.add(ref);
        gone.register(cell, ref);
      }
      return cell;
    };
    memo.cells = function* cells() {
      if (unbound !== undefined) yield unbound;
      for (const ref of live) {
        const cell = ref.deref();
        if (cell !== undefined) yield cell;
      }
    };
    fn = function memoizedMethod(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return cellFor(this).call.apply(this, arguments as unknown as unknown[]);
    };
  }
  copyShape(fn, method);
  const owner: Owner = { memo, cellFor, defaultThis: () => defaultThis, isMethod: true };
  owners.set(fn, owner);
  infoKeepAlive.set(fn, memo.info);
  return { fn, owner, setDefaultThis: (self) => { defaultThis = self; } };
}

/**
 * The name of the class that declares `method` as `key`, seen from `self`: the class itself for a
 * static method, else the owner of the first prototype on `self`'s chain that holds `method` (so a
 * subclass instance still names the declaring class). Read through property descriptors, so no
 * getter runs. Private methods are on no prototype: then `self`'s own class.
 */
function declaringClassName(self: unknown, key: string | symbol, method: Fn, isStatic: boolean): string | undefined {
  const named = (c: unknown): string | undefined => (typeof c === 'function' && c.name ? c.name : undefined);
  if (isStatic) return named(self);
  if (self === null || (typeof self !== 'object' && typeof self !== 'function')) return undefined;
  for (let o: object | null = self; o !== null; o = Reflect.getPrototypeOf(o) as object | null) {
    if (Reflect.getOwnPropertyDescriptor(o, key)?.value === method) return named(Reflect.getOwnPropertyDescriptor(o, 'constructor')?.value);
  }
  return named((self as { constructor?: unknown }).constructor);
}

/**
 * A method under a standard (TC39) decorator. Such a decorator is not told its class, so the
 * memoized method is made on first use: when the class is defined (static methods), when the
 * first instance is constructed, or at the first call, whichever comes first; then its default id
 * is `file#Class.method` as with legacy decorators. Two classes of one file with a method of the
 * same name thus get two ids, and two namespaces in shared stores (Redis, Memcached, disk).
 */
function lazyStandardMethod(method: Fn, context: ClassMethodDecoratorContext, options: MemoizeOptions,
  location: { file: string; line: number } | undefined): Fn {
  const key = context.name;
  let made: MemoizedMethod | undefined;
  let cellFor: ((self: unknown) => Cell) | undefined; // made's, read on every call
  const make = (self: unknown): MemoizedMethod => {
    if (made === undefined) {
      made = memoizeMethod(method, String(key), declaringClassName(self, key, fn, context.static), options, location);
      cellFor = made.owner.cellFor;
      owners.set(fn, made.owner);
      infoKeepAlive.set(fn, made.owner.memo.info);
    }
    return made;
  };
  const fn = function memoizedMethod(this: unknown) {
    // eslint-disable-next-line prefer-rest-params
    return (cellFor ?? make(this).owner.cellFor)(this).call.apply(this, arguments as unknown as unknown[]);
  };
  copyShape(fn, method);
  // cacheOf() before anything made it (cacheOf(C.prototype.m) before any instance): no class known.
  owners.set(fn, {
    get memo() { return make(undefined).owner.memo; },
    cellFor: (self) => make(self).owner.cellFor(self),
    defaultThis: () => made?.owner.defaultThis(),
    isMethod: true,
  });
  context.addInitializer(function (this: unknown) {
    const m = made ?? make(this);
    if (context.static) m.setDefaultThis(this);
  });
  return fn;
}

/**
 * A method decorator, for both TypeScript's standard (TC39) decorators and legacy
 * `experimentalDecorators`; which one is calling is detected at run time.
 */
export interface MemoizeDecorator {
  /**
   * Standard decorators (TypeScript 5+ without `experimentalDecorators`). The method's own type
   * comes back unchanged, so generic and overloaded methods keep their signatures.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as in MemoizableFunction
  <This, M extends (this: This, ...args: any[]) => unknown>(method: M, context: ClassMethodDecoratorContext<This, M>): M;
  /** Legacy decorators (`experimentalDecorators: true`, e.g. NestJS). */
  <T>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): TypedPropertyDescriptor<T> | void;
}

function isStandardContext(v: unknown): v is ClassMethodDecoratorContext {
  return v !== null && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string' && 'name' in v;
}

function decorator(options: MemoizeOptions, location: { file: string; line: number } | undefined): MemoizeDecorator {
  validateOptions(options);
  return function memoizeDecorator(target: unknown, contextOrKey: unknown, descriptor?: PropertyDescriptor): unknown {
    if (isStandardContext(contextOrKey)) {
      if (contextOrKey.kind !== 'method' || typeof target !== 'function') {
        throw new OptionsError('@memoize', `decorates methods only, not a ${contextOrKey.kind} (${String(contextOrKey.name)}); ` +
          'for a getter or a field holding a function, use memoize(fn) on the function.');
      }
      return lazyStandardMethod(target as Fn, contextOrKey, options, location);
    }
    if (descriptor !== undefined && typeof descriptor.value === 'function' && (typeof contextOrKey === 'string' || typeof contextOrKey === 'symbol')) {
      const isStatic = typeof target === 'function';
      const owner = (isStatic ? target : (target as { constructor?: { name?: string } }).constructor) as { name?: string } | undefined;
      const { fn, setDefaultThis } = memoizeMethod(descriptor.value as Fn, String(contextOrKey), owner?.name || undefined, options, location);
      if (isStatic) setDefaultThis(target);
      descriptor.value = fn;
      return descriptor;
    }
    throw new OptionsError('@memoize', 'decorates methods only (with a function value); for other members use memoize(fn).');
  } as MemoizeDecorator;
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
    return memoizeFunction(fnOrOptions as AnyFunction, (options ?? {}) as MemoizeOptions, location);
  }
  if (fnOrOptions !== undefined && (typeof fnOrOptions !== 'object' || fnOrOptions === null)) {
    throw new OptionsError('fn', `must be a function (memoize(fn, options)) or an options object (@memoize(options)), got ${fnOrOptions === null ? 'null' : typeof fnOrOptions}`);
  }
  if (options !== undefined) {
    // Legacy `@memoize` without parentheses calls memoize(prototype, key, descriptor).
    throw new OptionsError('@memoize', 'must be called: write @memoize() (or @memoize({ ttl: "5m" })), not @memoize.');
  }
  return decorator((fnOrOptions ?? {}) as MemoizeOptions, location);
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

/** What `cacheOf(fn).clear()` resolves with. */
export interface InvalidationResult {
  /**
   * True when every tier holding shared entries acknowledged the invalidation. False when a shared
   * backend did not answer (hung, down): the store keeps retrying in the background until it does
   * (other processes drop the old value once it answers, within `l1.ttlMs` for two tiers), and
   * this process reads nothing the invalidation covers from the server meanwhile.
   */
  readonly confirmed: boolean;
}

/** What `cacheOf(fn).delete(...args)` resolves with. */
export interface DeleteResult extends InvalidationResult {
  /** True when an entry for the arguments was there and was removed now. */
  readonly removed: boolean;
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
