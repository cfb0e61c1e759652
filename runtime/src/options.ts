/**
 * memoize's options: their public types (documented with unit, default and example), their
 * validation (bad options throw `OptionsError` when `memoize` is called) and their resolution
 * against the config file (which happens on the first call: see `resolveOptions`).
 */
import { CONFIG_FILE_NAME } from 'cachelens/config-file';
import { codePointLength, MAX_STRING_CODE_POINTS } from './protocol.js';
import { OptionsError, BackendError, ConfigError } from './errors.js';
import { getConfig } from './config.js';
import { BUILTIN_TYPES, isKnownBackendType } from './backends.js';
import { parseByteSize, parseDuration, type ByteSize, type Duration } from './units.js';
import { bytesRangeProblem, durationRangeProblem, entriesProblem, show } from './limits.js';
import type { BackendConfig } from './stores/types.js';
import { TraceRecorder, traceOptionsFromEnvironment, type TraceRecorderOptions } from './simulate/recorder.js';
import { verifyFromEnvironment, verifyShareProblem } from './memoize/verify-setting.js';

/** Any function; `never` parameters make every function assignable without `any`. */
export type AnyFunction = (...args: never) => unknown;

/**
 * What `memoize(fn)` and `@memoize()` accept. Its parameters are `any[]` on purpose: a function
 * with untyped parameters (a `strict: false` project, or an arrow typed by its context) is typed
 * by this constraint, and `never[]` would make every such parameter `never` after caching.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MemoizableFunction = (...args: any[]) => unknown;

/** Default capacity of the `memory` and `lru` backends, in entries. */
export const DEFAULT_MAX = 1000;

