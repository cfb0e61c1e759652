// Cost of the live reporter on the memoize hit path: the same app (bench/reporter-app.mjs, ten
// memoized functions called at a paced one million calls per second) with no endpoint, and with
// the reporter connected to the real CacheLens server, in fresh processes, alternating, ROUNDS
// times each. Compares the medians; the claim is "within 5 %".
//
// Second part, the server under load: 50 processes x 1,000 functions, every counter changing, 4
// batches a second each (bench/reporter-load.mjs, in its own process), into the real server, while
// this process also builds the panel's snapshot 4 times a second as the extension does. Reports
// the server process's CPU and event-loop delay, and checks the totals.
//
// Usage: npm run build -w cachelens && node bench/reporter.bench.mjs [--rounds 7] [--seconds 4] [--no-write]
// Writes docs/benchmarks-reporter.md (unless --no-write) and prints the same table.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const ROUNDS = option('rounds', 7);
const SECONDS = option('seconds', 4);

if (!fs.existsSync(path.join(root, 'runtime', 'dist', 'esm', 'index.mjs'))) {
  console.error('runtime/dist is missing: run `npm run build -w cachelens` first.');
  process.exit(1);
}
const { LiveServer } = await tsImport('../extension/src/server/server.ts', import.meta.url);
const server = new LiveServer();
await server.start();

function run(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bench', 'reporter-app.mjs')], {
      env: { ...process.env, CACHELENS_ENDPOINT: '', BENCH_SECONDS: String(SECONDS), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`app exited with ${code}`))));
  });
}

const results = { none: [], connected: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, env] of round % 2 === 0 ? [['none', {}], ['connected', server.environment]] : [['connected', server.environment], ['none', {}]]) {
    const r = await run(env);
    if (r.reporter !== name) throw new Error(`expected reporter ${name}, got ${r.reporter}`);
    results[name].push(r);
  }
}
const batches = server.accepted;
await server.stop();

// ---- the server under load ----------------------------------------------------------------------
const LOAD = { processes: 50, functions: 1000, seconds: option('load-seconds', 10) };
const loadServer = new LiveServer();
await loadServer.start();
const load = spawn(process.execPath, [path.join(root, 'bench', 'reporter-load.mjs')], {
  env: { ...process.env, ...loadServer.environment, LOAD_PROCESSES: String(LOAD.processes), LOAD_FUNCTIONS: String(LOAD.functions), LOAD_SECONDS: String(LOAD.seconds) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const loadLines = createInterface({ input: load.stdout });
const nextLine = () => new Promise((resolve) => loadLines.once('line', resolve));
await nextLine(); // ready
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
let snapshotBytes = 0;
const panelTimer = setInterval(() => {
  // What the panel host does 4 times a second: build the snapshot and serialize it for postMessage.
  const agg = loadServer.aggregator;
  snapshotBytes = JSON.stringify({ processes: agg.processes(), functions: agg.functions() }).length;
}, 250);
const { rounds } = JSON.parse(await nextLine());
clearInterval(panelTimer);
const loadWall = performance.now() - wallStart;
const loadCpu = process.cpuUsage(cpuStart);
delay.disable();
const rows = loadServer.aggregator.functions();
const exact = rows.length === LOAD.functions && rows.every((r) => r.hits === rounds * 30 * LOAD.processes && r.misses === rounds * 3 * LOAD.processes);
const dropped = Object.values(loadServer.rejections).reduce((a, b) => a + b, 0);
const loadAccepted = loadServer.accepted;
await loadServer.stop();
const loadResult = {
  cpu: ((loadCpu.user + loadCpu.system) / 1000 / loadWall) * 100,
  p50: delay.percentile(50) / 1e6,
  p99: delay.percentile(99) / 1e6,
  max: delay.max / 1e6,
  perSecond: (loadAccepted / loadWall) * 1000,
};
const loadTable = [
  '| processes × functions | batches/s | messages/s handled | server CPU (one core) | event-loop delay p50 / p99 / max | panel snapshot | totals exact, nothing dropped |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  `| ${LOAD.processes} × ${LOAD.functions} | ${LOAD.processes * 4} | ${loadResult.perSecond.toFixed(0)} | ${loadResult.cpu.toFixed(1)} % | ${loadResult.p50.toFixed(1)} / ${loadResult.p99.toFixed(1)} / ${loadResult.max.toFixed(1)} ms | ${(snapshotBytes / 1024).toFixed(0)} KB | ${exact && dropped === 0 ? 'yes' : 'NO'} |`,
].join('\n');

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const summary = (name) => ({
  ns: median(results[name].map((r) => r.medianNsPerCall)),
  p90: median(results[name].map((r) => r.p90NsPerCall)),
  cpu: median(results[name].map((r) => r.cpuPercent)),
  rate: median(results[name].map((r) => r.callsPerSecond)),
});
const none = summary('none');
const connected = summary('connected');
const overhead = (connected.ns / none.ns - 1) * 100;
const verdict = overhead <= 5 ? 'within 5 %' : 'NOT within 5 %';

const row = (label, s) => `| ${label} | ${s.ns.toFixed(1)} | ${s.p90.toFixed(1)} | ${(s.rate / 1e6).toFixed(2)} M | ${s.cpu.toFixed(1)} % |`;
const table = [
  '| reporter | median ns/call | p90 ns/call | calls/s | process CPU |',
  '| --- | ---: | ---: | ---: | ---: |',
  row('no endpoint', none),
  row('connected', connected),
].join('\n');
const text = `# Benchmark: the live reporter on the hit path

Generated by \`node bench/reporter.bench.mjs\` (${ROUNDS} rounds × ${SECONDS} s per case, fresh process per run,
cases alternating) on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.

The app memoizes ten functions with the built runtime and calls them at a paced one million calls
per second (10 000 cached calls every 10 ms, timed slice by slice). "connected" runs the same app
with \`CACHELENS_ENDPOINT\` pointing at the real CacheLens server: the runtime starts its reporter,
which sends a batch every 250 ms between slices. Figures are medians over the runs of each run's
median (and 90th percentile) slice.

${table}

Hit path with the reporter connected vs no endpoint: **${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)} %** (${verdict}).
The server accepted ${batches} messages over the connected runs.

## The server under load

${LOAD.seconds} s of ${LOAD.processes} simulated processes × ${LOAD.functions} functions, every counter of every
function changing in every batch, 4 batches a second each (two 500-entry messages per batch), from
\`bench/reporter-load.mjs\` in its own process, into the real server; the bench process also builds
and serializes the panel's snapshot 4 times a second, as the extension host does.

${loadTable}

The extension host runs this work; the editor's UI runs in another process. The event-loop delay is
what any other extension on the same host would notice.

Why the reporter costs (next to) nothing: the call path only bumps plain number fields, as it does without a
reporter; the reporter reads snapshots on an unref'd 250 ms timer, sends only the functions whose
figures changed, and holds no queue. "process CPU" includes that timer's work.
`;
console.log(table);
console.log(`\nhit path overhead with the reporter connected: ${overhead.toFixed(1)} % (${verdict})\n`);
console.log(loadTable);
if (!argv.includes('--no-write')) {
  fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks-reporter.md'), text);
  console.log('wrote docs/benchmarks-reporter.md');
}
