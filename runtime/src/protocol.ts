/**
 * The runtime <-> extension protocol (version 1): the messages a process that uses CacheLens
 * exchanges with the editor over a WebSocket, defined once for both sides, with validators that
 * every receiver runs before it trusts a message. `docs/protocol.md` is the prose version, written
 * for implementers in other languages.
 *
 * Plain TypeScript only (no Node, no DOM): the extension and the browser build import it too.
 * @packageDocumentation
 */

import type { StatsSnapshot } from './stats.js';
import { MAX_VERIFY_DIFF_PATHS } from './protocol-verify.js';

/** The protocol version every message carries as `v`. */
export const PROTOCOL_VERSION = 1;

/**
 * Largest text frame either side sends or accepts, in bytes (1 MiB). The reporter splits a stats
 * batch into several messages to stay under it; the server closes a connection that exceeds it.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Most function entries the reporter puts in one `functions` or `stats` message. */
export const MAX_ENTRIES_PER_MESSAGE = 500;

/**
 * Most key hashes one `trace` message carries: the most recent ones of a recording
 * (512 KiB of hashes, about 700 KB of base64: under `MAX_MESSAGE_BYTES`).
 */
export const MAX_TRACE_ENTRIES = 131_072;

/**
 * Most access times one `trace` message carries (its optional `times`): those of the most recent
 * lookups. 48 Ki times are 256 KiB of base64, so with 128 Ki hashes the message stays under
 * `MAX_MESSAGE_BYTES`.
 */
export const MAX_TRACE_TIMES = 49_152;

/** Option values as the runtime reports them (the memoize options, flattened to JSON scalars). */
export type OptionValue = string | number | boolean | null;

/** Where a memoized function is declared, when the runtime knows it (1-based line). */
export interface SourceLocation {
  file: string;
  line: number;
}

/** One memoized function as announced by a process. */
export interface FunctionDescriptor {
  /** Stable id, e.g. `"src/prices.ts#getPrices"` (written by the codemod). */
  id: string;
  /** Backend name from the config (e.g. `"memory"`, `"shared"`). */
  backend: string;
  /** Backend type (e.g. `"memory"`, `"redis"`, `"disk"`, `"memcached"`). */
  backendType: string;
  options: Record<string, OptionValue>;
  location?: SourceLocation;
}

/**
 * The statistics of one function in one process. Every counter is CUMULATIVE since the process
 * started (never a difference), so a message that is lost or sent twice cannot make a total wrong:
 * the receiver derives differences itself. `entries` and `bytes` are current values (gauges).
 */
export interface FunctionStats extends Omit<StatsSnapshot, 'computed'> {
  id: string;
  /** Computations completed (optional in v1: the mean miss time is `computeMs / computed` when present). */
  computed?: number;
  health: 'ok' | 'degraded';
}

/**
 * Why a miss missed. `cold`: first use (as far as this process knows); `expired`: its TTL passed;
 * `evicted`: removed for capacity; `invalidated`: `delete`, `clear` or the panel's Clear;
 * `bypassed`: a `cacheIf` refusal or a fresh call; `notCacheable`: the value could not be stored
 * (not measurable, not serializable, too large, an error); `unavailable`: the backend failed
 * (down, timeout, breaker open); `unknown`: a shared backend dropped it for a reason this process
 * cannot see (another process, the server's own eviction).
 */
export const MISS_CAUSES = ['cold', 'expired', 'evicted', 'invalidated', 'bypassed', 'notCacheable', 'unavailable', 'unknown'] as const;
export type MissCause = (typeof MISS_CAUSES)[number];

/**
 * Upper bounds, in ms, of the buckets of `MissCauseCounts.reuse`: 10 ms times powers of the square
 * root of 2 (each bucket 1.41 times the previous), up to about 8 h; one more bucket takes every
 * longer interval.
 */
export const REUSE_BUCKET_BOUNDS_MS: readonly number[] = Array.from({ length: 44 }, (_, i) => Math.round(10 * 2 ** (i / 2)));

/** The TTLs `MissCauseCounts.longerTtl` counts for, as multiples of the function's TTL. */
export const LONGER_TTL_FACTORS: readonly number[] = [2, 4, 8, 16];

