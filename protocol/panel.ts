/**
 * The extension host <-> webview panel protocol. Defined once, used by both sides; every message
 * received is validated with the parsers here before it is trusted.
 */
import { check, verifySnapshot, type Checker, type MissCauseCounts, type ObservedStats } from '../runtime/src/protocol.js';
import type { VerifySnapshot } from '../runtime/src/protocol-verify.js';

export type { VerifyDiffPath, VerifySnapshot } from '../runtime/src/protocol-verify.js';

/** The miss causes' definitions, for the panel (which cannot import the runtime's protocol itself). */
export { LONGER_TTL_FACTORS, MISS_CAUSES, REUSE_BUCKET_BOUNDS_MS, type MissCause, type MissCauseCounts } from '../runtime/src/protocol.js';

export const PANEL_PROTOCOL_VERSION = 1;

/** Counters that add up across processes (cumulative since each process started). */
export interface Counters {
  hits: number;
  misses: number;
  errors: number;
  evictionsSize: number;
  evictionsExpired: number;
  evictionsExplicit: number;
  /** Total milliseconds computing on misses. */
  computeMs: number;
  /** Estimated milliseconds saved by hits. */
  savedMs: number;
  staleServed: number;
  backendErrors: number;
}

/** What is held right now (live processes only: a gone process holds nothing). */
export interface Held {
  entries: number;
  /** Bytes (estimate; 0 when the backend cannot tell). */
  bytes: number;
}

/** One row of the functions table: a function id summed over every process that reported it. */
export interface FunctionRow extends Counters, Held {
  id: string;
  backend: string;
  backendType: string;
  location?: { file: string; line: number };
  /** Processes that reported this function (connected or gone). */
  processes: number;
  health: 'ok' | 'degraded';
  /** A sum reached `Number.MAX_VALUE` and stopped there (a process reported absurd figures). */
  saturated?: boolean;
  /** What the `verify` option found, summed over processes (absent when none verifies it). */
  verify?: VerifySnapshot;
  /** Why the misses missed, summed over the processes that tell (optional: absent when none does). */
  missCauses?: MissCauseCounts;
}

/** A process that reports (or reported: `connected` false, `goneAt` set). */
export interface ProcessRow {
  /** The process's instance id (stable across its reconnects). */
  key: string;
  pid: number;
  app: string;
  hostname: string;
  runtime: string;
  runtimeVersion: string;
  /** Milliseconds since the Unix epoch. */
  startedAt: number;
  connected: boolean;
  goneAt?: number;
  functions: number;
  totals: Counters & Held;
  /** OS processes reporting under this instance (a fork()ed child keeps its parent's), when more than one. */
  streams?: number;
  /** A total reached `Number.MAX_VALUE` and stopped there. */
  saturated?: boolean;
}

/** One function in one process (the per-process breakdown). */
export interface ProcessFunctionRow extends Counters, Held {
  key: string;
  pid: number;
  app: string;
  /** The reporting runtime (`cachelens-js`, `cachelens-py`), from its hello. */
  runtime: string;
  connected: boolean;
  health: 'ok' | 'degraded';
  /** A sum reached `Number.MAX_VALUE` and stopped there. */
  saturated?: boolean;
}

/** A cached function found in the workspace's source (by its `id` option). */
export interface WorkspaceFunction {
  id: string;
  file: string;
  /** 1-based. */
  line: number;
}

/** A function observe mode measured (`cachelens/observe`), as a candidate for caching: its figures summed over the processes that report it. */
export interface CandidateRow extends ObservedStats {
  /** What caching would save: calls per minute × repeat share × mean time, in milliseconds per minute, summed over processes. */
  savedMsPerMinute: number;
  processes: number;
  /** Where the function is in the workspace's sources (a built file mapped back), once the host found it. */
  source?: { file: string; line: number };
  /** Static hints that it may not be safe to cache (reads the clock, randomness, I/O, assigns this). */
  hints?: Array<{ kind: 'time' | 'random' | 'io' | 'this'; text: string }>;
}

/** Everything the panel shows, sent whole (at most a few times per second). */
export interface LiveSnapshot {
  /** Milliseconds since the Unix epoch. */
  at: number;
  server: 'stopped' | 'listening';
  processes: ProcessRow[];
  functions: FunctionRow[];
  /** The per-process breakdown of the selected function (empty when none is selected). */
  breakdown: ProcessFunctionRow[];
  workspaceFunctions: WorkspaceFunction[];
  /** Observe mode's candidates for caching, ranked (absent when nothing was observed). */
  candidates?: CandidateRow[];
  /**
   * Rows the panel's validator left out (a row that breaks its rule, or rows past `MAX_ROWS`) in
   * the last message. Set by the panel itself, never by the host: one bad row never hides the others.
   */
  droppedRows?: number;
}

