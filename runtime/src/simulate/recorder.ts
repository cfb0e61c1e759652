/**
 * A bounded, sampled recording of the keys a memoized function is called with (their 30-bit
 * hashes, never the keys themselves), for what-if simulations: "what would the hit ratio be
 * with twice the entries, or with LRU?". Off by default; the runtime turns it on per function
 * (an option) or for every function with the environment variable `CACHELENS_TRACE`.
 *
 * - `CACHELENS_TRACE` unset, empty, `0`, `off` or `false`: off.
 * - `1`, `on` or `true`: on with the defaults (100,000 accesses kept, every key).
 * - `maxEntries=50000,sampleRate=0.1`: on with these options (either may be left out).
 *
 * Sampling is by key (spatial, as in SHARDS): a key is recorded on every access or never, so
 * a recording at rate r replays like the full stream through a cache r times smaller.
 *
 * Each access is kept with its time (ms since the recording's first access, 4 bytes more), so a
 * recording also replays with other TTLs (`ttl-whatif.ts`): still hashes and times only.
 * `whatIf` (in `whatif.ts`, which loads the simulator; this file does not) applies that scaling.
 */
import { CacheLensError } from '../errors.js';
import { MAX_ENTRIES } from '../limits.js';
import { hashKey, mix32 } from '../key-hash.js';
import { type AsyncStore, type SetOptions, type Store, type SyncStore } from '../stores/types.js';

/** The environment variable that turns recording on for every memoized function. */
export const TRACE_ENV = 'CACHELENS_TRACE';

export interface TraceRecorderOptions {
  /** Accesses kept, the most recent ones (a ring buffer: 4 bytes each). Integer from 1 to 16,777,216. Default 100,000. */
  maxEntries?: number;
  /** Fraction of distinct keys recorded, in (0, 1]. Default 1 (every key). */
  sampleRate?: number;
}

/** Thrown for a bad recorder option or `CACHELENS_TRACE` value; the message names it. */
export class TraceRecorderOptionError extends CacheLensError {
  constructor(message: string) {
    super('CACHELENS_TRACE_OPTION', message);
  }
}

export const DEFAULT_TRACE_ENTRIES = 100_000;
/**
 * Accesses the ring holds at first; it doubles while it fills, up to `maxEntries`, and wraps only
 * then. Made at `maxEntries` up front, `CACHELENS_TRACE=1` cost every memoized function 800 KB
 * before its first call (300 functions: 240 MB), whatever it went on to record.
 */
const INITIAL_TRACE_ENTRIES = 1024;

export class TraceRecorder {
  readonly maxEntries: number;
  readonly sampleRate: number;
  /** The recorded hashes; shorter than `maxEntries` until it has filled once (see `INITIAL_TRACE_ENTRIES`). */
  #ring: Int32Array;
  /** Per access, ms since `#origin` (saturating at 2^32 - 1: about 49 days). */
  #times: Uint32Array;
  readonly #now: () => number;
  #origin: number | undefined;
  readonly #threshold: number;
  #next = 0;
  #kept = 0;
  #seen = 0;

