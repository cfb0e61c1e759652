/**
 * The "What if?" action of the panel, host side: ask a connected process for the function's
 * recorded lookups (`trace-request`), replay them in the worker, and say what the curve means.
 * Free of `vscode` (tested under plain Node); loaded on first use only.
 */
import type { WhatIfView } from '../../../protocol/panel.js';
import type { LiveServer } from '../server/server.js';
import type { CurveWorker } from './runner.js';

/** How to turn recording on, for the panel. */
export function howToTrace(id: string): string {
  return `No trace is recorded for ${id}. Start the app with CACHELENS_TRACE=1 (every cached function records its lookups), ` +
    `or add trace: true to this function's memoize options; call it for a while, then click What if? again.`;
}

/** The what-if view of function `id`, from the connected process that called it most. Never rejects. */
export async function whatIfView(server: LiveServer, worker: CurveWorker, id: string): Promise<WhatIfView> {
  const rows = server.aggregator.functionByProcess(id).filter((row) => row.connected).sort((a, b) => b.hits + b.misses - (a.hits + a.misses));
  const row = rows[0];
  if (!row) return { state: 'error', text: `No connected process runs ${id}: start the app, then ask again.` };
  const answer = await server.trace(row.key, id);
  if (answer.type === 'result') return { state: 'error', text: `${row.app} (pid ${row.pid}) did not send a trace of ${id}: ${answer.error ?? 'no reason given'}.` };
  if (!answer.recording) return { state: 'off', text: howToTrace(id) };
  if (answer.count === 0) return { state: 'off', text: `${id} records its lookups, but none yet: call it for a while, then click What if? again.` };
  try {
    const curve = await worker.compute({ hashes: answer.hashes, sampleRate: answer.sampleRate, seen: answer.seen, max: answer.max, ...(answer.times !== undefined ? { times: answer.times } : {}), ...(answer.ttlMs !== undefined ? { ttlMs: answer.ttlMs } : {}) });
    const sampled = answer.sampleRate < 1 ? `, keys sampled at ${Math.round(answer.sampleRate * 1000) / 10}%` : '';
    const others = rows.length > 1 ? ` (the busiest of ${rows.length} processes)` : '';
    return {
      state: 'ready',
      text: `Replayed ${curve.accesses.toLocaleString('en-US')} recorded lookups of ${row.app} (pid ${row.pid})${others}${sampled} through the simulator.`,
      curve,
    };
  } catch (error) {
    return { state: 'error', text: `Could not compute the curve of ${id}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
