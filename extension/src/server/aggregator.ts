/**
 * Aggregation of the statistics reported by every connected process, by function id, keeping each
 * process's own figures. Pure data (no sockets, no vscode): the server feeds it, the panel, the
 * status bar and the inline hints read its views. The rules are docs/protocol.md section 7.
 *
 * - A **process** is an `instance`. Within it, each reporting OS process (`pid`, `hostname`) is a
 *   **stream**: a `fork()`ed child that kept its parent's instance is a second stream of the same
 *   process, and the two add up. A stream speaks through one connection at a time; a newer
 *   connection of the same stream (a reconnect) replaces the older one.
 * - Streams report cumulative totals, so the aggregator keeps the latest totals per stream and
 *   function and sums them; a repeated or re-sent batch cannot make a total wrong. A counter lower
 *   than the last one of its stream is a **reset**: the last value is folded into a base and later
 *   values are added on top.
 * - Sums saturate at `Number.MAX_VALUE` (flagged `saturated`) instead of becoming `Infinity`, so
 *   one process's absurd figures cannot make another's rows invalid.
 * - Work is proportional to what changed: a batch marks its function rows and its process dirty;
 *   a row is rebuilt (from the few streams that report its id) only when it is next read.
 * - Budgets per stream (function ids, retained bytes) bound what one client can make the editor hold.
 */
import type { FunctionDescriptor, FunctionStats, HelloMessage } from '../../../runtime/src/protocol.js';
import type { Counters, FunctionRow, Held, ProcessFunctionRow, ProcessRow } from '../../../protocol/panel.js';
import type { VerifySnapshot } from '../../../runtime/src/protocol-verify.js';
import { addVerify } from './verify-rows.js';
import { addCauses, totalOf, updateCauses, type StreamCauses } from './miss-causes.js';

export type { Counters, Held };
/** The aggregator's views are the panel protocol's rows. */
export type FunctionView = FunctionRow;
export type ProcessView = ProcessRow;
export type ProcessFunctionView = ProcessFunctionRow;

/** Most function ids one stream (one reporting OS process) may announce. */
export const DEFAULT_MAX_FUNCTIONS_PER_STREAM = 10_000;
/** Most bytes of descriptors (ids, names, options, file names) one stream may make the editor hold. */
export const DEFAULT_MAX_RETAINED_BYTES_PER_STREAM = 8 * 1024 * 1024;
/** What the editor holds per function besides its strings (counters, row, indexes), in bytes: an estimate. */
const ENTRY_OVERHEAD_BYTES = 512;

const COUNTERS = ['hits', 'misses', 'errors', 'evictionsSize', 'evictionsExpired', 'evictionsExplicit', 'computeMs', 'savedMs', 'staleServed', 'backendErrors'] as const satisfies readonly (keyof Counters)[];

export const zeroCounters = (): Counters => ({
  hits: 0, misses: 0, errors: 0, evictionsSize: 0, evictionsExpired: 0, evictionsExplicit: 0,
  computeMs: 0, savedMs: 0, staleServed: 0, backendErrors: 0,
});

/** One function in one stream. */
interface Entry {
  readonly id: string;
  readonly stream: Stream;
  descriptor?: FunctionDescriptor;
  /** The stream's latest figures, as sent (undefined until its first stats). */
  last?: Counters & Held;
  /** What resets folded in: added to `last` for the totals. */
  base: Counters;
  health: 'ok' | 'degraded';
  bytes: number;
  /** The stream's latest `verify` figures, when it verifies this function. */
  verify?: VerifySnapshot;
  /** Its miss causes, once the stream sent some (optional in the protocol). */
  causes?: StreamCauses;
}

/** One reporting OS process within an instance: `(pid, hostname)`. */
interface Stream {
  /** Order of creation: rows sum their streams in this order, so totals are reproducible. */
  readonly order: number;
  readonly key: string;
  readonly process: ProcessRecord;
  hello: HelloMessage;
  /** The connection it speaks through; undefined when gone. */
  connection: number | undefined;
  readonly functions: Map<string, Entry>;
  retainedBytes: number;
  resets: number;
  saturated: boolean;
}

