import { createBoundedCache, isPolicyName, POLICY_NAMES } from '../policy/index.js';
import type { BoundedCache, PolicyName } from '../policy/index.js';
import { UsageError } from './errors.js';
import { readTrace } from './trace.js';
import type { TraceFormat, TraceKey } from './trace.js';

/** A cache size: a number of entries, or a percentage of the trace's distinct keys. */
export type SizeSpec = { entries: number } | { percent: number };

/** One simulated (policy, size) point. `hitRatio` is hits / accesses, in [0, 1]. */
export interface SimulationRow {
  /** The policy name as requested (`default` stays `default`). */
  policy: string;
  /** Capacity in entries. */
  size: number;
  accesses: number;
  hits: number;
  hitRatio: number;
}

export interface SimulationResult {
  rows: SimulationRow[];
  accesses: number;
  /** Distinct keys of the trace; counted only when a size is a percentage. */
  distinctKeys?: number;
}

/** `default` names the policy the `memory` store uses by default. */
export const DEFAULT_POLICY: PolicyName = 'adaptive';

/** Parses `100,1000,10%` into sizes. Throws `UsageError` naming the bad item. */
export function parseSizes(text: string): SizeSpec[] {
  const sizes = text.split(',').map((item) => item.trim()).filter((item) => item !== '').map((item): SizeSpec => {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(item);
    if (percent) {
      const value = Number(percent[1]);
      if (value > 0 && value <= 100) return { percent: value };
    } else if (/^\d+$/.test(item) && Number(item) >= 1 && Number.isSafeInteger(Number(item))) {
      return { entries: Number(item) };
    }
    throw new UsageError(`--sizes: ${JSON.stringify(item)} is not a size; use entries (an integer >= 1) or a percentage of the distinct keys (e.g. 10%).`);
  });
  if (sizes.length === 0) throw new UsageError('--sizes: give at least one size, e.g. --sizes 100,1000,10%.');
  return sizes;
}

/** Parses `default,lru,...` and checks every name. Throws `UsageError` naming the bad one. */
export function parsePolicies(text: string): string[] {
  const names = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  for (const name of names) {
    if (name !== 'default' && !isPolicyName(name)) {
      throw new UsageError(`--policies: unknown policy ${JSON.stringify(name)}; use default or one of ${POLICY_NAMES.join(', ')}.`);
    }
  }
  if (names.length === 0) throw new UsageError('--policies: give at least one policy, e.g. --policies default,lru.');
  return names;
}

function resolvePolicy(name: string): PolicyName {
  return name === 'default' ? DEFAULT_POLICY : (name as PolicyName);
}

/** Counts the distinct keys of a trace (one streaming pass). */
export async function countDistinctKeys(path: string, format: TraceFormat): Promise<{ distinct: number; accesses: number }> {
  const seen = new Set<TraceKey>();
  const { accesses } = await readTrace(path, format, (keys, count) => {
    for (let i = 0; i < count; i++) seen.add(keys[i]!);
  });
  return { distinct: seen.size, accesses };
}

/**
 * Replays a trace through every (policy, size) pair in one streaming pass: each access is a
 * `get`, and every miss is followed by a `set` (the policy may refuse it). Percentage sizes need
 * a first pass counting distinct keys. Rejects with `TraceError` on a bad or truncated file;
 * then no rows are returned at all.
 */
export async function simulateTrace(path: string, format: TraceFormat, sizes: readonly SizeSpec[], policies: readonly string[]): Promise<SimulationResult> {
  let distinctKeys: number | undefined;
  if (sizes.some((size) => 'percent' in size)) distinctKeys = (await countDistinctKeys(path, format)).distinct;
  const capacities = [...new Set(sizes.map((size) => ('entries' in size ? size.entries : Math.max(1, Math.round((size.percent / 100) * distinctKeys!)))))];
  const run = startSimulation(capacities, policies);
  const { accesses } = await readTrace(path, format, run.feed);
  const rows = run.rows(accesses);
  return distinctKeys === undefined ? { rows, accesses } : { rows, accesses, distinctKeys };
}

/** The caches of one simulation, fed batch by batch. */
function startSimulation(capacities: readonly number[], policies: readonly string[]): { feed: (keys: readonly TraceKey[], count: number) => void; rows: (accesses: number) => SimulationRow[] } {
  const points = policies.flatMap((policy) => capacities.map((size) => ({
    policy,
    size,
    cache: createBoundedCache<TraceKey, true>(resolvePolicy(policy), { max: size }) as BoundedCache<TraceKey, true>,
    hits: 0,
  })));
  return {
    feed(keys, count) {
      for (const point of points) {
        const cache = point.cache;
        let hits = 0;
        for (let i = 0; i < count; i++) {
          const key = keys[i]!;
          if (cache.get(key) === undefined) cache.set(key, true);
          else hits++;
        }
        point.hits += hits;
      }
    },
    rows: (accesses) => points.map(({ policy, size, hits }) => ({ policy, size, accesses, hits, hitRatio: accesses === 0 ? 0 : hits / accesses })),
  };
}

/** Replays keys held in memory (e.g. a `TraceRecorder` snapshot) through every (policy, size) pair. */
export function simulateKeys(keys: readonly TraceKey[], capacities: readonly number[], policies: readonly string[]): SimulationRow[] {
  const run = startSimulation([...new Set(capacities)], policies);
  run.feed(keys, keys.length);
  return run.rows(keys.length);
}
