/**
 * Candidates for caching, from observe mode's figures (the `observed` field of `stats`): the
 * latest cumulative figures per process and function, ranked by the time caching would save per
 * minute. Pure data (no vscode): the server feeds it, the panel reads `rank()`.
 */
import type { ObservedStats } from '../../../runtime/src/protocol.js';
import type { CandidateRow } from '../../../protocol/panel.js';

/** Most functions kept per process (their figures are a few numbers each). */
export const MAX_OBSERVED_PER_PROCESS = 10_000;
/** Rows the ranking returns at most. */
export const MAX_CANDIDATES = 200;
/** The shortest observation a rate is computed over, in milliseconds (a process that just started would make absurd rates). */
const MIN_WINDOW_MS = 1000;

interface ObservedProcess {
  startedAt: number;
  /** When its latest observed figures were taken (the stats message's `at`). */
  at: number;
  readonly functions: Map<string, ObservedStats>;
}

/**
 * What caching a function would save per minute, in milliseconds: calls per minute × the share of
 * calls whose arguments were seen before × the mean time of a call. The first call with each
 * argument list still runs; the rest would be hits.
 */
export function savedPerMinute(calls: number, repeats: number, totalMs: number, windowMs: number): number {
  if (calls <= 0) return 0;
  const perMinute = (calls * 60_000) / Math.max(windowMs, MIN_WINDOW_MS);
  return perMinute * (repeats / calls) * (totalMs / calls);
}

export class Candidates {
  readonly #processes = new Map<string, ObservedProcess>();
  readonly #listeners = new Set<() => void>();

  /** A process said hello (`startedAt`: milliseconds since the epoch). */
  hello(instance: string, startedAt: number): void {
    const known = this.#processes.get(instance);
    if (known) known.startedAt = startedAt;
    else this.#processes.set(instance, { startedAt, at: startedAt, functions: new Map() });
  }

  /** The latest figures of some functions of process `instance`, taken at `at`. */
  update(instance: string, at: number, observed: readonly ObservedStats[]): void {
    let p = this.#processes.get(instance);
    if (!p) {
      p = { startedAt: at, at, functions: new Map() };
      this.#processes.set(instance, p);
    }
    p.at = Math.max(p.at, at);
    for (const o of observed) {
      if (!p.functions.has(o.id) && p.functions.size >= MAX_OBSERVED_PER_PROCESS) continue;
      p.functions.set(o.id, o);
    }
    for (const listener of this.#listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets every figure (a new observe run starts from nothing). */
  reset(): void {
    this.#processes.clear();
    for (const listener of this.#listeners) listener();
  }

  /** Every observed function over all processes, the most time saved per minute first. */
  rank(): CandidateRow[] {
    const rows = new Map<string, CandidateRow>();
    for (const p of this.#processes.values()) {
      const windowMs = p.at - p.startedAt;
      for (const o of p.functions.values()) {
        const row = rows.get(o.id) ?? { id: o.id, file: o.file, line: o.line, calls: 0, repeats: 0, unkeyable: 0, totalMs: 0, savedMsPerMinute: 0, processes: 0 };
        row.calls += o.calls;
        row.repeats += o.repeats;
        row.unkeyable += o.unkeyable;
        row.totalMs += o.totalMs;
        row.savedMsPerMinute += savedPerMinute(o.calls, o.repeats, o.totalMs, windowMs);
        row.processes++;
        rows.set(o.id, row);
      }
    }
    return [...rows.values()]
      .sort((a, b) => b.savedMsPerMinute - a.savedMsPerMinute || b.calls - a.calls || a.id.localeCompare(b.id))
      .slice(0, MAX_CANDIDATES);
  }
}