interface ProcessRecord {
  readonly key: string;
  readonly streams: Map<string, Stream>;
  /** The stream whose hello the process row shows (the latest to connect). */
  latest: Stream;
  goneAt?: number;
  /** Cached view; undefined when something in the process changed since it was built. */
  view?: ProcessView;
}

export interface AggregatorOptions {
  /** Upper bound on gone processes kept (the oldest are forgotten first). Default 200. */
  maxGoneProcesses?: number;
  /** Most function ids per stream; more are refused. Default `DEFAULT_MAX_FUNCTIONS_PER_STREAM` (10 000). */
  maxFunctionsPerStream?: number;
  /** Most retained bytes per stream; functions past it are refused. Default 8 MiB. */
  maxRetainedBytesPerStream?: number;
}

/** What a `functions` or `stats` batch did that the server counts and logs. */
export interface BatchOutcome {
  /** Entries refused because their stream is over its function or byte budget. */
  refused: number;
  /** Function entries in which at least one counter went down (a reset). */
  resets: number;
  /** Whether any figure saturated at `Number.MAX_VALUE`. */
  saturated: boolean;
}

const NONE: BatchOutcome = Object.freeze({ refused: 0, resets: 0, saturated: false });

/** `a + b`, or `Number.MAX_VALUE` when the sum is not finite (inputs are finite and >= 0). */
function add(a: number, b: number, flag: { saturated: boolean }): number {
  const sum = a + b;
  if (sum <= Number.MAX_VALUE) return sum;
  flag.saturated = true;
  return Number.MAX_VALUE;
}

function sumInto(into: Counters & Held & { saturated?: boolean }, entry: Entry, held: boolean): void {
  const last = entry.last;
  if (!last) return;
  const flag = { saturated: into.saturated === true };
  for (const name of COUNTERS) into[name] = add(into[name], add(entry.base[name], last[name], flag), flag);
  if (held) {
    into.entries = add(into.entries, last.entries, flag);
    into.bytes = add(into.bytes, last.bytes, flag);
  }
  if (flag.saturated) into.saturated = true;
}

function stringBytes(s: string): number {
  return 2 * s.length;
}

function descriptorBytes(d: FunctionDescriptor): number {
  let n = ENTRY_OVERHEAD_BYTES + stringBytes(d.id) + stringBytes(d.backend) + stringBytes(d.backendType);
  if (d.location) n += stringBytes(d.location.file) + 16;
  for (const name in d.options) {
    const value = d.options[name];
    n += stringBytes(name) + (typeof value === 'string' ? stringBytes(value) : 16);
  }
  return n;
}

function* idsOf(record: ProcessRecord): Generator<string, void, undefined> {
  for (const stream of record.streams.values()) yield* stream.functions.keys();
}

const isConnected = (record: ProcessRecord): boolean => {
  for (const stream of record.streams.values()) if (stream.connection !== undefined) return true;
  return false;
};

export class Aggregator {
  readonly #processes = new Map<string, ProcessRecord>();
  readonly #streamsByConnection = new Map<number, Stream>();
  readonly #listeners = new Set<() => void>();
  /** Every entry that reports a function id, for rebuilding that id's row alone. */
  readonly #contributors = new Map<string, Set<Entry>>();
  readonly #rows = new Map<string, FunctionView>();
  readonly #dirtyRows = new Set<string>();
  #revision = 0;
  #rowsRebuilt = 0;
  #nextStream = 0;
  #resets = 0;
  readonly maxGoneProcesses: number;
  readonly maxFunctionsPerStream: number;
  readonly maxRetainedBytesPerStream: number;

  constructor(options: AggregatorOptions = {}) {
    this.maxGoneProcesses = options.maxGoneProcesses ?? 200;
    this.maxFunctionsPerStream = options.maxFunctionsPerStream ?? DEFAULT_MAX_FUNCTIONS_PER_STREAM;
    this.maxRetainedBytesPerStream = options.maxRetainedBytesPerStream ?? DEFAULT_MAX_RETAINED_BYTES_PER_STREAM;
  }

  /** Increases on every change; readers compare it to skip work when nothing changed. */
  get revision(): number {
    return this.#revision;
  }

