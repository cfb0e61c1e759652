// The Python runtime's speed claims (issue 16), measured side by side in one run with Debian's
// /usr/bin/python3 and PYTHONPATH=python/src:
//
// 1. Hit overhead: bench/python-hit.py (memoize vs functools.lru_cache vs cachetools.cached, with
//    and without a TTL, interleaved rounds), once with the optional C hit path built into a
//    temporary folder (python/setup.py build_ext --build-lib, never in the source tree) and once
//    with CACHELENS_PURE_PYTHON=1.
// 2. Reporter overhead: one bench/python-reporter.py process per hit path (a memoized one-argument
//    function, every call a hit) that switches, round by round, between CACHELENS_ENDPOINT set with
//    its reporter connected to the extension's real server (extension/src/server, in this process)
//    and no endpoint, no reporter; interleaved rounds, the order alternating each round. Afterwards
//    the server's hit count for each function must equal the process's own.
//
// Usage: node bench/python.bench.mjs [--rounds 60] [--calls 50000] [--reporter-rounds 21]
//        [--reporter-seconds 0.5] [--no-write]
// Writes docs/benchmarks-python.md (unless --no-write; `node bench/run.mjs --fold-only` folds it
// into docs/benchmarks.md) and prints the same text. Not a test: it measures and reports.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!(value > 0)) {
    console.error(`--${name} ${argv[i + 1] ?? ''}: give a positive number (default ${fallback})`);
    process.exit(2);
  }
  return value;
};
const ROUNDS = option('rounds', 60);
const CALLS = option('calls', 50000);
const REPORTER_ROUNDS = option('reporter-rounds', 21);
const REPORTER_SECONDS = option('reporter-seconds', 0.5);
const PYTHON = '/usr/bin/python3';
const SRC = path.join(root, 'python', 'src');