/** Per-cause miss counters of one function in one process: cumulative, like every counter. */
export type MissCauseCounts = Record<MissCause, number> & {
  /** The function's TTL in ms when it has one (a gauge): what `longerTtl` multiplies. */
  ttlMs?: number;
  /**
   * Expiration misses by how long after this process's write the key was asked for again: one
   * count per bucket of `REUSE_BUCKET_BOUNDS_MS`, plus a last one for longer intervals.
   */
  reuse?: number[];
  /** Expiration misses that would have been hits with the TTL times each of `LONGER_TTL_FACTORS`. */
  longerTtl?: number[];
};

/** Runtime -> extension: the first message on every connection. */
export interface HelloMessage {
  v: 1;
  type: 'hello';
  /** Random id of this process run, stable across reconnects; keys the process on the server. */
  instance: string;
  pid: number;
  /** Application name (the `CACHELENS_APP` variable, the package name, or the script name). */
  app: string;
  /** Implementation name, e.g. `"cachelens-js"`, `"cachelens-py"`. */
  runtime: string;
  runtimeVersion: string;
  hostname: string;
  /** When the process started, milliseconds since the Unix epoch. */
  startedAt: number;
}

/** Runtime -> extension: functions added (or re-announced after a reconnect). Upsert by id. */
export interface FunctionsMessage {
  v: 1;
  type: 'functions';
  functions: FunctionDescriptor[];
}

/** Runtime -> extension: the cumulative statistics of the functions that changed since the last batch. */
export interface StatsMessage {
  v: 1;
  type: 'stats';
  /** Per-connection sequence number, starting at 1. */
  seq: number;
  /** When the snapshot was taken, milliseconds since the Unix epoch. */
  at: number;
  stats: FunctionStats[];
  /**
   * Observe mode (`cachelens/observe`, optional): the cumulative figures of the app's functions
   * that are not cached, for finding the ones worth caching. Receivers that do not know the field
   * ignore it; a message may carry it with an empty `stats`.
   */
  observed?: ObservedStats[];
}

/** One function of the app as observe mode measured it (counters cumulative since the process started). */
export interface ObservedStats {
  /** `file#name` (`name` is `Class.method` for methods), the file relative to the app's working directory. */
  id: string;
  /** Where the function is declared: file relative to the working directory, 1-based line. */
  file: string;
  line: number;
  calls: number;
  /** Calls whose arguments were seen before (an estimate once more than 4096 distinct argument lists were seen). */
  repeats: number;
  /** Calls whose arguments cannot be a cache key (functions, class instances, cycles). */
  unkeyable: number;
  /** Time inside the function over all calls, in milliseconds (async: until settled); estimated from a random 1 in 16 of the calls after the first 100 of each function. */
  totalMs: number;
}

/** Runtime -> extension: the outcome of a command that carried a `requestId`. */
export interface ResultMessage {
  v: 1;
  type: 'result';
  requestId: string;
  ok: boolean;
  /** Why it failed, when `ok` is false. */
  error?: string;
}

/**
 * Runtime -> extension: the answer to a `trace-request`: the function's recorded lookups, for
 * what-if curves. `recording` false (tracing is off for that function) comes with no hashes.
 */
export interface TraceMessage {
  v: 1;
  type: 'trace';
  requestId: string;
  id: string;
  recording: boolean;
  /** Fraction of distinct keys recorded, in (0, 1] (1 when not recording). */
  sampleRate: number;
  /** Lookups offered to the recorder since it started (sampled out or not); >= `count`. */
  seen: number;
  /** The recorder's capacity, in lookups (0 when not recording). */
  maxEntries: number;
  /** The function's current capacity in entries; null when unbounded or not an in-memory backend. */
  max: number | null;
  /** Hashes carried: at most `maxEntries` and `MAX_TRACE_ENTRIES`. */
  count: number;
  /** `count` 32-bit key hashes, oldest first, as big-endian int32s, base64 (standard alphabet, padded). */
  hashes: string;
  /**
   * Optional (senders that do not record times leave it out): when the last
   * `min(count, MAX_TRACE_TIMES)` lookups happened, in ms since the first of them, as big-endian
   * uint32s, base64 like `hashes`. For the TTL what-if.
   */
  times?: string;
  /** Optional: the function's TTL in ms (> 0), when it has one. */
  ttlMs?: number;
}

