/**
 * The reporter: streams the registry's statistics to the editor. Reads snapshots on a timer (the
 * memoized call path is never touched), sends only the functions whose figures changed, and keeps
 * no queue: every figure it sends is a cumulative total, so while the editor is away the only
 * state held is the last snapshot sent per function (bounded by the number of functions, however
 * long the editor is away), and one full batch after a reconnect brings every total up to date.
 */
import {
  codePointLength,
  encodeHashes,
  MAX_ENTRIES_PER_MESSAGE,
  MAX_MESSAGE_BYTES,
  MAX_STRING_CODE_POINTS,
  MAX_TRACE_ENTRIES,
  MAX_TRACE_TIMES,
  encodeTimes,
  parseExtensionMessage,
  type ExtensionToRuntime,
  type FunctionDescriptor,
  type FunctionStats,
  type HelloMessage,
  type ObservedStats,
  type OptionValue,
  type RuntimeToExtension,
  type TraceMessage,
} from '../protocol.js';
import { OptionsError } from '../errors.js';
import { systemClock, type ReporterClock } from './clock.js';
import { OPEN, type ReporterSocket, type SocketFactory } from './socket.js';
import type { ObservingSource, ReportedFunction, ReporterSource } from './source.js';

/** Who this process is, sent in the hello (everything but `v` and `type`). */
export type ProcessIdentity = Omit<HelloMessage, 'v' | 'type'>;

/** Reconnection delays: `initialMs * factor^attempt`, capped at `maxMs`, with equal jitter (50-100 %). */
export interface BackoffOptions {
  /** First delay, in milliseconds. Default 500. */
  initialMs?: number;
  /** Largest delay, in milliseconds. Default 30 000. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
}

export interface ReporterOptions {
  /** Where to connect, e.g. `ws://127.0.0.1:51234/?token=abc` (the `CACHELENS_ENDPOINT` value). */
  endpoint: string;
  /** The memoized functions to report (the runtime's registry). */
  source: ReporterSource;
  identity: ProcessIdentity;
  /** Opens sockets. Default: `ws` in Node, the global WebSocket in a browser. */
  socketFactory: SocketFactory;
  /** Time between batches, in milliseconds. Default 250. */
  intervalMs?: number;
  backoff?: BackoffOptions;
  /**
   * Back-pressure: a batch is skipped (not queued) while the socket holds more than this many
   * unsent bytes, in bytes. Default 4 MiB. Nothing is lost: the next batch carries the totals.
   */
  maxBufferedBytes?: number;
  /**
   * A connection whose unsent data makes no progress for this long, in milliseconds, is dropped
   * (and retried with backoff). Default 1000. This is what lets a process exit when the editor
   * stopped reading (frozen, suspended): an unfinished socket write keeps a Node process alive
   * whatever `unref` says, so the reporter never leaves one pending for longer than this.
   */
  stallMs?: number;
  /** Default: `Date.now` and unref'd timers. */
  clock?: ReporterClock;
  /** Random numbers in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
  /** Diagnostics sink (connection failures, a failing `stats()`); never user-facing. Default: ignore. */
  onError?: (error: unknown) => void;
}

/**
 * `refused`: the server refused the handshake with 403, 404 or 426, which retrying cannot change:
 * the reporter stopped for good (401, a wrong token, is retried: the editor may have restarted).
 */
export type ReporterState = 'connecting' | 'open' | 'waiting' | 'stopped' | 'refused';

/** Handshake statuses after which the reporter stops retrying (section 2 of docs/protocol.md). */
const FINAL_STATUSES = new Set([403, 404, 426]);

export class Reporter {
  readonly #options: Required<Omit<ReporterOptions, 'backoff' | 'onError'>> & { backoff: Required<BackoffOptions> };
  readonly #onError: (error: unknown) => void;
  #state: ReporterState = 'stopped';
  #socket: ReporterSocket | undefined;
  #timer: unknown;
  #attempt = 0;
  #lastDelayMs = 0;
  #seq = 0;
  #paused = false;
  /** Unsent bytes seen after the last tick's sends, and since when they have not gone down. */
  #lastBuffered = 0;
  #stalledSince: number | undefined;
  /** When the current connection opened; a connection that ended in a stall does not reset the backoff. */
  #openedAt = 0;
  #endedInStall = false;
  /** The handshake status seen on the current attempt, when the server refused it. */
  #refusedWith: number | undefined;
  /** The last figures sent per function id, on this connection. */
  readonly #sent = new Map<string, FunctionStats>();
  /** Function ids announced on this connection. */
  readonly #announced = new Set<string>();
  /** The last observe-mode figures sent per function id, on this connection. */
  readonly #sentObserved = new Map<string, ObservedStats>();

