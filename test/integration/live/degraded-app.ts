/**
 * A real app for the degraded-backend test (run as its own process, never imported): memoizes an
 * async function (id: DEGRADED_ID) on the Redis backend "shared" of CACHELENS_CONFIG, reports to
 * CACHELENS_ENDPOINT (short interval), and calls the function in a loop, checking every answer. Driven over stdin/stdout, one JSON object a line:
 *   in:  {"cmd":"report"}   out: {"calls":N,"wrong":N,"threw":N,"slowestMs":ms,"hits":N,"misses":N,"health":"ok"|"degraded"}
 *   in:  {"cmd":"reset"}    out: the same, then zeroes calls/wrong/threw/slowestMs
 *   in:  {"cmd":"pause"} / {"cmd":"resume"}   out: the same; stops / restarts the calls (an idle app)
 *   in:  {"cmd":"exit"}     stops the loop; the process must then exit on its own
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { cacheOf, memoize, registry, startReporter } from '../../../runtime/src/index.js';

/** The memoized function's id, given by the test. */
const DEGRADED_ID = process.env.DEGRADED_ID ?? 'test/degraded-app.ts#price';
void startReporter({ intervalMs: 50, backoff: { initialMs: 20, maxMs: 100 } });

const price = memoize(async (n: number) => n * 2, { id: DEGRADED_ID, backend: 'shared', ttl: '10m' });
let calls = 0;
let wrong = 0;
let threw = 0;
let slowestMs = 0;
let running = true;
let paused = false;

async function loop(): Promise<void> {
  let i = 0;
  while (running) {
    if (paused) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const n = i++ % 20;
    const t0 = performance.now();
    try {
      if ((await price(n)) !== n * 2) wrong++;
    } catch {
      threw++;
    }
    slowestMs = Math.max(slowestMs, performance.now() - t0);
    calls++;
    await new Promise((r) => setTimeout(r, 5));
  }
}
void loop();

function report(): string {
  const stats = cacheOf(price).stats();
  const health = registry.list().find((f) => f.id === DEGRADED_ID)?.health() ?? 'missing';
  return JSON.stringify({ calls, wrong, threw, slowestMs, hits: stats.hits, misses: stats.misses, health });
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { cmd } = JSON.parse(line) as { cmd: string };
  if (cmd === 'report' || cmd === 'reset' || cmd === 'pause' || cmd === 'resume') {
    if (cmd === 'pause') paused = true;
    if (cmd === 'resume') paused = false;
    process.stdout.write(`${report()}\n`);
    if (cmd === 'reset') calls = wrong = threw = slowestMs = 0;
  } else if (cmd === 'exit') {
    running = false;
    lines.close();
  }
});