export type RuntimeToExtension = HelloMessage | FunctionsMessage | StatsMessage | ResultMessage | TraceMessage;

/** Extension -> runtime: drop every entry of one function (or of all functions when `id` is absent). */
export interface ClearMessage {
  v: 1;
  type: 'clear';
  requestId: string;
  id?: string;
}

/** Extension -> runtime: drop one key of one function. */
export interface DeleteKeyMessage {
  v: 1;
  type: 'delete-key';
  requestId: string;
  id: string;
  key: string;
}

/** Extension -> runtime: stop sending `stats` (the connection stays open). */
export interface PauseMessage {
  v: 1;
  type: 'pause';
}

/** Extension -> runtime: send `stats` again (the next batch brings every total up to date). */
export interface ResumeMessage {
  v: 1;
  type: 'resume';
}

/** Extension -> runtime: send the recorded lookups of one function (answered by `trace`, or by `result` with an error). */
export interface TraceRequestMessage {
  v: 1;
  type: 'trace-request';
  requestId: string;
  id: string;
}

export type ExtensionToRuntime = ClearMessage | DeleteKeyMessage | PauseMessage | ResumeMessage | TraceRequestMessage;

/** Why a received message was dropped; the server counts drops by this class. */
export type ProtocolFault = 'not-json' | 'not-object' | 'bad-version' | 'unknown-type' | 'bad-field';

export type Parsed<T> = { ok: true; message: T } | { ok: false; fault: ProtocolFault; detail: string };

/** A field validator: undefined when the value is acceptable, else what was expected. */
export type Checker = (value: unknown) => string | undefined;

const fail = <T>(fault: ProtocolFault, detail: string): Parsed<T> => ({ ok: false, fault, detail });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Longest string field, in Unicode code points (what every language counts the same way). */
export const MAX_STRING_CODE_POINTS = 4096;

/**
 * Whether `s` has at most `max` Unicode code points. A surrogate pair is one code point; a lone
 * surrogate counts as one. Counting is skipped when the UTF-16 length already decides it.
 */
export function withinCodePoints(s: string, max: number): boolean {
  if (s.length <= max) return true;
  if (s.length > 2 * max) return false;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++n > max) return false;
  }
  return true;
}

const MAX_STRING = MAX_STRING_CODE_POINTS;
const str: Checker = (v) => (typeof v === 'string' && withinCodePoints(v, MAX_STRING) ? undefined : 'a string of at most 4096 code points');
const nonEmpty: Checker = (v) => (typeof v === 'string' && v.length > 0 && withinCodePoints(v, MAX_STRING) ? undefined : 'a non-empty string of at most 4096 code points');
const count: Checker = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a finite number >= 0');
const int: Checker = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : 'an integer >= 0');
const bool: Checker = (v) => (typeof v === 'boolean' ? undefined : 'a boolean');
const optional = (check: Checker): Checker => (v) => (v === undefined ? undefined : check(v));
const oneOf = (...values: string[]): Checker => (v) => (values.includes(v as string) ? undefined : `one of ${values.join(', ')}`);
const shape = (fields: Record<string, Checker>): Checker => {
  const names = Object.keys(fields);
  const checks = names.map((name) => fields[name]!);
  return (v) => {
    if (!isRecord(v)) return 'an object';
    for (let i = 0; i < names.length; i++) {
      const problem = checks[i]!(v[names[i]!]);
      if (problem) return `${names[i]}: ${problem}`;
    }
    return undefined;
  };
};
const list = (item: Checker, max: number): Checker => (v) => {
  if (!Array.isArray(v)) return 'an array';
  if (v.length > max) return `an array of at most ${max} items`;
  for (let i = 0; i < v.length; i++) {
    const problem = item(v[i]);
    if (problem) return `[${i}].${problem}`;
  }
  return undefined;
};
const scalarRecord: Checker = (v) => {
  if (!isRecord(v)) return 'an object';
  for (const [name, value] of Object.entries(v)) {
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return `${name}: a string, number, boolean or null`;
    }
  }
  return undefined;
};