  constructor(options: ReporterOptions) {
    this.#options = {
      endpoint: options.endpoint,
      source: options.source,
      identity: options.identity,
      socketFactory: options.socketFactory,
      intervalMs: positive(options.intervalMs, 250, 'intervalMs'),
      maxBufferedBytes: positive(options.maxBufferedBytes, 4 * 1024 * 1024, 'maxBufferedBytes'),
      stallMs: positive(options.stallMs, 1000, 'stallMs'),
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      backoff: {
        initialMs: positive(options.backoff?.initialMs, 500, 'backoff.initialMs'),
        maxMs: positive(options.backoff?.maxMs, 30_000, 'backoff.maxMs'),
        factor: positive(options.backoff?.factor, 2, 'backoff.factor'),
      },
    };
    this.#onError = options.onError ?? (() => {});
  }

  /** `connecting`, `open`, `waiting` (to reconnect), `stopped`, or `refused` (for good). */
  get state(): ReporterState {
    return this.#state;
  }

  /** Failed connection attempts since the last successful one. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay chosen before the pending reconnection attempt, in milliseconds. */
  get lastDelayMs(): number {
    return this.#lastDelayMs;
  }

  /** Whether the editor asked to pause reporting. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Who this process is (what the hello carries): `instance` is this run's id. */
  get identity(): Readonly<ProcessIdentity> {
    return this.#options.identity;
  }

  /** Bytes written to the connection that the editor has not received yet (0 when not connected). */
  get bufferedBytes(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }

  /** How many per-function snapshots the reporter holds (never more than the number of functions). */
  get heldSnapshots(): number {
    return this.#sent.size;
  }

  start(): void {
    if (this.#state !== 'stopped') return;
    this.#connect();
  }

  /**
   * Closes the connection and cancels every timer. A connection with unsent data is dropped at once
   * rather than closed politely: a close handshake would wait on the peer that is not reading.
   */
  stop(): void {
    this.#state = 'stopped';
    this.#cancelTimer();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      detach(socket);
      if (socket.bufferedAmount > 0 && socket.terminate) guard(() => socket.terminate!(), this.#onError);
      else guard(() => socket.close(1000, 'reporter stopped'), this.#onError);
    }
  }

  /**
   * Sends a batch now (what the timer does); used by a last flush before the process exits. Dropped
   * when earlier data is still unsent: a flush never adds to what a slow or stalled editor holds up.
   */
  flush(): void {
    if (this.#state !== 'open' || (this.#socket?.bufferedAmount ?? 0) > 0) return;
    guard(() => this.#sendBatch(), this.#onError);
    this.#lastBuffered = this.#socket?.bufferedAmount ?? 0;
  }

  #connect(): void {
    this.#state = 'connecting';
    let socket: ReporterSocket;
    try {
      socket = this.#options.socketFactory(this.#options.endpoint);
    } catch (error) {
      this.#onError(error);
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#refusedWith = undefined;
    socket.onopen = () => guard(() => this.#opened(socket), this.#onError);
    socket.onmessage = (event) => guard(() => this.#received(socket, event.data), this.#onError);
    socket.onerror = (event) => {
      if (socket === this.#socket) this.#refusedWith = handshakeStatus(event);
      this.#onError(event);
    };
    socket.onclose = () => guard(() => this.#closed(socket), this.#onError);
  }

  #opened(socket: ReporterSocket): void {
    if (socket !== this.#socket) return;
    this.#state = 'open';
    // A connection that was dropped for stalling counts as a failure until one stays healthy for
    // the longest backoff: a frozen editor is not reconnected to every second.
    if (!this.#endedInStall) this.#attempt = 0;
    this.#openedAt = this.#options.clock.now();
    this.#lastBuffered = 0;
    this.#stalledSince = undefined;
    this.#seq = 0;
    this.#paused = false; // a pause lasts as long as the connection that asked for it
    this.#sent.clear();
    this.#sentObserved.clear();
    this.#announced.clear();
    this.#send({ v: 1, type: 'hello', ...this.#options.identity });
    this.#sendBatch();
    this.#arm(this.#options.intervalMs);
  }

  #closed(socket: ReporterSocket): void {
    if (socket !== this.#socket) return;
    detach(socket);
    this.#socket = undefined;
    this.#cancelTimer();
    if (this.#state === 'stopped') return;
    const status = this.#refusedWith;
    if (status !== undefined && FINAL_STATUSES.has(status)) {
      this.#state = 'refused';
      this.#onError(new Error(`the editor refused the connection to ${redact(this.#options.endpoint)} with HTTP ${status}; ` +
        'not retrying (403: the request carried an Origin the editor does not allow; 404: the endpoint path is not "/"; ' +
        '426: not a WebSocket request). Check CACHELENS_ENDPOINT and restart the process.'));
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const { initialMs, maxMs, factor } = this.#options.backoff;
    const base = Math.min(maxMs, initialMs * factor ** this.#attempt);
    this.#attempt++;
    this.#lastDelayMs = base / 2 + (this.#options.random() * base) / 2;
    this.#state = 'waiting';
    this.#arm(this.#lastDelayMs);
  }

  #arm(ms: number): void {
    this.#cancelTimer();
    this.#timer = this.#options.clock.setTimeout(() => this.#fire(), ms);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#state === 'waiting') {
      this.#connect();
    } else if (this.#state === 'open') {
      if (this.#stalled()) return;
      guard(() => this.#sendBatch(), this.#onError);
      this.#lastBuffered = this.#socket?.bufferedAmount ?? 0;
      if (this.#state === 'open') this.#arm(this.#options.intervalMs);
    }
  }

  /**
   * True when the connection was dropped because its unsent data made no progress for `stallMs`
   * (the peer stopped reading). Progress is measured against what was unsent after the last tick.
   */
  #stalled(): boolean {
    const socket = this.#socket;
    if (!socket) return false;
    const now = this.#options.clock.now();
    const buffered = socket.bufferedAmount;
    if (buffered === 0 || buffered < this.#lastBuffered) {
      this.#stalledSince = buffered === 0 ? undefined : now;
      if (this.#endedInStall && now - this.#openedAt >= this.#options.backoff.maxMs) {
        this.#endedInStall = false;
        this.#attempt = 0;
      }
      return false;
    }
    this.#stalledSince ??= now;
    if (now - this.#stalledSince < this.#options.stallMs) return false;
    this.#onError(new Error(`the editor has not read ${buffered} bytes for ${now - this.#stalledSince} ms; dropping the connection`));
    this.#endedInStall = true;
    this.#socket = undefined;
    detach(socket);
    guard(() => (socket.terminate ? socket.terminate() : socket.close(4000, 'stalled')), this.#onError);
    this.#scheduleReconnect();
    return true;
  }

  #sendBatch(): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.#options.maxBufferedBytes) return;
    const functions = this.#options.source.list();
    const fresh: FunctionDescriptor[] = [];
    for (const fn of functions) {
      if (!this.#announced.has(fn.id)) fresh.push(describe(fn));
    }
    for (const chunk of chunks(fresh)) {
      if (!this.#send({ v: 1, type: 'functions', functions: chunk })) return;
      for (const d of chunk) this.#announced.add(d.id);
    }
    // Paused: functions are still announced (small, and commands need them), stats are not.
    if (this.#paused) return;
    const changed: FunctionStats[] = [];
    for (const fn of functions) {
      let stats: FunctionStats;
      try {
        stats = snapshot(fn);
      } catch (error) {
        this.#onError(error);
        continue;
      }
      const previous = this.#sent.get(fn.id);
      if (previous && same(previous, stats)) continue;
      changed.push(stats);
    }
    const at = this.#options.clock.now();
    for (const chunk of chunks(changed)) {
      if (!this.#send({ v: 1, type: 'stats', seq: ++this.#seq, at, stats: chunk })) return;
      for (const s of chunk) this.#sent.set(s.id, s);
    }
    this.#sendObserved(at);
  }

  /** Observe mode's changed figures, as `stats` messages with an empty `stats` and an `observed` field. */
  #sendObserved(at: number): void {
    const read = (this.#options.source as Partial<ObservingSource>).observed;
    if (!read) return;
    let all: readonly ObservedStats[];
    try {
      all = read.call(this.#options.source);
    } catch (error) {
      this.#onError(error);
      return;
    }
    const changed: ObservedStats[] = [];
    for (const o of all) {
      const previous = this.#sentObserved.get(o.id);
      if (previous && previous.calls === o.calls && previous.totalMs === o.totalMs) continue;
      changed.push({ id: o.id, file: fitString(o.file), line: o.line, calls: o.calls, repeats: o.repeats, unkeyable: o.unkeyable, totalMs: o.totalMs });
    }
    for (const chunk of chunks(changed)) {
      if (!this.#send({ v: 1, type: 'stats', seq: ++this.#seq, at, stats: [], observed: chunk })) return;
      for (const o of chunk) this.#sentObserved.set(o.id, o);
    }
  }

  #received(socket: ReporterSocket, data: unknown): void {
    if (socket !== this.#socket || typeof data !== 'string') return;
    const parsed = parseExtensionMessage(data);
    if (!parsed.ok) {
      this.#onError(new Error(`dropped a message from the editor (${parsed.fault}): ${parsed.detail}`));
      return;
    }
    this.#handle(parsed.message);
  }

  #handle(message: ExtensionToRuntime): void {
    switch (message.type) {
      case 'pause':
        this.#paused = true;
        return;
      case 'resume':
        this.#paused = false;
        this.#sendBatch();
        return;
      case 'clear': {
        const targets = message.id === undefined ? [...this.#options.source.list()] : [this.#options.source.get(message.id)];
        if (targets.some((t) => t === undefined)) return this.#answer(message.requestId, Promise.reject(new Error(`no memoized function with id ${message.id}`)));
        return this.#answer(message.requestId, Promise.all(targets.map((t) => t!.clear())));
      }
      case 'delete-key': {
        const fn = this.#options.source.get(message.id);
        if (!fn) return this.#answer(message.requestId, Promise.reject(new Error(`no memoized function with id ${message.id}`)));
        if (!fn.delete) return this.#answer(message.requestId, Promise.reject(new Error(`function ${message.id} does not support deleting one key`)));
        const del = fn.delete.bind(fn);
        return this.#answer(message.requestId, new Promise((resolve) => resolve(del(message.key))));
      }
      case 'trace-request': {
        const fn = this.#options.source.get(message.id);
        if (!fn) return this.#answer(message.requestId, Promise.reject(new Error(`no memoized function with id ${message.id}`)));
        this.#send(traceReply(message.requestId, fn));
        return;
      }
    }
  }

  #answer(requestId: string, outcome: Promise<unknown>): void {
    outcome.then(
      () => this.#send({ v: 1, type: 'result', requestId, ok: true }),
      (error: unknown) => this.#send({ v: 1, type: 'result', requestId, ok: false, error: error instanceof Error ? error.message : String(error) }),
    ).catch(this.#onError);
  }

  /** Sends one message; false when the socket is gone or refused it. */
  #send(message: RuntimeToExtension): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    try {
      socket.send(JSON.stringify(message));
      return true;
    } catch (error) {
      this.#onError(error);
      return false;
    }
  }
}

/** The `trace` answer for `fn`: its most recent recorded lookups, at most `MAX_TRACE_ENTRIES`. */
function traceReply(requestId: string, fn: ReportedFunction): TraceMessage {
  const max = typeof fn.options.max === 'number' && Number.isSafeInteger(fn.options.max) && fn.options.max >= 1 ? fn.options.max : null;
  // The `ttl` option is in seconds (`ReportedFunction.options`).
  const ttlMs = typeof fn.options.ttl === 'number' && Number.isFinite(fn.options.ttl) && fn.options.ttl > 0 ? fn.options.ttl * 1000 : undefined;
  const trace = fn.trace;
  if (trace === undefined) {
    return { v: 1, type: 'trace', requestId, id: fn.id, recording: false, sampleRate: 1, seen: 0, maxEntries: 0, max, count: 0, hashes: '', ...(ttlMs !== undefined ? { ttlMs } : {}) };
  }
  let keys = trace.snapshot();
  if (keys.length > MAX_TRACE_ENTRIES) keys = keys.subarray(keys.length - MAX_TRACE_ENTRIES);
  const message: TraceMessage = {
    v: 1, type: 'trace', requestId, id: fn.id, recording: true, sampleRate: trace.sampleRate, seen: Math.max(trace.seen, keys.length),
    maxEntries: trace.maxEntries, max, count: keys.length, hashes: encodeHashes(keys),
  };
  const times = trace.times?.();
  // Times only when they line up with the hashes (one per recorded lookup): the last MAX_TRACE_TIMES of them.
  if (times !== undefined && times.length >= keys.length) message.times = encodeTimes(times.subarray(times.length - Math.min(keys.length, MAX_TRACE_TIMES)));
  if (ttlMs !== undefined) message.ttlMs = ttlMs;
  return message;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new OptionsError(name, `of the reporter must be a finite number > 0, got ${String(value)}; omit it to use ${fallback}.`);
  }
  return value;
}

function guard(fn: () => void, onError: (error: unknown) => void): void {
  try {
    fn();
  } catch (error) {
    onError(error);
  }
}

function detach(socket: ReporterSocket): void {
  socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
}

/** Room kept in a frame for the envelope (`{"v":1,"type":"stats","seq":…,"at":…,"stats":[…]}`). */
const ENVELOPE_BYTES = 256;

/**
 * `items` in messages of at most `MAX_ENTRIES_PER_MESSAGE` entries and at most `MAX_MESSAGE_BYTES`
 * bytes of UTF-8 JSON. Entries are bounded (strings of at most 4096 code points), so one always fits.
 */
function* chunks<T>(items: T[]): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const item of items) {
    const size = utf8Length(JSON.stringify(item)) + 1;
    if (chunk.length > 0 && (chunk.length === MAX_ENTRIES_PER_MESSAGE || bytes + size > MAX_MESSAGE_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = ENVELOPE_BYTES;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** Bytes of `text` in UTF-8 (plain JS: the reporter also runs in browsers). */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && !(c >= 0xd800 && c <= 0xdfff) ? 2 : 1;
  }
  return n;
}

/** `text` cut to the protocol's string limit (code points; a pair is never split). */
export function fitString(text: string): string {
  if (text.length <= MAX_STRING_CODE_POINTS || codePointLength(text) <= MAX_STRING_CODE_POINTS) return text;
  return Array.from(text).slice(0, MAX_STRING_CODE_POINTS).join('');
}

/**
 * The descriptor of `fn`. Its id is within the limit (memoize refuses longer ones); other strings
 * are only shown, so they are cut to the limit, and a location whose path is too long is left out.
 */
function describe(fn: ReportedFunction): FunctionDescriptor {
  const options: Record<string, OptionValue> = {};
  for (const [name, value] of Object.entries(fn.options)) options[fitString(name)] = typeof value === 'string' ? fitString(value) : value;
  const d: FunctionDescriptor = { id: fn.id, backend: fitString(fn.backend), backendType: fitString(fn.backendType), options };
  if (fn.location && codePointLength(fn.location.file) <= MAX_STRING_CODE_POINTS) d.location = { file: fn.location.file, line: fn.location.line };
  return d;
}

/** The HTTP status of a refused handshake, from the error `ws` reports (undefined elsewhere). */
function handshakeStatus(event: unknown): number | undefined {
  const message = (event as { message?: unknown } | null)?.message;
  const match = typeof message === 'string' ? /Unexpected server response: (\d{3})/.exec(message) : null;
  return match ? Number(match[1]) : undefined;
}

/** The endpoint without its token, for messages. */
function redact(endpoint: string): string {
  return endpoint.replace(/([?&]token=)[^&]*/, '$1…');
}

function snapshot(fn: ReportedFunction): FunctionStats {
  const s = fn.stats();
  return {
    id: fn.id,
    hits: s.hits,
    misses: s.misses,
    errors: s.errors,
    evictions: { size: s.evictions.size, expired: s.evictions.expired, explicit: s.evictions.explicit },
    entries: s.entries,
    bytes: s.bytes,
    computeMs: s.computeMs,
    ...(s.computed !== undefined ? { computed: s.computed } : {}),
    savedMs: s.savedMs,
    staleServed: s.staleServed,
    backendErrors: s.backendErrors,
    health: fn.health(),
    ...(s.verify !== undefined ? { verify: s.verify } : {}),
    ...(s.missCauses !== undefined ? { missCauses: s.missCauses } : {}),
  };
}

function same(a: FunctionStats, b: FunctionStats): boolean {
  return (
    a.hits === b.hits && a.misses === b.misses && a.errors === b.errors && a.entries === b.entries && a.bytes === b.bytes &&
    a.computeMs === b.computeMs && a.computed === b.computed && a.savedMs === b.savedMs && a.staleServed === b.staleServed &&
    a.backendErrors === b.backendErrors && a.health === b.health && a.evictions.size === b.evictions.size &&
    a.evictions.expired === b.evictions.expired && a.evictions.explicit === b.evictions.explicit && sameVerify(a.verify, b.verify)
  );
}

/** The verify figures only grow, and the diff is set once: the counts and its presence tell a change. */
function sameVerify(a: FunctionStats['verify'], b: FunctionStats['verify']): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.checked === b.checked && a.differed === b.differed && a.failed === b.failed && a.mutated === b.mutated &&
    (a.diff === undefined) === (b.diff === undefined);
}
