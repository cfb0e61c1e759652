/**
 * An app for the exit tests: memoizes STALL_FUNCTIONS functions with long ids (so each report is
 * megabytes, enough to fill a stalled editor's socket buffers), calls them STALL_ROUNDS times, then
 * prints one line `{"done":<ms since the epoch>,"buffered":<unsent reporter bytes>}` and does nothing
 * more: nothing of the app's own keeps it alive after that line. Reporter diagnostics go to stderr.
 */
import { memoize, startReporter } from '../../../runtime/src/index.js';

const FUNCTIONS = Number(process.env.STALL_FUNCTIONS ?? 2000);
const ROUNDS = Number(process.env.STALL_ROUNDS ?? 20);
const reporting = startReporter({ intervalMs: 50, onError: (e) => process.stderr.write(`reporter: ${e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e)}\n`) });
const fns = Array.from({ length: FUNCTIONS }, (_, i) => memoize((x: number) => x + i, { id: `test/stall-app.ts#f${i}-${'x'.repeat(400)}` }));

let round = 0;
const timer = setInterval(() => {
  for (const f of fns) f(round);
  if (++round < ROUNDS) return;
  clearInterval(timer);
  void reporting.then((reporter) => {
    process.stdout.write(`${JSON.stringify({ done: Date.now(), buffered: reporter?.bufferedBytes, state: reporter?.state })}\n`);
  });
}, 50);