/**
 * The validators the messages are built from, shared with the extension<->webview protocol so
 * that both boundaries validate the same way.
 */
const countList = (length: number): Checker => (v) => {
  if (!Array.isArray(v) || v.length !== length) return `an array of ${length} counts`;
  for (let i = 0; i < v.length; i++) if (count(v[i])) return `[${i}]: a finite number >= 0`;
  return undefined;
};
const missCauses = shape({
  ...Object.fromEntries(MISS_CAUSES.map((cause) => [cause, count])),
  ttlMs: optional(count), reuse: optional(countList(REUSE_BUCKET_BOUNDS_MS.length + 1)), longerTtl: optional(countList(LONGER_TTL_FACTORS.length)),
});

export const check = { isRecord, str, nonEmpty, count, int, bool, optional, oneOf, shape, list, scalarRecord, missCauses } as const;

const location = shape({ file: nonEmpty, line: int });
const descriptor = shape({ id: nonEmpty, backend: str, backendType: str, options: scalarRecord, location: optional(location) });
const evictions = shape({ size: count, expired: count, explicit: count });
const verifyDiff = shape({ paths: list(shape({ path: str, cached: str, fresh: str }), MAX_VERIFY_DIFF_PATHS), values: bool });
/** The validator of what the `verify` option found (`protocol-verify.ts`), in stats and in panel rows. */
export const verifySnapshot: Checker = shape({ checked: count, differed: count, failed: count, mutated: count, diff: optional(verifyDiff) });
const functionStats = shape({
  id: nonEmpty, hits: count, misses: count, errors: count, evictions, entries: count, bytes: count,
  computeMs: count, computed: optional(count), savedMs: count, staleServed: count, backendErrors: count, health: oneOf('ok', 'degraded'),
  // Optional (absent when the process does not verify): receivers that predate it ignore it.
  verify: optional(verifySnapshot),
  missCauses: optional(missCauses),
});
const observedStats = shape({ id: nonEmpty, file: str, line: int, calls: count, repeats: count, unkeyable: count, totalMs: count });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const traceMessage: Checker = (v) => {
  const problem = shape({
    requestId: nonEmpty, id: nonEmpty, recording: bool, sampleRate: (x) => (typeof x === 'number' && x > 0 && x <= 1 ? undefined : 'a number in (0, 1]'),
    seen: int, maxEntries: int, max: (x) => (x === null || (Number.isSafeInteger(x) && (x as number) >= 1) ? undefined : 'null or an integer >= 1'),
    count: int, hashes: (x) => (typeof x === 'string' && BASE64.test(x) ? undefined : 'a base64 string'),
  })(v);
  if (problem) return problem;
  const m = v as unknown as TraceMessage;
  if (m.count > MAX_TRACE_ENTRIES) return `count: at most ${MAX_TRACE_ENTRIES}`;
  if (m.count > m.maxEntries) return 'count: at most maxEntries';
  if (m.seen < m.count) return 'seen: at least count';
  if (!m.recording && m.count !== 0) return 'count: 0 when not recording';
  if (m.hashes.length !== 4 * Math.ceil((4 * m.count) / 3)) return `hashes: the base64 of ${m.count} 4-byte hashes (${4 * Math.ceil((4 * m.count) / 3)} characters)`;
  if (m.times !== undefined) {
    const n = Math.min(m.count, MAX_TRACE_TIMES);
    if (typeof m.times !== 'string' || !BASE64.test(m.times) || m.times.length !== 4 * Math.ceil((4 * n) / 3)) {
      return `times: the base64 of ${n} 4-byte times, one per lookup of the last min(count, ${MAX_TRACE_TIMES}) (${4 * Math.ceil((4 * n) / 3)} characters)`;
    }
  }
  if (m.ttlMs !== undefined && !(typeof m.ttlMs === 'number' && Number.isFinite(m.ttlMs) && m.ttlMs > 0)) return 'ttlMs: a number of ms > 0';
  return undefined;
};