/**
 * What changed since the panel's last `init`, `update` or `patch`: the function rows that changed
 * or appeared (`changed`), the ids that went away (`removed`); processes, breakdown and workspace
 * functions whole (they are few). Keeps the host's work per update proportional to what changed.
 */
export interface LivePatch extends Omit<LiveSnapshot, 'functions'> {
  changed: FunctionRow[];
  removed: string[];
}

/** One policy's hit ratios over a what-if curve's sizes. */
export interface WhatIfSeries {
  /** The simulator's policy name: `default` (the memory backend's policy) or `lru`. */
  policy: string;
  /** Shown in the legend, e.g. `default (adaptive)`. */
  label: string;
  /** Hit ratio in [0, 1] at each of the curve's sizes. */
  hitRatios: number[];
}

/** A computed what-if curve: the hit ratio a function would have had at other cache sizes. */
export interface WhatIfCurve {
  /** Cache sizes in entries, ascending (at most `MAX_WHATIF_SIZES`). */
  sizes: number[];
  series: WhatIfSeries[];
  /** The function's current `max` (marked on the curve); null when unbounded or unknown. */
  max: number | null;
  /** One sentence, e.g. "Doubling max (1,000 → 2,000) would raise hits from 71% to 83%." */
  sentence: string;
  /** Recorded lookups replayed. */
  accesses: number;
  /** Lookups the process saw since it started recording (sampled out or not). */
  seen: number;
  /** Fraction of keys recorded, in (0, 1]. */
  sampleRate: number;
  /** Optional: the TTL what-if of the same recording (absent from hosts that predate it). */
  ttl?: WhatIfTtl;
}

/** Longer TTLs one TTL what-if replays, as factors of the function's TTL. */
export const TTL_WHATIF_FACTORS = [2, 4, 8, 16] as const;

/**
 * The TTL what-if: the recording (hashes and times) replayed at the function's TTL and at each of
 * `TTL_WHATIF_FACTORS` times it. `rows` is empty when the recording has no times or the function
 * no TTL; `sentence` then says so.
 */
export interface WhatIfTtl {
  /** The function's TTL in ms; null when it has none (or the process did not say). */
  ttlMs: number | null;
  /** Timed lookups replayed (0 without times). */
  accesses: number;
  /** Median ms between a key's write and the lookup that found it expired; null without such a miss. */
  medianReuseMs: number | null;
  rows: { ttlMs: number; gained: number; lost: number }[];
  /** e.g. "With a TTL of 2 min instead of 30 s: +1,204 hits (-3 lost), from this recording of 50,000 calls; median reuse 48 s." */
  sentence: string;
}

/** The what-if view of one function: being computed, not recorded (with how to turn it on), failed, or ready. */
export type WhatIfView =
  | { state: 'computing'; text: string }
  | { state: 'off'; text: string }
  | { state: 'error'; text: string }
  | { state: 'ready'; text: string; curve: WhatIfCurve };

/** Most sizes one what-if curve has. */
export const MAX_WHATIF_SIZES = 64;

/** Host -> webview messages. */
export type HostToPanel =
  | { v: 1; type: 'init'; state: LiveSnapshot }
  | { v: 1; type: 'update'; state: LiveSnapshot }
  /** The function rows that changed since the last init/update/patch; applied to the rows the panel has. */
  | { v: 1; type: 'patch'; state: LivePatch }
  | { v: 1; type: 'notice'; level: 'info' | 'error'; text: string }
  /**
   * The what-if view of function `id` (`text`: where the figures come from, or what to do), for
   * the question `requestId` (the panel's `whatif` message): the panel shows only the answers to
   * its latest question.
   */
  | { v: 1; type: 'whatif'; id: string; requestId: number; view: WhatIfView };

/** Webview -> host messages. */
export type PanelToHost =
  | { v: 1; type: 'ready' }
  /**
   * Open a cached function's source: by its `id` (where the workspace's sources declare it) and/or
   * a location as reported (`file` relative to the workspace or the app, or absolute; `line`
   * 1-based; a built file is mapped back to its source by its source map). `file` and `line` come
   * together; at least they or `id`.
   */
  | { v: 1; type: 'open'; file?: string; line?: number; id?: string }
  /** Clear one function in every process (`id`), or every function of one process (`process`), or both. */
  | { v: 1; type: 'clear'; id?: string; process?: string }
  /** The function whose per-process breakdown the panel wants (null: none). */
  | { v: 1; type: 'select'; id: string | null }
  | { v: 1; type: 'start-server' }
  /**
   * Compute the what-if curve of function `id` (on demand: nothing is computed until asked).
   * `requestId`: an integer >= 1, larger than the panel's previous question's; the answers carry it.
   */
  | { v: 1; type: 'whatif'; id: string; requestId: number }
  /** "Cache this function" on an observed candidate: `file` and 1-based `line` as the candidate row has them. */
  | { v: 1; type: 'cache-candidate'; id: string; file: string; line: number };