/** Options of `memoize(fn, options)` and `@memoize(options)`. Every option is optional. */
export interface MemoizeOptions<F extends AnyFunction = AnyFunction> {
  /**
   * Stable name of the function in statistics, the registry and the editor panel; also the
   * namespace of its keys in remote stores. The codemod writes it (`"src/prices.ts#getPrices"`).
   * Default: `"<file>#<name>"` from where `memoize` was called (file relative to the working
   * directory), e.g. `"src/prices.ts#getPrices"`. Two live functions with the same id are
   * told apart by a suffix: the second is `id#2`.
   * @example { id: 'src/repo.ts#UserRepo.find' }
   */
  id?: string;
  /**
   * Where values live: a backend name from `cachelens.config.json` (`backends.NAME`) or a
   * type (`"memory"`, `"lru"`, `"redis"`, `"memcached"`, `"disk"`, `"tiered"`).
   * Default: the config's `defaults.backend`, else `"memory"`. Remote backends make every call
   * return a Promise (use them with async functions).
   * @example { backend: 'shared' }
   */
  backend?: string;
  /**
   * Time to live of a value (and of an in-flight promise): seconds as a number, or a string
   * `"500ms"`, `"90s"`, `"5m"`, `"1h"`, `"1d"`. `0` or `Infinity` = no expiry.
   * Default: the config's `defaults.ttl`, else no expiry.
   * @example { ttl: '5m' }
   */
  ttl?: Duration;
  /**
   * Capacity in entries (integer >= 1) of the in-memory backends. The policy (`memory`:
   * adaptive, `lru`: least recently used) picks what leaves. `Infinity` = unbounded (memory
   * only; logs one warning, since an unbounded cache is a memory leak waiting for enough
   * distinct arguments). For decorated methods, the capacity is per instance.
   * Default: the backend entry's `max`, else `defaults.max`, else 1000.
   * @example { max: 10_000 }
   */
  max?: number;
  /**
   * Approximate capacity in bytes of the in-memory backends (sizes are estimated from the
   * values' shapes): a number or `"512KB"`, `"64MB"`, `"1GB"`. Default: none.
   * @example { maxBytes: '64MB' }
   */
  maxBytes?: ByteSize;
  /**
   * Maps the arguments (and `this`) to the key: a string or a number is used as is; any other
   * value is serialized by the same rules as arguments. Use it when arguments are class
   * instances, functions or large objects of which only an id matters.
   * Default: all arguments, serialized deterministically (see docs/configuration.md, "Keys").
   * @example { key: (user) => user.id }
   */
  key?: (this: ThisParameterType<F>, ...args: Parameters<F>) => unknown;
  /**
   * Also cache thrown errors and rejected promises (for the TTL), so that a failing call is not
   * retried on every call. Default: false (errors are never cached; the next call retries).
   * @example { cacheErrors: true, ttl: '10s' }
   */
  cacheErrors?: boolean;
  /**
   * After `ttl`, keep serving the stale value for this long while ONE background call refreshes
   * it: seconds or a duration string. Requires `ttl`. Default: none (an expired value is a miss).
   * @example { ttl: '1m', staleWhileRevalidate: '5m' }
   */
  staleWhileRevalidate?: Duration;
  /**
   * Predicate on the result (the resolved value for promises): cache it only when this returns
   * true. Like Flask-Caching's `unless`, inverted. Default: cache every result.
   * @example { cacheIf: (rows) => rows.length > 0 }
   */
  cacheIf?: (result: Awaited<ReturnType<F>>) => boolean;
  /**
   * Cross-process stampede protection on backends that offer a lock (Redis, Memcached, two-tier):
   * when a key is missing, one process computes it while the others wait briefly for its value
   * (up to 10 s, polling the store; one of them takes over as soon as the lock is free without a
   * value), then compute anyway if it has not come. A lock whose release fails (the server down)
   * is released again once the server answers. Within one process, concurrent calls always share
   * one computation. Default: true. No effect on in-memory backends.
   * @example { backend: 'shared', stampede: false }
   */
  stampede?: boolean;
  /**
   * Record a sampled trace of this function's cache lookups (30-bit hashes of the keys, never
   * the keys), so the editor's "What if?" view can replay it at other cache sizes and policies.
   * `true`: the defaults, the last 100,000 lookups (4 bytes each, 400 KB) of every key;
   * `{ maxEntries, sampleRate }`: lookups kept (integer >= 1) and the fraction of distinct keys
   * recorded, in (0, 1] (a key is recorded on every lookup or never). `false`: off, even when
   * `CACHELENS_TRACE` is set. Default: the `CACHELENS_TRACE` environment variable (`1`, or
   * `maxEntries=50000,sampleRate=0.1`) when it turns recording on, else the config's
   * `defaults.trace`, else off. Costs nothing when off.
   * @example { trace: { maxEntries: 50_000, sampleRate: 0.25 } }
   */
  trace?: boolean | TraceRecorderOptions;
  /**
   * Clock for TTLs, in milliseconds. Default: the process-wide clock (`Date.now`, replaceable
   * with `setClock`), read at most once per millisecond tick of the event loop (so time does not
   * advance during one synchronous run of code). Tests pass a fake one instead of sleeping.
   * When given, it also times computations (`computeMs`, and so `savedMs`): a fake clock that the
   * function advances makes those figures exact. Default for timing: `performance.now`.
   * @example { clock: () => fakeNow }
   */
  clock?: () => number;
  /**
   * Check that cached values are still right: for this share of hits, a number from 0 to 1, the
   * function is RUN AGAIN with the same arguments (side effects included: writes, requests,
   * emails) after the hit has returned, and the result is compared with the cached value by
   * structure. Meant for development and staging, not production. At most one check runs at a
   * time per function (hits meanwhile are not checked), never while that key is being computed;
   * the caller always gets the cached value, and a re-run that throws is counted, not thrown.
   * The counts (`verify` in `cacheOf(f).stats()` and in the editor's panel) say how many checked
   * hits differed (the function depends on something besides its arguments: time, a database
   * row...), with the first differing pair as a diff, and how many found the cached value changed
   * since it was cached (a caller mutated it). `0`: off, even when `CACHELENS_VERIFY` is set.
   * Default: the `CACHELENS_VERIFY` environment variable (a share from 0 to 1, for every memoized
   * function of the process), else 0 (off: costs nothing).
   * @example { verify: 0.01 }
   */
  verify?: number;
  /**
   * Show the values in the diff of a check that differed (`verify`), not only the paths and types.
   * They leave the process to the editor's panel: keep it off when values hold personal data or
   * secrets. Default: false (values redacted), or `CACHELENS_VERIFY_SHOW_VALUES=1`.
   * @example { verify: 1, verifyShowValues: true }
   */
  verifyShowValues?: boolean;
}

const KNOWN = ['id', 'backend', 'ttl', 'max', 'maxBytes', 'key', 'cacheErrors', 'staleWhileRevalidate', 'cacheIf', 'stampede', 'trace', 'clock',
  'verify', 'verifyShowValues'];