  /** @param now the clock the access times are read from (ms); the memoized function's clock. */
  constructor(options: TraceRecorderOptions = {}, now: () => number = Date.now) {
    const maxEntries = options.maxEntries ?? DEFAULT_TRACE_ENTRIES;
    const sampleRate = options.sampleRate ?? 1;
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES) {
      throw new TraceRecorderOptionError(`trace recorder: maxEntries must be an integer >= 1 and <= ${MAX_ENTRIES} (accesses kept), got ${String(maxEntries)}.`);
    }
    if (!(sampleRate > 0 && sampleRate <= 1)) {
      throw new TraceRecorderOptionError(`trace recorder: sampleRate must be in (0, 1] (fraction of keys recorded), got ${String(sampleRate)}.`);
    }
    this.maxEntries = maxEntries;
    this.sampleRate = sampleRate;
    this.#ring = new Int32Array(Math.min(maxEntries, INITIAL_TRACE_ENTRIES));
    this.#times = new Uint32Array(this.#ring.length);
    this.#now = now;
    this.#threshold = Math.round(sampleRate * 65536);
  }

  /** Records one access to `key` (a memoized function's cache key). Allocation-free. */
  record(key: unknown): void {
    this.recordHash(hashKey(key));
  }

  /** Records one access by an already computed `hashKey` value. */
  recordHash(hash: number): void {
    this.#seen++;
    if (this.#threshold < 65536 && (mix32(hash ^ 0x2c1b3c6d) & 0xffff) >= this.#threshold) return;
    this.#ring[this.#next] = hash;
    const now = this.#now();
    this.#origin ??= now;
    this.#times[this.#next] = Math.min(0xffffffff, Math.max(0, now - this.#origin));
    if (this.#kept < this.#ring.length) this.#kept++;
    if (this.#next + 1 < this.#ring.length) this.#next++;
    else if (this.#ring.length < this.maxEntries) this.#grow();
    else this.#next = 0;
  }

  /** Doubles the ring (up to `maxEntries`) when it is full for the first time: its entries are in order from 0. */
  #grow(): void {
    const length = Math.min(this.maxEntries, 2 * this.#ring.length);
    const ring = new Int32Array(length);
    const times = new Uint32Array(length);
    ring.set(this.#ring);
    times.set(this.#times);
    this.#ring = ring;
    this.#times = times;
    this.#next++;
  }

  /** Accesses offered to `record` since the start (sampled out or not). */
  get seen(): number {
    return this.#seen;
  }

  /** Accesses held now (at most `maxEntries`). */
  get size(): number {
    return this.#kept;
  }

  /** The recorded hashes, oldest first (a copy). */
  snapshot(): Int32Array {
    const out = new Int32Array(this.#kept);
    const start = this.#kept < this.#ring.length ? 0 : this.#next;
    for (let i = 0; i < this.#kept; i++) out[i] = this.#ring[(start + i) % this.#ring.length]!;
    return out;
  }

  /** When each recorded access happened, ms since the epoch of the clock, aligned with `snapshot()` (a copy). */
  times(): Float64Array {
    const out = new Float64Array(this.#kept);
    const start = this.#kept < this.#ring.length ? 0 : this.#next;
    for (let i = 0; i < this.#kept; i++) out[i] = this.#origin! + this.#times[(start + i) % this.#ring.length]!;
    return out;
  }

  /** The recording as an `i32be` trace file (`cachelens simulate --format i32be` replays it). */
  toBuffer(): Buffer {
    const keys = this.snapshot();
    const buffer = Buffer.alloc(keys.length * 4);
    for (let i = 0; i < keys.length; i++) buffer.writeInt32BE(keys[i]!, i * 4);
    return buffer;
  }

  clear(): void {
    this.#next = 0;
    this.#kept = 0;
    this.#seen = 0;
    this.#origin = undefined;
  }
}

/**
 * Parses a `CACHELENS_TRACE` value: `undefined` when recording is off, else the options.
 * Throws `TraceRecorderOptionError` for anything else, naming the variable and the fix.
 */
export function traceOptionsFromEnv(value: string | undefined): TraceRecorderOptions | undefined {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === '0' || text === 'off' || text === 'false') return undefined;
  if (text === '1' || text === 'on' || text === 'true') return {};
  const options: TraceRecorderOptions = {};
  for (const part of text.split(',')) {
    const [name, raw] = part.split('=').map((s) => s.trim());
    const number = Number(raw);
    if (name === 'maxentries' && raw !== undefined && raw !== '') options.maxEntries = number;
    else if (name === 'samplerate' && raw !== undefined && raw !== '') options.sampleRate = number;
    else {
      throw new TraceRecorderOptionError(`CACHELENS_TRACE=${JSON.stringify(value)}: expected 1, 0, or "maxEntries=N,sampleRate=R" (e.g. maxEntries=50000,sampleRate=0.1).`);
    }
  }
  try {
    new TraceRecorder(options); // validates the values now
  } catch (error) {
    throw new TraceRecorderOptionError(`CACHELENS_TRACE=${JSON.stringify(value)}: ${(error as Error).message.replace(/^trace recorder: /, '')}`);
  }
  return options;
}

/**
 * What `CACHELENS_TRACE` asks for in this process (read once): recording options, or undefined
 * when it is off. A bad value never throws: it emits ONE warning naming the variable and the fix,
 * and recording stays off.
 */
export function traceOptionsFromEnvironment(env: NodeJS.ProcessEnv = process.env): TraceRecorderOptions | undefined {
  if (env === process.env && fromProcessEnv !== null) return fromProcessEnv.options;
  let options: TraceRecorderOptions | undefined;
  try {
    options = traceOptionsFromEnv(env[TRACE_ENV]);
  } catch (error) {
    process.emitWarning(`cachelens: ${(error as Error).message} Recording stays off.`, { type: 'CacheLensWarning', code: 'CACHELENS_TRACE_OPTION' });
    options = undefined;
  }
  if (env === process.env) fromProcessEnv = { options };
  return options;
}
let fromProcessEnv: { options: TraceRecorderOptions | undefined } | null = null;

/** Forgets the `CACHELENS_TRACE` value read so far: for tests that change the variable (`cachelens/internal`). */
export function rereadTraceEnvironment(): void {
  fromProcessEnv = null;
}

/**
 * `store`, recording every lookup into `recorder`: `hashKey(key)` on `get` of an in-process
 * store; on an asynchronous store, on `peek` when it has one (memoize asks `peek` first, then
 * `get` only when `peek` missed, so one call records once), else on `get`. Every other member
 * is delegated unchanged, except a two-tier store's `settled` tier: its hits would bypass the
 * recording, so a traced function takes the general path (`peek`, recorded) instead. Only
 * functions with tracing on get this wrapper: the others keep their store as is, and pay nothing.
 */
export function recordingStore<S extends Store>(store: S, recorder: TraceRecorder): S {
  return (store.sync ? recordingSync(store, recorder) : recordingAsync(store, recorder)) as S;
}

function recordingSync(store: SyncStore, recorder: TraceRecorder): SyncStore {
  return {
    sync: true,
    get kind() { return store.kind; },
    get size() { return store.size; },
    get bytes() { return store.bytes; },
    get(key: string | number): unknown {
      recorder.recordHash(hashKey(key));
      return store.get(key);
    },
    set: (key: string | number, value: unknown, options: SetOptions) => store.set(key, value, options),
    has: (key: string | number) => store.has(key),
    delete: (key: string | number) => store.delete(key),
    clear: () => store.clear(),
    ...(store.close !== undefined ? { close: () => store.close!() } : {}),
  };
}

function recordingAsync(store: AsyncStore, recorder: TraceRecorder): AsyncStore {
  const peek = store.peek;
  const wrapped: AsyncStore = {
    sync: false,
    get kind() { return store.kind; },
    get size() { return store.size; },
    get bytes() { return store.bytes; },
    get health() { return store.health; },
    get invalidationPending() { return store.invalidationPending; },
    get: peek !== undefined
      ? (key) => store.get(key)
      : (key) => {
          recorder.recordHash(hashKey(key));
          return store.get(key);
        },
    set: (key, value, options) => store.set(key, value, options),
    has: (key) => store.has(key),
    delete: (key) => store.delete(key),
    clear: () => store.clear(),
    close: () => store.close(),
  };
  if (peek !== undefined) {
    wrapped.peek = (key: string): unknown => {
      recorder.recordHash(hashKey(key));
      return peek.call(store, key) as unknown;
    };
  }
  if (store.lock !== undefined) wrapped.lock = (key, ttlMs) => store.lock!(key, ttlMs);
  if (store.invalidateTags !== undefined) wrapped.invalidateTags = (tags) => store.invalidateTags!(tags);
  return wrapped;
}