/** Every message type the panel sends: the host's dispatcher has one handler for each. */
export type PanelToHostType = PanelToHost['type'];
/** The panel message of type `T`. */
export type PanelMessage<T extends PanelToHostType> = Extract<PanelToHost, { type: T }>;
/** What the panel asks to open (the `open` message without its envelope). */
export type OpenRequest = Omit<PanelMessage<'open'>, 'v' | 'type'>;

const { shape, list, nonEmpty, str, count, int, bool, optional, oneOf, isRecord } = check;
/** Most rows of one kind the panel shows; the host sends no more, and the panel drops the rest. */
export const MAX_ROWS = 100_000;

const counters: Record<keyof Counters, Checker> = {
  hits: count, misses: count, errors: count, evictionsSize: count, evictionsExpired: count, evictionsExplicit: count,
  computeMs: count, savedMs: count, staleServed: count, backendErrors: count,
};
const held: Record<keyof Held, Checker> = { entries: count, bytes: count };
const health = oneOf('ok', 'degraded');
const location = shape({ file: nonEmpty, line: int });
const saturated = optional(bool);
const functionRow = shape({
  ...counters, ...held, id: nonEmpty, backend: str, backendType: str, location: optional(location), processes: int, health, saturated,
  verify: optional(verifySnapshot),
  missCauses: optional(check.missCauses),
});
const processRow = shape({
  key: nonEmpty, pid: int, app: str, hostname: str, runtime: str, runtimeVersion: str, startedAt: count, connected: bool,
  goneAt: optional(count), functions: int, totals: shape({ ...counters, ...held }), streams: optional(int), saturated,
});
const breakdownRow = shape({ ...counters, ...held, key: nonEmpty, pid: int, app: str, runtime: str, connected: bool, health, saturated });
const workspaceFunction = shape({ id: nonEmpty, file: nonEmpty, line: int });
/** Each list of a snapshot with the rule of its rows: a row that breaks it is left out, alone. */
const candidateRow = shape({
  id: nonEmpty, file: str, line: int, calls: count, repeats: count, unkeyable: count, totalMs: count, savedMsPerMinute: count, processes: int,
  source: optional(location), hints: optional(list(shape({ kind: oneOf('time', 'random', 'io', 'this'), text: str }), 32)),
});
const snapshotRows = { processes: processRow, functions: functionRow, breakdown: breakdownRow, workspaceFunctions: workspaceFunction } as const;
const anArray: Checker = (v) => (Array.isArray(v) ? undefined : 'an array');
const snapshot = shape({
  at: count, server: oneOf('stopped', 'listening'), processes: anArray, functions: anArray, breakdown: anArray, workspaceFunctions: anArray,
});
const patch = shape({
  at: count, server: oneOf('stopped', 'listening'), processes: anArray, changed: anArray, removed: anArray, breakdown: anArray, workspaceFunctions: anArray,
});
const patchRows = { processes: processRow, changed: functionRow, removed: nonEmpty, breakdown: breakdownRow, workspaceFunctions: workspaceFunction } as const;

/**
 * The snapshot with every row that breaks its rule left out, each list cut at `MAX_ROWS`, and the
 * number left out in `droppedRows`. The snapshot's own fields passed `snapshot` already.
 */
function keepValidRows<T>(state: Record<string, unknown>, rules: Record<string, Checker>): T {
  const kept: Record<string, unknown> = { ...state };
  let dropped = 0;
  // Optional rows (observe mode's candidates): kept when valid, like the others.
  if (Array.isArray(state.candidates)) {
    kept.candidates = state.candidates.filter((row) => candidateRow(row) === undefined).slice(0, MAX_ROWS);
    dropped += state.candidates.length - (kept.candidates as unknown[]).length;
  } else delete kept.candidates;
  for (const name of Object.keys(rules)) {
    const rule = rules[name]!;
    const rows = state[name] as unknown[];
    const valid: unknown[] = [];
    for (const row of rows) {
      if (valid.length < MAX_ROWS && rule(row) === undefined) valid.push(row);
      else dropped++;
    }
    kept[name] = valid;
  }
  delete kept.droppedRows;
  if (dropped > 0) kept.droppedRows = dropped;
  return kept as T;
}