/** Checks the types and values of the options (not the config file). @throws OptionsError */
export function validateOptions(options: unknown): asserts options is MemoizeOptions {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionsError('options', `must be an object like { ttl: '5m' }, got ${options === null ? 'null' : typeof options}`);
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN.includes(k)) throw new OptionsError(k, `is not a memoize option; known options: ${KNOWN.join(', ')}`);
  }
  // `id` and `backend` are sent to the editor as they are: at most the protocol's longest string.
  for (const name of ['id', 'backend'] as const) {
    const v = o[name];
    if (v !== undefined && (typeof v !== 'string' || v === '' || codePointLength(v) > MAX_STRING_CODE_POINTS)) {
      throw new OptionsError(name, `must be a non-empty string of at most ${MAX_STRING_CODE_POINTS} characters (Unicode code points) ` +
        `(${name === 'id' ? 'like "src/prices.ts#getPrices"' : `a backend name from ${CONFIG_FILE_NAME} or a type like "memory"`}), got ${show(v)}`);
    }
  }
  const ttlProblem = durationProblem(o.ttl);
  if (ttlProblem !== undefined) throw new OptionsError('ttl', ttlProblem);
  const staleProblem = staleWindowProblem(o.staleWhileRevalidate);
  if (staleProblem !== undefined) throw new OptionsError('staleWhileRevalidate', staleProblem);
  if (o.max !== undefined) {
    const problem = entriesProblem(o.max, true);
    if (problem !== undefined) throw new OptionsError('max', problem);
  }
  const maxBytesProblem = byteSizeProblem(o.maxBytes);
  if (maxBytesProblem !== undefined) throw new OptionsError('maxBytes', maxBytesProblem);
  for (const fnOption of ['key', 'cacheIf', 'clock'] as const) {
    if (o[fnOption] !== undefined && typeof o[fnOption] !== 'function') throw new OptionsError(fnOption, `must be a function, got ${typeof o[fnOption]}`);
  }
  if (o.verify !== undefined) {
    const problem = verifyShareProblem(o.verify);
    if (problem !== undefined) throw new OptionsError('verify', problem);
  }
  for (const flag of ['cacheErrors', 'stampede', 'verifyShowValues'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw new OptionsError(flag, `must be true or false, got ${typeof o[flag]}`);
  }
  validateTrace(o.trace);
}

/** What is wrong with a duration (`ttl`, `staleWhileRevalidate`), or undefined. */
function durationProblem(value: unknown): string | undefined {
  const ms = parseDuration(value);
  return typeof ms === 'object' ? shortened(ms.problem, value) : durationRangeProblem(ms, value);
}

/** `staleWhileRevalidate`: a duration, but not Infinity (which the duration rule reads as "none"). */
function staleWindowProblem(value: unknown): string | undefined {
  if (value === Infinity) return 'must be a finite duration (the stale window), at most 100 years; leave it out or use 0 for none; got Infinity';
  return durationProblem(value);
}

/** What is wrong with a byte size (`maxBytes`), or undefined. */
function byteSizeProblem(value: unknown): string | undefined {
  const bytes = parseByteSize(value);
  return typeof bytes === 'object' ? shortened(bytes.problem, value) : bytesRangeProblem(bytes, value);
}

/** A parser's problem with a huge string value not echoed whole. */
function shortened(problem: string, value: unknown): string {
  return typeof value === 'string' ? problem.replace(JSON.stringify(value), show(value)) : problem;
}

function validateTrace(trace: unknown): void {
  if (trace === undefined || typeof trace === 'boolean') return;
  if (trace === null || typeof trace !== 'object' || Array.isArray(trace)) {
    throw new OptionsError('trace', `must be true, false or { maxEntries, sampleRate }, got ${trace === null ? 'null' : typeof trace}`);
  }
  for (const k of Object.keys(trace)) {
    if (k !== 'maxEntries' && k !== 'sampleRate') throw new OptionsError(`trace.${k}`, 'is not a trace option; known: maxEntries (lookups kept), sampleRate (fraction of keys, in (0, 1])');
  }
  try {
    new TraceRecorder(trace as TraceRecorderOptions);
  } catch (error) {
    throw new OptionsError('trace', (error as Error).message.replace(/^trace recorder: /, ''));
  }
}

/** Options after merging with the config file, in the units the engine uses. */
export interface ResolvedOptions {
  /** Backend name as given (or the default). */
  backendName: string;
  backendType: string;
  /** The config entry handed to the store factory. */
  backendConfig: BackendConfig;
  ttlMs: number | undefined;
  staleMs: number | undefined;
  max: number;
  maxBytes: number | undefined;
  cacheErrors: boolean;
  /** Recording options when the function's lookups are traced; undefined when not. */
  trace: TraceRecorderOptions | undefined;
  /** Share of hits verified, in [0, 1] (0: off). */
  verify: number;
  verifyShowValues: boolean;
}

function num(value: number | undefined | { problem: string }): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * Merges the options with the config file: function option > backend entry > `defaults` > built-in.
 * @throws ConfigError (invalid file) or BackendError (unknown backend)
 */
