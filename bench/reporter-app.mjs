// The measured app of bench/reporter.bench.mjs: memoizes FUNCTIONS functions with the built
// runtime, warms them, then calls them at a paced ~1M calls/s (SLICE calls every 10 ms) for
// SECONDS, timing each slice. With CACHELENS_ENDPOINT set the runtime's reporter is connected and
// sends its batches between slices, as in a real app. Prints one JSON line of results.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { memoize, currentReporter } = await import(path.join(root, 'runtime', 'dist', 'esm', 'index.mjs'));

const FUNCTIONS = 10;
const DISTINCT = 100;
const SLICE = 10_000; // calls per 10 ms slice: 1M calls/s
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

const fns = Array.from({ length: FUNCTIONS }, (_, i) => memoize((x) => x * 2 + i, { id: `bench/app.mjs#f${i}`, max: 1000 }));
let sink = 0;
function slice() {
  for (let i = 0; i < SLICE; i++) sink += fns[i % FUNCTIONS](i % DISTINCT);
}
for (let i = 0; i < 200; i++) slice(); // warm: every key cached, JIT settled

const connected = () => currentReporter()?.state === 'open';
if (process.env.CACHELENS_ENDPOINT) {
  const deadline = Date.now() + 5000;
  while (!connected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  if (!connected()) throw new Error('the reporter did not connect');
}

const perCall = [];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const slices = (SECONDS * 1000) / 10;
for (let s = 0; s < slices; s++) {
  const start = performance.now();
  slice();
  perCall.push(((performance.now() - start) * 1e6) / SLICE);
  const next = t0 + (s + 1) * 10;
  await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
perCall.sort((a, b) => a - b);
console.log(JSON.stringify({
  reporter: connected() ? 'connected' : 'none',
  medianNsPerCall: perCall[perCall.length >> 1],
  p90NsPerCall: perCall[Math.floor(perCall.length * 0.9)],
  cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
  callsPerSecond: (slices * SLICE) / (wallMs / 1000),
  sink: sink > 0,
}));
process.exit(0);