/** A what-if question's id: a safe integer >= 1. */
const requestId: Checker = (v) => (Number.isSafeInteger(v) && (v as number) >= 1 ? undefined : 'an integer >= 1');
const ratio: Checker = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a number in [0, 1]');
const positiveOrNull = (x: unknown): string | undefined => (x === null || (typeof x === 'number' && Number.isFinite(x) && x > 0) ? undefined : 'null or a number > 0');
const ttlWhatIf: Checker = shape({
  ttlMs: positiveOrNull, accesses: int, medianReuseMs: (x) => (x === null ? undefined : count(x)),
  rows: list(shape({ ttlMs: count, gained: int, lost: int }), TTL_WHATIF_FACTORS.length), sentence: str,
});
const curve: Checker = (v) => {
  const problem = shape({
    sizes: list((x) => (Number.isSafeInteger(x) && (x as number) >= 1 ? undefined : 'an integer >= 1'), MAX_WHATIF_SIZES),
    series: list(shape({ policy: nonEmpty, label: str, hitRatios: list(ratio, MAX_WHATIF_SIZES) }), 8),
    max: (x) => (x === null || (Number.isSafeInteger(x) && (x as number) >= 1) ? undefined : 'null or an integer >= 1'),
    sentence: str, accesses: int, seen: int, sampleRate: (x) => (typeof x === 'number' && x > 0 && x <= 1 ? undefined : 'a number in (0, 1]'),
    ttl: optional(ttlWhatIf),
  })(v);
  if (problem) return problem;
  const c = v as unknown as WhatIfCurve;
  return c.series.every((s) => s.hitRatios.length === c.sizes.length) ? undefined : 'series: one hit ratio per size';
};
const whatIfView: Checker = (v) => {
  if (!isRecord(v)) return 'an object';
  if (v.state === 'ready') return shape({ text: str, curve })(v);
  return shape({ state: oneOf('computing', 'off', 'error'), text: str })(v);
};

const hostMessages: Record<HostToPanel['type'], Checker> = {
  init: shape({ state: snapshot }),
  update: shape({ state: snapshot }),
  patch: shape({ state: patch }),
  notice: shape({ level: oneOf('info', 'error'), text: str }),
  whatif: shape({ id: nonEmpty, requestId, view: whatIfView }),
};
const panelMessages: Record<PanelToHost['type'], Checker> = {
  ready: () => undefined,
  open: (v) => shape({ file: optional(nonEmpty), line: optional(int), id: optional(nonEmpty) })(v) ??
    (isRecord(v) && (v.file === undefined) !== (v.line === undefined) ? 'file and line: both or neither'
      : isRecord(v) && v.file === undefined && v.id === undefined ? 'file and line, or id: at least one' : undefined),
  clear: (v) => shape({ id: optional(nonEmpty), process: optional(nonEmpty) })(v) ?? (isRecord(v) && v.id === undefined && v.process === undefined ? 'id or process: at least one' : undefined),
  select: shape({ id: (v) => (v === null ? undefined : nonEmpty(v)) }),
  'start-server': () => undefined,
  whatif: shape({ id: nonEmpty, requestId }),
  'cache-candidate': shape({ id: nonEmpty, file: nonEmpty, line: int }),
};

/** The message types the panel sends, as the validator knows them. */
export const PANEL_TO_HOST_TYPES = Object.keys(panelMessages) as PanelToHostType[];

function parse<T>(checkers: Record<string, Checker>, value: unknown): T | undefined {
  if (!isRecord(value) || value.v !== PANEL_PROTOCOL_VERSION || typeof value.type !== 'string') return undefined;
  if (!Object.hasOwn(checkers, value.type)) return undefined;
  return checkers[value.type]!(value) === undefined ? (value as T) : undefined;
}

/**
 * Validates a message received by the webview; returns it typed, or undefined to drop it. A
 * snapshot's rows are checked one by one: a row that breaks its rule is left out (and counted in
 * `droppedRows`), the rest of the update is kept.
 */
export function parseHostToPanel(value: unknown): HostToPanel | undefined {
  const message = parse<HostToPanel>(hostMessages, value);
  if (message?.type === 'patch') return { ...message, state: keepValidRows<LivePatch>(message.state as unknown as Record<string, unknown>, patchRows) };
  if (message?.type !== 'init' && message?.type !== 'update') return message;
  return { ...message, state: keepValidRows<LiveSnapshot>(message.state as unknown as Record<string, unknown>, snapshotRows) };
}

/** Validates a message received by the host; returns it typed, or undefined to drop it. */
export function parsePanelToHost(value: unknown): PanelToHost | undefined {
  return parse<PanelToHost>(panelMessages, value);
}

/** The snapshot of a panel with no server and nothing found yet. */
export function emptySnapshot(at = 0): LiveSnapshot {
  return { at, server: 'stopped', processes: [], functions: [], breakdown: [], workspaceFunctions: [] };
}
