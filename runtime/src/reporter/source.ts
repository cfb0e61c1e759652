/**
 * What the reporter reads: the runtime's registry of memoized functions. The shapes are the
 * registry contract (`registry.ts`), as interfaces, so the reporter can also be driven by a test's
 * own registry.
 */
import type { ObservedStats, OptionValue } from '../protocol.js';
import type { StatsSnapshot } from '../stats.js';

/**
 * One memoized function's statistics at one instant (counters cumulative since start). `computed`
 * is optional for sources that do not count completed computations (then it is not reported).
 */
export type ReportedSnapshot = Omit<StatsSnapshot, 'computed'> & { computed?: number };

/** A memoized function as the registry describes it. */
export interface ReportedFunction {
  readonly id: string;
  readonly backend: string;
  readonly backendType: string;
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly location?: { file: string; line: number };
  stats(): ReportedSnapshot;
  health(): 'ok' | 'degraded';
  clear(): Promise<void>;
  /** Optional: drops one key (the `delete-key` command). Functions without it answer "unsupported". */
  delete?(key: string): Promise<unknown> | unknown;
  /** The recording of the function's lookups, when tracing is on (the `trace-request` command). */
  readonly trace?: ReportedTrace;
}

/** What the reporter reads of a trace recorder (`TraceRecorder` has it). */
export interface ReportedTrace {
  readonly sampleRate: number;
  readonly maxEntries: number;
  readonly seen: number;
  /** The recorded key hashes, oldest first. */
  snapshot(): Int32Array;
  /** Optional: when each recorded lookup happened (ms, same order as `snapshot()`). */
  times?(): Float64Array;
}

/** The registry as the reporter uses it. */
export interface ReporterSource {
  list(): readonly ReportedFunction[];
  get(id: string): ReportedFunction | undefined;
}

/**
 * A source that also has observe mode's figures (`cachelens/observe`): sent as the `observed`
 * field of `stats`. Internal: the reporter looks for the method on any source.
 */
export interface ObservingSource extends ReporterSource {
  observed(): readonly ObservedStats[];
}