const runtimeMessages: Record<RuntimeToExtension['type'], Checker> = {
  hello: shape({ instance: nonEmpty, pid: int, app: str, runtime: nonEmpty, runtimeVersion: str, hostname: str, startedAt: count }),
  functions: shape({ functions: list(descriptor, MAX_ENTRIES_PER_MESSAGE) }),
  stats: shape({ seq: int, at: count, stats: list(functionStats, MAX_ENTRIES_PER_MESSAGE), observed: optional(list(observedStats, MAX_ENTRIES_PER_MESSAGE)) }),
  result: shape({ requestId: nonEmpty, ok: bool, error: optional(str) }),
  trace: traceMessage,
};

const extensionMessages: Record<ExtensionToRuntime['type'], Checker> = {
  clear: shape({ requestId: nonEmpty, id: optional(nonEmpty) }),
  'delete-key': shape({ requestId: nonEmpty, id: nonEmpty, key: str }),
  pause: () => undefined,
  resume: () => undefined,
  'trace-request': shape({ requestId: nonEmpty, id: nonEmpty }),
};

function parseWith<T>(checkers: Record<string, Checker>, input: unknown): Parsed<T> {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return fail('not-json', 'the frame is not valid JSON');
    }
  }
  if (!isRecord(value)) return fail('not-object', 'a message must be a JSON object');
  if (value.v !== PROTOCOL_VERSION) return fail('bad-version', `expected "v": ${PROTOCOL_VERSION}, got ${JSON.stringify(value.v)}`);
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(checkers, type)) {
    return fail('unknown-type', `unknown message type ${JSON.stringify(type)}`);
  }
  const problem = checkers[type]!(value);
  if (problem) return fail('bad-field', `${type}.${problem}`);
  return { ok: true, message: value as T };
}

/**
 * Validates a message received by the extension. Accepts the raw frame text (parsed here) or an
 * already-parsed value; returns the typed message or the fault class that made it unusable.
 */
export function parseRuntimeMessage(input: unknown): Parsed<RuntimeToExtension> {
  return parseWith<RuntimeToExtension>(runtimeMessages, input);
}

/** Validates a message received by the runtime (the same contract, other direction). */
export function parseExtensionMessage(input: unknown): Parsed<ExtensionToRuntime> {
  return parseWith<ExtensionToRuntime>(extensionMessages, input);
}

/** `keys` as a `trace` message carries them: big-endian int32s, base64. Plain JS (Node and browsers). */
export function encodeHashes(keys: Int32Array): string {
  const bytes = new Uint8Array(keys.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < keys.length; i++) view.setInt32(i * 4, keys[i]!, false);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The inverse of `encodeHashes`, for a message that passed validation. */
export function decodeHashes(base64: string): Int32Array {
  const binary = atob(base64);
  const keys = new Int32Array(Math.floor(binary.length / 4));
  for (let i = 0; i < keys.length; i++) {
    const o = i * 4;
    keys[i] = (binary.charCodeAt(o) << 24) | (binary.charCodeAt(o + 1) << 16) | (binary.charCodeAt(o + 2) << 8) | binary.charCodeAt(o + 3);
  }
  return keys;
}

/** Access times (ms) as a `trace` message's `times` carries them: big-endian uint32 offsets from the first, base64. */
export function encodeTimes(times: ArrayLike<number>): string {
  const origin = times.length > 0 ? times[0]! : 0;
  const offsets = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) offsets[i] = Math.min(0xffffffff, Math.max(0, Math.round(times[i]! - origin))) | 0;
  return encodeHashes(offsets);
}

/** The inverse of `encodeTimes` (ms since the first time), for a message that passed validation. */
export function decodeTimes(base64: string): Float64Array {
  const raw = decodeHashes(base64);
  const times = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) times[i] = raw[i]! >>> 0;
  return times;
}

/** The name of the environment variable that carries the endpoint (`ws://127.0.0.1:PORT/?token=...`). */
export const ENDPOINT_ENV = 'CACHELENS_ENDPOINT';


/** The length of `s` in Unicode code points (a surrogate pair counts once; a lone surrogate counts once). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
