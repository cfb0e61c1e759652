/**
 * What-if curves from a recording: the hit ratio a memoized function would have had at other
 * cache sizes and with other policies, by replaying its recorded key hashes through the
 * simulator. Kept apart from `recorder.ts` so that recording never loads the simulator.
 */
import { POLICY_NAMES } from '../policy/index.js';
import { TraceRecorderOptionError, type TraceRecorder } from './recorder.js';
import { simulateKeys } from './simulate.js';
import type { SimulationRow } from './simulate.js';

/** One point of a what-if curve. `size` is the real cache size asked about, in entries. */
export type WhatIfPoint = SimulationRow;

/**
 * Hit ratios of `policies` (default: the default policy and LRU) at each real cache `size`,
 * from a recording: simulated at `size * sampleRate` entries when the recording was sampled.
 * Synchronous and CPU-bound: callers in an editor run it off the main thread.
 */
export function whatIf(recorder: TraceRecorder, sizes: readonly number[], policies: readonly string[] = ['default', 'lru']): WhatIfPoint[] {
  return whatIfKeys(recorder.snapshot(), recorder.sampleRate, sizes, policies);
}

/**
 * `whatIf` over recorded key hashes (`TraceRecorder.snapshot()`, or `decodeHashes` of what a
 * process sent) taken at `sampleRate`. One row per (policy, size), policies in the order given,
 * sizes in the order given.
 */
export function whatIfKeys(keys: Int32Array, sampleRate: number, sizes: readonly number[], policies: readonly string[] = ['default', 'lru']): WhatIfPoint[] {
  for (const policy of policies) {
    if (policy !== 'default' && !(POLICY_NAMES as readonly string[]).includes(policy)) {
      throw new TraceRecorderOptionError(`whatIf: unknown policy ${JSON.stringify(policy)}; use default or one of ${POLICY_NAMES.join(', ')}.`);
    }
  }
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 1) throw new TraceRecorderOptionError(`whatIf: sizes are integers >= 1 (entries), got ${String(size)}.`);
  }
  const scaled = sizes.map((size) => Math.max(1, Math.round(size * sampleRate)));
  const rows = simulateKeys(Array.from(keys), scaled, policies);
  const byPoint = new Map(rows.map((row) => [`${row.policy}\u0000${row.size}`, row]));
  return policies.flatMap((policy) => sizes.map((size, i) => ({ ...byPoint.get(`${policy}\u0000${scaled[i]!}`)!, size })));
}
