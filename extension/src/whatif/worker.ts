/**
 * The what-if worker: a `worker_threads` script (its own webpack entry, `dist/extension/whatif-worker.js`)
 * that replays recorded lookups through the simulator, so the extension host's thread never runs it.
 * In: `{ seq, job }`. Out: `{ seq, ok: true, curve }` or `{ seq, ok: false, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { computeCurve, type CurveJob } from './curve.js';

parentPort?.on('message', (message: { seq: number; job: CurveJob }) => {
  try {
    parentPort!.postMessage({ seq: message.seq, ok: true, curve: computeCurve(message.job) });
  } catch (error) {
    parentPort!.postMessage({ seq: message.seq, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
