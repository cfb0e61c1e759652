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
 * `whatIf` applies that scaling.
 */
import { hashKey, POLICY_NAMES } from '../policy/index.js';
import { mix32 } from '../policy/slot-policy.js';
import { simulateKeys } from './simulate.js';
import type { SimulationRow } from './simulate.js';

export interface TraceRecorderOptions {
  /** Accesses kept, the most recent ones (a ring buffer: 4 bytes each). Integer >= 1. Default 100,000. */
  maxEntries?: number;
  /** Fraction of distinct keys recorded, in (0, 1]. Default 1 (every key). */
  sampleRate?: number;
}

/** Thrown for a bad recorder option or `CACHELENS_TRACE` value; the message names it. */
export class TraceRecorderOptionError extends TypeError {
  override readonly name = 'TraceRecorderOptionError';
  readonly code = 'CACHELENS_TRACE_OPTION';
}

export const DEFAULT_TRACE_ENTRIES = 100_000;

export class TraceRecorder {
  readonly maxEntries: number;
  readonly sampleRate: number;
  readonly #ring: Int32Array;
  readonly #threshold: number;
  #next = 0;
  #kept = 0;
  #seen = 0;

  constructor(options: TraceRecorderOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_TRACE_ENTRIES;
    const sampleRate = options.sampleRate ?? 1;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TraceRecorderOptionError(`trace recorder: maxEntries must be an integer >= 1 (accesses kept), got ${String(maxEntries)}.`);
    }
    if (!(sampleRate > 0 && sampleRate <= 1)) {
      throw new TraceRecorderOptionError(`trace recorder: sampleRate must be in (0, 1] (fraction of keys recorded), got ${String(sampleRate)}.`);
    }
    this.maxEntries = maxEntries;
    this.sampleRate = sampleRate;
    this.#ring = new Int32Array(maxEntries);
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
    this.#next = this.#next + 1 === this.#ring.length ? 0 : this.#next + 1;
    if (this.#kept < this.#ring.length) this.#kept++;
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
  new TraceRecorder(options); // validates the values now, with the option's name in the message
  return options;
}

/** One recorder per memoized function id, created on first use. */
export class TraceRecorders {
  readonly #options: TraceRecorderOptions;
  readonly #byFunction = new Map<string, TraceRecorder>();

  constructor(options: TraceRecorderOptions = {}) {
    this.#options = options;
  }

  /** The recorder of `functionId` (for example `"src/prices.ts#getPrices"`). */
  for(functionId: string): TraceRecorder {
    let recorder = this.#byFunction.get(functionId);
    if (recorder === undefined) {
      recorder = new TraceRecorder(this.#options);
      this.#byFunction.set(functionId, recorder);
    }
    return recorder;
  }

  get(functionId: string): TraceRecorder | undefined {
    return this.#byFunction.get(functionId);
  }

  functions(): string[] {
    return [...this.#byFunction.keys()];
  }
}

/** One point of a what-if curve. `size` is the real cache size asked about, in entries. */
export type WhatIfPoint = SimulationRow;

/**
 * Hit ratios of `policies` (default: the default policy and LRU) at each real cache `size`,
 * from a recording: simulated at `size * sampleRate` entries when the recording was sampled.
 * Synchronous and CPU-bound: callers in an editor run it off the main thread.
 */
export function whatIf(recorder: TraceRecorder, sizes: readonly number[], policies: readonly string[] = ['default', 'lru']): WhatIfPoint[] {
  for (const policy of policies) {
    if (policy !== 'default' && !(POLICY_NAMES as readonly string[]).includes(policy)) {
      throw new TraceRecorderOptionError(`whatIf: unknown policy ${JSON.stringify(policy)}; use default or one of ${POLICY_NAMES.join(', ')}.`);
    }
  }
  const keys = recorder.snapshot();
  const scaled = sizes.map((size) => Math.max(1, Math.round(size * recorder.sampleRate)));
  const rows = simulateKeys(Array.from(keys), scaled, policies);
  return rows.map((row) => ({ ...row, size: sizes[scaled.indexOf(row.size)]! }));
}