export function resolveOptions(options: MemoizeOptions): ResolvedOptions {
  const config = getConfig();
  const d = config.defaults;
  const backendName = options.backend ?? d.backend ?? 'memory';
  let entry = Object.hasOwn(config.backends, backendName) ? config.backends[backendName] : undefined;
  if (entry === undefined) {
    if (!isKnownBackendType(backendName)) {
      const names = Object.keys(config.backends);
      throw new BackendError(backendName, `is neither a backend of ${config.file ?? `${CONFIG_FILE_NAME} (none found)`} ` +
        `(${names.length ? names.join(', ') : 'no backends defined'}) nor a backend type (memory, lru, redis, memcached, disk, tiered). ` +
        'Fix the `backend` option or add it under "backends" in the config file.');
    }
    entry = { type: backendName };
  }
  const inMemory = BUILTIN_TYPES.includes(entry.type);
  checkConfigRanges(options, inMemory ? entry : undefined, backendName, d, config.file);
  const ttlMs = num(parseDuration(options.ttl ?? (inMemory ? entry.ttl : undefined) ?? d.ttl));
  const staleMs = num(parseDuration(options.staleWhileRevalidate ?? d.staleWhileRevalidate));
  if (staleMs !== undefined && ttlMs === undefined) {
    throw new OptionsError('staleWhileRevalidate', 'needs a `ttl` (the age after which a value is stale), e.g. { ttl: "1m", staleWhileRevalidate: "5m" }');
  }
  const max = options.max ?? (inMemory ? (entry.max as number | undefined) : undefined) ?? d.max ?? DEFAULT_MAX;
  if (entry.type === 'lru' && max === Infinity) {
    throw new OptionsError('max', 'cannot be Infinity with the "lru" backend; use backend "memory" for an unbounded cache');
  }
  const bytes = num(parseByteSize(options.maxBytes ?? (inMemory ? entry.maxBytes : undefined) ?? d.maxBytes));
  const maxBytes = bytes === Infinity ? undefined : bytes; // Infinity: no bound
  // A backend named by its type alone gets its config written out (a spread of a one-property
  // object made an object with a map of its own: ~220 bytes per memoized function, not ~70).
  const backendConfig: BackendConfig = !inMemory ? entry
    : Object.keys(entry).length === 1 ? (maxBytes !== undefined ? { type: entry.type, max, maxBytes } : { type: entry.type, max })
    : { ...entry, max, ...(maxBytes !== undefined ? { maxBytes } : {}) };
  return {
    backendName,
    backendType: entry.type,
    backendConfig,
    ttlMs,
    staleMs,
    max,
    maxBytes,
    cacheErrors: options.cacheErrors ?? d.cacheErrors ?? false,
    trace: traceSetting(options.trace ?? traceOptionsFromEnvironment() ?? d.trace ?? false),
    verify: options.verify ?? verifyFromEnvironment().share,
    verifyShowValues: options.verifyShowValues ?? verifyFromEnvironment().showValues,
  };
}

/**
 * The ranges of what the config file gives this function (its backend entry, then `defaults`),
 * for the values its own options do not override (those were checked by `validateOptions`).
 * @throws ConfigError naming the file and the JSON path.
 */
function checkConfigRanges(options: MemoizeOptions, entry: BackendConfig | undefined, backendName: string,
  d: Readonly<Record<string, unknown>>, file: string | undefined): void {
  const checks: [keyof MemoizeOptions, (v: unknown) => string | undefined, boolean][] = [
    ['ttl', durationProblem, true],
    ['staleWhileRevalidate', staleWindowProblem, false],
    ['max', (v) => entriesProblem(v, true), true],
    ['maxBytes', byteSizeProblem, true],
  ];
  for (const [name, problemOf, inEntry] of checks) {
    if (options[name] !== undefined) continue;
    const fromEntry = inEntry && entry !== undefined && entry[name] !== undefined;
    const value = fromEntry ? entry[name] : d[name];
    if (value === undefined) continue;
    const problem = problemOf(value);
    if (problem === undefined) continue;
    const at = fromEntry ? `$.backends${/^[A-Za-z_$][\w$]*$/.test(backendName) ? `.${backendName}` : `[${JSON.stringify(backendName)}]`}.${name}` : `$.defaults.${name}`;
    throw new ConfigError(file ?? CONFIG_FILE_NAME, at, problem);
  }
}

function traceSetting(trace: boolean | TraceRecorderOptions): TraceRecorderOptions | undefined {
  return trace === false ? undefined : trace === true ? {} : trace;
}
