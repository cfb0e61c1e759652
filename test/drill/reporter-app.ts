/**
 * The app of the reporter drill: memoized functions on the memory backend, reporting to the
 * editor named by CACHELENS_ENDPOINT (the runtime starts its reporter itself, here with a short
 * interval and backoff so the drill runs in seconds). Driven over stdin, one JSON object a line:
 *   in:  {"cmd":"work","calls":N}  out: {"expected":{id:{hits,misses}},"worstMs":W,"ms":T}
 *        (W: the slowest single call; T: the whole batch)
 *   in:  {"cmd":"done"}            closes stdin: the work is done, the process should exit by itself.
 * DRILL_FUNCTIONS: how many memoized functions share the calls (default 2).
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { memoize, startReporter } from '../../runtime/src/index.js';

void startReporter({ intervalMs: 50, backoff: { initialMs: 20, maxMs: 200 } });

const KEYS = 500;
/** Many functions make every batch of statistics large, so a stalled editor's socket fills up. */
const FUNCTIONS = Number(process.env.DRILL_FUNCTIONS ?? 2);
const fns: Record<string, (x: number) => unknown> = {};
for (let f = 0; f < FUNCTIONS; f++) {
  const id = `drill/reporter#f${f}`;
  fns[id] = memoize((x: number) => x * 2 + f, { id, max: 1000 });
}
const ids = Object.keys(fns);
const seen = new Map(ids.map((id) => [id, new Set<number>()]));
const expected: Record<string, { hits: number; misses: number }> = Object.fromEntries(ids.map((id) => [id, { hits: 0, misses: 0 }]));
let counter = 0;

function work(calls: number): { worstMs: number; ms: number } {
  const t0 = performance.now();
  let worstMs = 0;
  for (let i = 0; i < calls; i++) {
    const id = ids[i % ids.length] as string;
    const key = (counter++ * 7919) % KEYS;
    const c0 = performance.now();
    fns[id]!(key);
    worstMs = Math.max(worstMs, performance.now() - c0);
    const keys = seen.get(id) as Set<number>;
    if (keys.has(key)) expected[id]!.hits++;
    else {
      keys.add(key);
      expected[id]!.misses++;
    }
  }
  return { worstMs, ms: performance.now() - t0 };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line) as { cmd: string; calls?: number };
  if (message.cmd === 'work') process.stdout.write(`${JSON.stringify({ expected, ...work(message.calls ?? 0) })}\n`);
  else if (message.cmd === 'done') lines.close();
});