const uptime = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim().replace(/^.*load average/, 'load average');
const pyEnv = (extra) => {
  const env = { ...process.env, PYTHONPATH: SRC, ...extra };
  delete env.CACHELENS_CONFIG;
  if (!extra.CACHELENS_ENDPOINT) delete env.CACHELENS_ENDPOINT;
  if (!extra.CACHELENS_PURE_PYTHON) delete env.CACHELENS_PURE_PYTHON;
  return env;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const loads = [];

// ---- the C hit path, built outside the source tree ----------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-pybench-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true })); // also when a check below throws
const built = spawnSync(PYTHON, ['setup.py', '-q', 'build_ext', '--build-lib', tmp, '--build-temp', path.join(tmp, 't')], {
  cwd: path.join(root, 'python'),
  encoding: 'utf8',
  timeout: 300_000,
});
const cBuilt = built.status === 0 && fs.existsSync(path.join(tmp, 'cachelens')) && fs.readdirSync(path.join(tmp, 'cachelens')).some((f) => /^_speedups.*\.so$/.test(f));
if (!cBuilt) console.error(`the C hit path did not build (gcc and python3-dev needed); only the pure-Python path runs:\n${(built.stderr ?? '').slice(-1500)}`);
const paths = [
  ...(cBuilt ? [{ name: 'C', args: ['--speedups', tmp], env: {} }] : []),
  { name: 'pure Python', args: [], env: { CACHELENS_PURE_PYTHON: '1' } },
];

// ---- 1. hit overhead ------------------------------------------------------------------------------
const hit = {};
for (const p of paths) {
  const load = uptime();
  const args = [path.join(root, 'bench', 'python-hit.py'), '--rounds', String(ROUNDS), '--calls', String(CALLS), '--json', ...p.args];
  console.log(`\n--- ${PYTHON} bench/python-hit.py (${p.name} hit path), ${load}`);
  const r = spawnSync(PYTHON, args, { cwd: root, env: pyEnv(p.env), encoding: 'utf8', timeout: 170_000 });
  process.stdout.write((r.stdout ?? '').trim().split('\n').slice(0, -1).join('\n') + '\n');
  if (r.status !== 0) {
    console.error(`bench/python-hit.py failed (${p.name}): ${r.stderr}`);
    process.exit(1);
  }
  hit[p.name] = JSON.parse(r.stdout.trim().split('\n').pop());
  if ((p.name === 'C') !== hit[p.name].hit_path.startsWith('C')) throw new Error(`asked for the ${p.name} hit path, got ${hit[p.name].hit_path}`);
  loads.push(`hit overhead, ${p.name} hit path: before: ${load}; after: ${uptime()}`);
}

// ---- 2. reporter overhead -------------------------------------------------------------------------
const { LiveServer } = await tsImport('../extension/src/server/server.ts', import.meta.url);
const server = new LiveServer();
await server.start();

function worker(p) {
  const id = `bench/python-reporter.py#prices (${p.name})`;
  const child = spawn(PYTHON, [path.join(root, 'bench', 'python-reporter.py'), '--id', id, '--endpoint', server.endpoint, ...p.args], {
    cwd: root,
    env: pyEnv(p.env),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const queue = [];
  const waiting = [];
  lines.on('line', (line) => (waiting.length ? waiting.shift()(line) : queue.push(line)));
  const next = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${id}: no answer within 60 s`)), 60_000);
      const take = (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      };
      if (queue.length) take(queue.shift());
      else waiting.push(take);
    });
  const ask = async (request) => {
    child.stdin.write(`${JSON.stringify(request)}\n`);
    return next();
  };
  return { id, path: p.name, child, next, ask, on: false, ns: { none: [], connected: [] }, cpu: { none: [], connected: [] }, calls: 0 };
}

const workers = paths.map((p) => worker(p));
const reporterLoad = uptime();
for (const w of workers) {
  const ready = await w.next();
  if ((ready.hit_path === 'C') !== (w.path === 'C')) throw new Error(`${w.id}: asked for the ${w.path} hit path, got ${ready.hit_path}`);
}
const setReporter = async (w, on) => {
  if (w.on === on) return;
  const r = await w.ask({ do: 'reporter', on });
  if ((r.reporter === 'open') !== on) throw new Error(`${w.id}: reporter ${r.reporter} after switching it ${on ? 'on' : 'off'}`);
  w.on = on;
};
// One unmeasured warm-up round each, then interleaved rounds: none/connected, then connected/none
// (so the reporter is switched once per round).
for (const w of workers) w.calls += (await w.ask({ do: 'round', seconds: REPORTER_SECONDS / 2 })).calls;
const ratios = Object.fromEntries(paths.map((p) => [p.name, []]));
const cpuRatios = Object.fromEntries(paths.map((p) => [p.name, []]));
let dropped = 0;
for (let round = 0; round < REPORTER_ROUNDS; round++) {
  for (const w of workers) {
    const thisRound = {};
    for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
      await setReporter(w, on);
      const r = await w.ask({ do: 'round', seconds: REPORTER_SECONDS });
      if (on && r.reporter !== 'open') dropped++;
      const key = on ? 'connected' : 'none';
      w.ns[key].push(r.ns);
      w.cpu[key].push(r.cpu_ns);
      w.calls += r.calls;
      thisRound[key] = r;
    }
    ratios[w.path].push(thisRound.connected.ns / thisRound.none.ns);
    cpuRatios[w.path].push(thisRound.connected.cpu_ns / thisRound.none.cpu_ns);
  }
}
const reporterLoadAfter = uptime();
loads.push(`reporter overhead: before: ${reporterLoad}; after: ${reporterLoadAfter}`);
const exact = {};
for (const w of workers) {
  await setReporter(w, true); // the last batch carries the process's totals
  const end = await w.ask({ do: 'end' });
  if (end.hits !== w.calls || end.misses !== 1) throw new Error(`${w.id}: ${end.hits} hits and ${end.misses} misses, expected ${w.calls} and 1`);
  const deadline = Date.now() + 5000;
  let row;
  while (Date.now() < deadline && (row = server.aggregator.functions().find((f) => f.id === w.id))?.hits !== end.hits) await new Promise((r) => setTimeout(r, 50));
  exact[w.path] = { server: row?.hits ?? 0, process: end.hits };
}
const accepted = server.accepted;
await server.stop();

// Why the figures are what they are (read from the code; holds while call_path.py and _speedups.c do).
const NOTES = `### Why

- Every figure includes \`timeit\`'s loop and the call itself, as a Python developer would measure it. On a loaded
  machine wall-time figures include time other processes took: the best round is close to the undisturbed cost,
  the median ratio is the figure to compare within a run.
- The pure-Python hit path misses the lru_cache targets for a structural reason: \`functools.lru_cache\` answers
  a hit entirely in C, while the pure path is one generated Python function (\`python/src/cachelens/call_path.py\`):
  entering and leaving a Python frame is of the same order as lru_cache's whole hit, and the body then does a
  dict lookup, a store of the entry's recently-used flag and a closure counter increment. Little is left to
  remove in Python; the C hit path (\`cachelens._speedups\`) does the same work without the frame and meets the
  targets. The extension's vendored wheel (\`py3-none-any\`) is pure Python, so apps that use it run the pure path.
- A TTL costs one clock read per hit: \`time.monotonic()\` called from Python in the pure path, \`clock_gettime\`
  directly in the C path. On this VM (clocksource kvm-clock) a read costs tens of nanoseconds by itself, visible as
  the gap between the "memoize" and "memoize ttl=5m" rows of the C path.
- cachetools' \`cached\` is a Python wrapper that builds a key tuple (\`hashkey\`) and takes the cache's Python
  \`__getitem__\` (and, for \`TTLCache\`, its timer and links) on every hit, hence its 20-30× lru_cache.`;

// ---- the section ----------------------------------------------------------------------------------
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const names = ['functools.lru_cache', 'memoize', 'memoize ttl=5m', 'cachetools LRUCache', 'cachetools TTLCache'];
const hitRows = [];
const verdicts = [];
for (const p of paths) {
  const v = hit[p.name].variants;
  for (const name of names) {
    const x = v[name];
    const ct = x.vs ? `${f2(x.best_x_cachetools)} / ${f2(x.median_x_cachetools)} (vs ${x.vs.replace('cachetools ', '')})` : '';
    hitRows.push(`| ${p.name} | ${name} | ${f1(x.best_ns)} | ${f1(x.median_ns)} | ${f2(x.best_x_lru)} | ${f2(x.median_x_lru)} | ${ct} |`);
  }
  const m = v.memoize;
  const t = v['memoize ttl=5m'];
  // Judged on the median of the per-round ratios (the best round is shown beside it).
  const judge = (ratio, limit) => (ratio <= limit ? 'met' : `**NOT met**: ${f1((ratio / limit - 1) * 100)} % over`);
  verdicts.push(
    `- ${p.name} hit path, no TTL: ${f2(m.median_x_lru)}× lru_cache (best round ${f2(m.best_x_lru)}×; target ≤ 2×: ${judge(m.median_x_lru, 2)})`,
    `- ${p.name} hit path, TTL: ${f2(t.median_x_lru)}× lru_cache (best round ${f2(t.best_x_lru)}×; target ≤ 3×: ${judge(t.median_x_lru, 3)})`,
    `- ${p.name} hit path vs cachetools: ${f2(m.median_x_cachetools)}× LRUCache, ${f2(t.median_x_cachetools)}× TTLCache (target < 1×: ${judge(Math.max(m.median_x_cachetools, t.median_x_cachetools), 1)})`,
  );
}
const reporterRows = [];
for (const p of paths) {
  const w = workers.find((x) => x.path === p.name);
  const none = { ns: w.ns.none, cpu: w.cpu.none };
  const connected = { ns: w.ns.connected, cpu: w.cpu.connected };
  const overhead = (median(ratios[p.name]) - 1) * 100;
  const cpuOverhead = (median(cpuRatios[p.name]) - 1) * 100;
  const pct = (x) => `${x >= 0 ? '+' : ''}${f1(x)} %`;
  reporterRows.push(
    `| ${p.name} | no endpoint | ${f1(Math.min(...none.ns))} | ${f1(median(none.ns))} | | ${f1(median(none.cpu))} | |`,
    `| ${p.name} | connected | ${f1(Math.min(...connected.ns))} | ${f1(median(connected.ns))} | ${pct(overhead)} | ${f1(median(connected.cpu))} | ${pct(cpuOverhead)} |`,
  );
  verdicts.push(
    `- ${p.name} hit path, reporter connected vs none: ${pct(overhead)} wall time, ${pct(cpuOverhead)} process CPU (medians of the per-round ratios; target within 5 %: ${Math.max(overhead, cpuOverhead) <= 5 ? 'met' : `**NOT met**: ${f1(Math.max(overhead, cpuOverhead) - 5)} points over`})`,
  );
}
const py = hit[paths[0].name];
const command = `node bench/python.bench.mjs --rounds ${ROUNDS} --calls ${CALLS} --reporter-rounds ${REPORTER_ROUNDS} --reporter-seconds ${REPORTER_SECONDS}`;
const text = `## Python runtime: hit overhead and reporter overhead

Generated by \`${command}\` (part of \`npm run bench\`) on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores),
Python ${py.python} (${py.executable}, \`PYTHONPATH=python/src\`), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.
It runs, one after the other:

\`\`\`sh
cd python && ${PYTHON} setup.py -q build_ext --build-lib $TMP --build-temp $TMP/t   # the C hit path, outside the source tree
PYTHONPATH=python/src ${PYTHON} bench/python-hit.py --rounds ${ROUNDS} --calls ${CALLS} --json --speedups $TMP
PYTHONPATH=python/src CACHELENS_PURE_PYTHON=1 ${PYTHON} bench/python-hit.py --rounds ${ROUNDS} --calls ${CALLS} --json
PYTHONPATH=python/src ${PYTHON} bench/python-reporter.py --id ... --endpoint <the real server's> [--speedups $TMP]   # one per hit path, driven round by round
\`\`\`
${cBuilt ? '' : '\nThe C hit path did not build on this machine (gcc and python3-dev are needed): only the pure-Python rows ran.\n'}
Machine load (\`uptime\`) during each part (the machine is shared; figures move with it):

${loads.map((l) => `- ${l}`).join('\n')}

### Hit overhead vs functools.lru_cache and cachetools

One \`str\` argument, always a hit, statistics on (they always are in \`@memoize\`); \`max=1000\` for every cache,
\`ttl="5m"\` / \`TTLCache(ttl=300)\` for the TTL rows. ${ROUNDS} rounds × ${CALLS} calls per variant, the variants
interleaved in each round. "best" is the least-disturbed round; "median ×" is the median over rounds of the
ratio within the same round (what a loaded machine gives).

| hit path | variant | best ns/call | median ns/call | best × lru_cache | median × lru_cache | × cachetools, best / median |
| --- | --- | ---: | ---: | ---: | ---: | --- |
${hitRows.join('\n')}

### Reporter overhead on the hit path

\`@memoize(max=1000)\` on a one-argument function, every call a hit, in one process per hit path that stays alive
for the whole measure and switches between the two cases each round: \`CACHELENS_ENDPOINT\` set and the reporter
connected to the extension's real server (in the bench's Node process; a batch every 250 ms while the function's
hits change), and no endpoint, no reporter (stopped, the variable unset). One process, because two processes doing
the same work differed by ~9 % in a trial run, more than the 5 % to be measured. ${REPORTER_ROUNDS} rounds of ${REPORTER_SECONDS} s
per case, the order alternating each round; the overhead is the median of the per-round ratios, in
wall time (what the app sees) and in the process's CPU time (all its threads, the reporter's included; other
processes preempting it do not count there, so it is the steadier figure on a loaded machine). The
server accepted ${accepted} messages; its hit count equals the process's own: ${Object.entries(exact).map(([k, e]) => `${k} ${e.server === e.process ? 'yes' : 'NO'} (${e.server} / ${e.process})`).join(', ')}; rounds where the
connection was not open: ${dropped}.

| hit path | reporter | best wall ns/call | median wall ns/call | wall overhead (median ratio) | median CPU ns/call | CPU overhead (median ratio) |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${reporterRows.join('\n')}

### Targets

${verdicts.join('\n')}

${NOTES}
`;
console.log(`\n${text}`);
if (!argv.includes('--no-write')) {
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks-python.md'), text);
  console.log('wrote docs/benchmarks-python.md');
}
