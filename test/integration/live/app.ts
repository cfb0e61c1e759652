/**
 * A real app for the live integration test: memoizes functions with the runtime and hammers them
 * on command. Driven over stdin/stdout, one JSON object a line:
 *   in:  {"cmd":"hammer","calls":N}   out: {"done":true,"expected":{id:{hits,misses}},"runtime":{id:{hits,misses}}}
 *   in:  {"cmd":"exit"}
 * With LIVE_FAST=1 it starts the reporter itself with a short interval and backoff (reconnect tests);
 * otherwise the runtime starts it on its own from CACHELENS_ENDPOINT.
 */
import { createInterface } from 'node:readline';
import { memoize, registry, startReporter } from '../../../runtime/src/index.js';

if (process.env.LIVE_FAST === '1') void startReporter({ intervalMs: 50, backoff: { initialMs: 20, maxMs: 100 } });

const KEYS = Number(process.env.LIVE_KEYS ?? 50);
const fns = {
  'test/app.ts#double': memoize((x: number) => x * 2, { id: 'test/app.ts#double', max: 100_000 }),
  'test/app.ts#square': memoize((x: number) => x * x, { id: 'test/app.ts#square', max: 100_000 }),
  'test/app.ts#label': memoize((x: number) => `#${x}`, { id: 'test/app.ts#label', max: 100_000 }),
};
// What the app itself counts: the first call of a key misses, every later one hits.
const seen = new Map<string, Set<number>>();
const expected: Record<string, { hits: number; misses: number }> = {};
for (const id of Object.keys(fns)) {
  seen.set(id, new Set());
  expected[id] = { hits: 0, misses: 0 };
}
let counter = 0;

function hammer(calls: number): void {
  const ids = Object.keys(fns) as (keyof typeof fns)[];
  for (let i = 0; i < calls; i++) {
    const id = ids[i % ids.length]!;
    const key = (counter++ * 7919) % KEYS;
    (fns[id] as (x: number) => unknown)(key);
    const keys = seen.get(id)!;
    if (keys.has(key)) expected[id]!.hits++;
    else {
      keys.add(key);
      expected[id]!.misses++;
    }
  }
}

function runtimeCounts(): Record<string, { hits: number; misses: number }> {
  return Object.fromEntries(registry.list().map((f) => [f.id, { hits: f.stats().hits, misses: f.stats().misses }]));
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line) as { cmd: string; calls?: number };
  if (message.cmd === 'hammer') {
    hammer(message.calls ?? 0);
    process.stdout.write(`${JSON.stringify({ done: true, expected, runtime: runtimeCounts() })}\n`);
  } else if (message.cmd === 'exit') {
    lines.close();
  }
});
