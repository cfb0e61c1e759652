/**
 * Aggregation of the statistics reported by every connected process, by function id, keeping each
 * process's own figures. Pure data (no sockets, no vscode): the server feeds it, the panel, the
 * status bar and the inline hints read its views.
 *
 * Processes report cumulative totals, so the aggregator stores the latest totals per process and
 * function and sums them; a repeated or re-sent batch cannot make a total wrong.
 */
import type { FunctionDescriptor, FunctionStats, HelloMessage } from '../../../runtime/src/protocol.js';
import type { Counters, FunctionRow, Held, ProcessFunctionRow, ProcessRow } from '../../../protocol/panel.js';

export type { Counters, Held };
/** The aggregator's views are the panel protocol's rows. */
export type FunctionView = FunctionRow;
export type ProcessView = ProcessRow;
export type ProcessFunctionView = ProcessFunctionRow;

interface ProcessRecord {
  hello: HelloMessage;
  connection: number;
  connected: boolean;
  goneAt?: number;
  functions: Map<string, { descriptor?: FunctionDescriptor; stats?: FunctionStats }>;
}

export const zeroCounters = (): Counters => ({
  hits: 0, misses: 0, errors: 0, evictionsSize: 0, evictionsExpired: 0, evictionsExplicit: 0,
  computeMs: 0, savedMs: 0, staleServed: 0, backendErrors: 0,
});

function addStats(into: Counters & Held, s: FunctionStats, connected: boolean): void {
  into.hits += s.hits;
  into.misses += s.misses;
  into.errors += s.errors;
  into.evictionsSize += s.evictions.size;
  into.evictionsExpired += s.evictions.expired;
  into.evictionsExplicit += s.evictions.explicit;
  into.computeMs += s.computeMs;
  into.savedMs += s.savedMs;
  into.staleServed += s.staleServed;
  into.backendErrors += s.backendErrors;
  if (connected) {
    into.entries += s.entries;
    into.bytes += s.bytes;
  }
}

export class Aggregator {
  readonly #processes = new Map<string, ProcessRecord>();
  readonly #listeners = new Set<() => void>();
  #revision = 0;
  /** Upper bound on gone processes kept (the oldest are forgotten first). */
  readonly maxGoneProcesses: number;

  constructor(options: { maxGoneProcesses?: number } = {}) {
    this.maxGoneProcesses = options.maxGoneProcesses ?? 200;
  }

  /** Increases on every change; readers compare it to skip work when nothing changed. */
  get revision(): number {
    return this.#revision;
  }

  /** Calls `listener` after each change (synchronously; keep it cheap, e.g. schedule a render). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A process said hello on connection `connection`. A known instance (a reconnect) resumes its record. */
  connect(hello: HelloMessage, connection: number): void {
    const known = this.#processes.get(hello.instance);
    if (known) {
      known.hello = hello;
      known.connection = connection;
      known.connected = true;
      delete known.goneAt;
    } else {
      this.#processes.set(hello.instance, { hello, connection, connected: true, functions: new Map() });
    }
    this.#changed();
  }

  /** Connection `connection` of process `key` closed; the process is gone unless it already reconnected. */
  disconnect(key: string, connection: number, now: number): void {
    const record = this.#processes.get(key);
    if (!record || record.connection !== connection || !record.connected) return;
    record.connected = false;
    record.goneAt = now;
    this.#forgetOldGone();
    this.#changed();
  }

  announce(key: string, functions: readonly FunctionDescriptor[]): void {
    const record = this.#processes.get(key);
    if (!record) return;
    for (const descriptor of functions) {
      const entry = record.functions.get(descriptor.id);
      if (entry) entry.descriptor = descriptor;
      else record.functions.set(descriptor.id, { descriptor });
    }
    this.#changed();
  }

  update(key: string, stats: readonly FunctionStats[]): void {
    const record = this.#processes.get(key);
    if (!record) return;
    for (const s of stats) {
      const entry = record.functions.get(s.id);
      if (entry) entry.stats = s;
      else record.functions.set(s.id, { stats: s });
    }
    this.#changed();
  }

  /** Forgets every gone process. */
  forgetGone(): void {
    for (const [key, record] of this.#processes) if (!record.connected) this.#processes.delete(key);
    this.#changed();
  }

  get connectedCount(): number {
    let n = 0;
    for (const record of this.#processes.values()) if (record.connected) n++;
    return n;
  }

  processes(): ProcessView[] {
    const views: ProcessView[] = [];
    for (const [key, record] of this.#processes) {
      const totals = { ...zeroCounters(), entries: 0, bytes: 0 };
      for (const entry of record.functions.values()) if (entry.stats) addStats(totals, entry.stats, record.connected);
      const h = record.hello;
      const view: ProcessView = {
        key, pid: h.pid, app: h.app, hostname: h.hostname, runtime: h.runtime, runtimeVersion: h.runtimeVersion,
        startedAt: h.startedAt, connected: record.connected, functions: record.functions.size, totals,
      };
      if (record.goneAt !== undefined) view.goneAt = record.goneAt;
      views.push(view);
    }
    return views;
  }

  /** One row per function id, summed over every process that reported it. */
  functions(): FunctionView[] {
    const rows = new Map<string, FunctionView>();
    for (const record of this.#processes.values()) {
      for (const [id, entry] of record.functions) {
        let row = rows.get(id);
        if (!row) {
          row = { id, backend: '', backendType: '', processes: 0, health: 'ok', ...zeroCounters(), entries: 0, bytes: 0 };
          rows.set(id, row);
        }
        row.processes++;
        const d = entry.descriptor;
        if (d) {
          row.backend = d.backend;
          row.backendType = d.backendType;
          if (d.location && !row.location) row.location = { file: d.location.file, line: d.location.line };
        }
        if (entry.stats) {
          addStats(row, entry.stats, record.connected);
          if (record.connected && entry.stats.health === 'degraded') row.health = 'degraded';
        }
      }
    }
    return [...rows.values()];
  }

  /** The per-process detail of one function. */
  functionByProcess(id: string): ProcessFunctionView[] {
    const views: ProcessFunctionView[] = [];
    for (const [key, record] of this.#processes) {
      const entry = record.functions.get(id);
      if (!entry) continue;
      const view: ProcessFunctionView = {
        key, pid: record.hello.pid, app: record.hello.app, connected: record.connected,
        health: entry.stats?.health ?? 'ok', ...zeroCounters(), entries: 0, bytes: 0,
      };
      if (entry.stats) addStats(view, entry.stats, record.connected);
      views.push(view);
    }
    return views;
  }

  #forgetOldGone(): void {
    const gone = [...this.#processes].filter(([, r]) => !r.connected).sort((a, b) => (a[1].goneAt ?? 0) - (b[1].goneAt ?? 0));
    for (let i = 0; i < gone.length - this.maxGoneProcesses; i++) this.#processes.delete(gone[i]![0]);
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