  /** Function rows rebuilt since the aggregator was made (a measure of work: proportional to what changed). */
  get rowsRebuilt(): number {
    return this.#rowsRebuilt;
  }

  /** Counter resets seen (function entries whose counters went down), all processes together. */
  get resets(): number {
    return this.#resets;
  }

  /** Calls `listener` after each change (synchronously; keep it cheap, e.g. schedule a render). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * A process said hello on connection `connection`. A known instance resumes its record; a known
   * stream of it (same pid and hostname: a reconnect) now speaks through this connection. Returns
   * the connection this one replaces, if that one is still open (the server closes it).
   */
  connect(hello: HelloMessage, connection: number): number | undefined {
    let record = this.#processes.get(hello.instance);
    const streamKey = `${hello.pid}@${hello.hostname}`;
    let stream = record?.streams.get(streamKey);
    const replaced = stream?.connection;
    if (replaced !== undefined) this.#streamsByConnection.delete(replaced);
    if (!record) {
      record = { key: hello.instance, streams: new Map(), latest: undefined as unknown as Stream };
      this.#processes.set(hello.instance, record);
    }
    if (!stream) {
      stream = { order: this.#nextStream++, key: streamKey, process: record, hello, connection, functions: new Map(), retainedBytes: 0, resets: 0, saturated: false };
      record.streams.set(streamKey, stream);
    }
    stream.hello = hello;
    stream.connection = connection;
    record.latest = stream;
    delete record.goneAt;
    this.#streamsByConnection.set(connection, stream);
    this.#touchStream(stream);
    this.#changed();
    return replaced;
  }

  /** The instance that connection `connection` reports for, if it said hello. */
  processOf(connection: number): string | undefined {
    return this.#streamsByConnection.get(connection)?.process.key;
  }

  /** Connection `connection` closed; its process is gone when no stream of it is connected any more. */
  disconnect(connection: number, now: number): void {
    const stream = this.#streamsByConnection.get(connection);
    if (!stream) return;
    this.#streamsByConnection.delete(connection);
    stream.connection = undefined;
    const record = stream.process;
    if (!isConnected(record)) {
      record.goneAt = now;
      this.#forgetOldGone();
    }
    this.#touchStream(stream);
    this.#changed();
  }

  /** Function descriptors from connection `connection` (upsert by id), within its stream's budgets. */
  announce(connection: number, functions: readonly FunctionDescriptor[]): BatchOutcome {
    const stream = this.#streamsByConnection.get(connection);
    if (!stream) return NONE;
    let refused = 0;
    for (const descriptor of functions) {
      const bytes = descriptorBytes(descriptor);
      let entry = stream.functions.get(descriptor.id);
      if (entry) {
        if (bytes > entry.bytes && stream.retainedBytes + bytes - entry.bytes > this.maxRetainedBytesPerStream) {
          refused++;
          continue;
        }
        stream.retainedBytes += bytes - entry.bytes;
        entry.bytes = bytes;
      } else {
        entry = this.#entry(stream, descriptor.id, bytes);
        if (!entry) {
          refused++;
          continue;
        }
      }
      // Keep the entry's own id string (the first one seen), not a fresh copy per message.
      entry.descriptor = { ...descriptor, id: entry.id };
      this.#dirtyRows.add(entry.id);
    }
    delete stream.process.view;
    this.#changed();
    return { refused, resets: 0, saturated: false };
  }

  /** A stats batch from connection `connection`: the latest cumulative figures of some functions. */
  update(connection: number, stats: readonly FunctionStats[]): BatchOutcome {
    const stream = this.#streamsByConnection.get(connection);
    if (!stream) return NONE;
    let refused = 0;
    let resets = 0;
    const flag = { saturated: false };
    for (const s of stats) {
      const entry = stream.functions.get(s.id) ?? this.#entry(stream, s.id, ENTRY_OVERHEAD_BYTES + stringBytes(s.id));
      if (!entry) {
        refused++;
        continue;
      }
      const next: Counters & Held = {
        hits: s.hits, misses: s.misses, errors: s.errors, evictionsSize: s.evictions.size, evictionsExpired: s.evictions.expired,
        evictionsExplicit: s.evictions.explicit, computeMs: s.computeMs, savedMs: s.savedMs, staleServed: s.staleServed,
        backendErrors: s.backendErrors, entries: s.entries, bytes: s.bytes,
      };
      const last = entry.last;
      if (last) {
        let reset = false;
        for (const name of COUNTERS) {
          if (next[name] < last[name]) {
            entry.base[name] = add(entry.base[name], last[name], flag);
            reset = true;
          }
        }
        if (reset) resets++;
      }
      for (const name of COUNTERS) if (entry.base[name] + next[name] > Number.MAX_VALUE) flag.saturated = true;
      entry.last = next;
      if (s.missCauses !== undefined) updateCauses(entry.causes ??= {}, s.missCauses);
      entry.health = s.health;
      if (s.verify !== undefined) entry.verify = s.verify;
      this.#dirtyRows.add(entry.id);
    }
    if (resets > 0) {
      stream.resets += resets;
      this.#resets += resets;
    }
    if (flag.saturated) stream.saturated = true;
    delete stream.process.view;
    this.#changed();
    return { refused, resets, saturated: flag.saturated };
  }

  /** Resets seen on the stream of connection `connection` so far. */
  resetsOf(connection: number): number {
    return this.#streamsByConnection.get(connection)?.resets ?? 0;
  }

  /** Forgets every gone process. */
  forgetGone(): void {
    for (const record of [...this.#processes.values()]) if (!isConnected(record)) this.#forget(record);
    this.#changed();
  }

  get connectedCount(): number {
    let n = 0;
    for (const record of this.#processes.values()) if (isConnected(record)) n++;
    return n;
  }

  processes(): ProcessView[] {
    const views: ProcessView[] = [];
    for (const record of this.#processes.values()) views.push((record.view ??= this.#processView(record)));
    return views;
  }

  /** One row per function id, summed over every process that reported it. The rows are read-only. */
  functions(): FunctionView[] {
    return [...this.functionRows().values()];
  }

  /**
   * The same rows by id, kept up to date incrementally: only rows whose figures changed since the
   * last read are rebuilt. The map and its rows are read-only for callers.
   */
  functionRows(): ReadonlyMap<string, FunctionView> {
    for (const id of this.#dirtyRows) this.#rebuildRow(id);
    this.#dirtyRows.clear();
    return this.#rows;
  }

  /**
   * At most `max` function rows. When there are more, every process gets an equal share, taken in
   * turns, so a process that announces a flood of ids cannot push another process's rows out.
   */
  boundedRows(max: number): FunctionView[] {
    const rows = this.functionRows();
    if (rows.size <= max) return [...rows.values()];
    const chosen = new Set<string>();
    let turns = [...this.#processes.values()].map((record) => idsOf(record));
    while (chosen.size < max && turns.length > 0) {
      turns = turns.filter((ids) => {
        for (let next = ids.next(); !next.done; next = ids.next()) {
          if (chosen.has(next.value)) continue;
          chosen.add(next.value);
          return true;
        }
        return false;
      });
      if (chosen.size >= max) break;
    }
    return [...chosen].slice(0, max).map((id) => rows.get(id)!);
  }

  /** The per-process detail of one function. */
  functionByProcess(id: string): ProcessFunctionView[] {
    const byProcess = new Map<ProcessRecord, Entry[]>();
    for (const entry of this.#contributors.get(id) ?? []) {
      const list = byProcess.get(entry.stream.process);
      if (list) list.push(entry);
      else byProcess.set(entry.stream.process, [entry]);
    }
    const views: ProcessFunctionView[] = [];
    for (const record of this.#processes.values()) {
      const entries = byProcess.get(record);
      if (!entries) continue;
      const connected = isConnected(record);
      const view: ProcessFunctionView = {
        key: record.key, pid: record.latest.hello.pid, app: record.latest.hello.app, runtime: record.latest.hello.runtime, connected, health: 'ok', ...zeroCounters(), entries: 0, bytes: 0,
      };
      for (const entry of entries) {
        const live = entry.stream.connection !== undefined;
        sumInto(view, entry, live);
        if (live && entry.health === 'degraded') view.health = 'degraded';
      }
      views.push(view);
    }
    return views;
  }

  /** The entry of function `id` in `stream`, made if the stream's budgets allow it (undefined if not). */
  #entry(stream: Stream, id: string, bytes: number): Entry | undefined {
    const known = stream.functions.get(id);
    if (known) return known;
    if (stream.functions.size >= this.maxFunctionsPerStream) return undefined;
    if (stream.retainedBytes + bytes > this.maxRetainedBytesPerStream) return undefined;
    const entry: Entry = { id, stream, base: zeroCounters(), health: 'ok', bytes };
    stream.retainedBytes += bytes;
    stream.functions.set(id, entry);
    let set = this.#contributors.get(id);
    if (!set) this.#contributors.set(id, (set = new Set()));
    set.add(entry);
    this.#dirtyRows.add(id);
    return entry;
  }

  #rebuildRow(id: string): void {
    const entries = this.#contributors.get(id);
    if (!entries || entries.size === 0) {
      this.#rows.delete(id);
      return;
    }
    this.#rowsRebuilt++;
    const row: FunctionView = { id, backend: '', backendType: '', processes: 0, health: 'ok', ...zeroCounters(), entries: 0, bytes: 0 };
    const processes = new Set<ProcessRecord>();
    const ordered = entries.size === 1 ? entries : [...entries].sort((a, b) => a.stream.order - b.stream.order);
    for (const entry of ordered) {
      processes.add(entry.stream.process);
      const d = entry.descriptor;
      if (d) {
        row.backend = d.backend;
        row.backendType = d.backendType;
        if (d.location && !row.location) row.location = { file: d.location.file, line: d.location.line };
      }
      const live = entry.stream.connection !== undefined;
      sumInto(row, entry, live);
      if (entry.causes !== undefined) {
        const causes = addCauses(row.missCauses, totalOf(entry.causes));
        if (causes !== undefined) row.missCauses = causes;
      }
      if (live && entry.last && entry.health === 'degraded') row.health = 'degraded';
      if (entry.verify !== undefined) row.verify = addVerify(row.verify, entry.verify);
    }
    row.processes = processes.size;
    this.#rows.set(id, row);
  }

  #processView(record: ProcessRecord): ProcessView {
    const totals: Counters & Held & { saturated?: boolean } = { ...zeroCounters(), entries: 0, bytes: 0 };
    const ids = new Set<string>();
    for (const stream of record.streams.values()) {
      const live = stream.connection !== undefined;
      for (const entry of stream.functions.values()) {
        ids.add(entry.id);
        sumInto(totals, entry, live);
      }
    }
    const saturated = totals.saturated === true;
    delete totals.saturated;
    const h = record.latest.hello;
    const view: ProcessView = {
      key: record.key, pid: h.pid, app: h.app, hostname: h.hostname, runtime: h.runtime, runtimeVersion: h.runtimeVersion,
      startedAt: h.startedAt, connected: isConnected(record), functions: ids.size, totals,
    };
    if (record.streams.size > 1) view.streams = record.streams.size;
    if (saturated) view.saturated = true;
    if (record.goneAt !== undefined) view.goneAt = record.goneAt;
    return view;
  }

  /** Something about the stream's connection changed: every row it contributes to, and its process, are stale. */
  #touchStream(stream: Stream): void {
    for (const id of stream.functions.keys()) this.#dirtyRows.add(id);
    delete stream.process.view;
  }

  #forget(record: ProcessRecord): void {
    this.#processes.delete(record.key);
    for (const stream of record.streams.values()) {
      for (const entry of stream.functions.values()) {
        this.#contributors.get(entry.id)?.delete(entry);
        if (this.#contributors.get(entry.id)?.size === 0) this.#contributors.delete(entry.id);
        this.#dirtyRows.add(entry.id);
      }
    }
  }

  #forgetOldGone(): void {
    const gone = [...this.#processes.values()].filter((r) => !isConnected(r)).sort((a, b) => (a.goneAt ?? 0) - (b.goneAt ?? 0));
    for (let i = 0; i < gone.length - this.maxGoneProcesses; i++) this.#forget(gone[i]!);
  }

  #changed(): void {
    this.#revision++;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A failing reader must not stop aggregation.
      }
    }
  }
}
