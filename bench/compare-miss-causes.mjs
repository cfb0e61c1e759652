// The cost of classifying misses (runtime/src/stats-causes.ts), against the runtime before it,
// in one process and one run: the hit path (100 cached keys, one number argument) and a 90%-miss
// workload (10% of calls on 100 hot keys, 90% on a rotating range of 100,000 keys through a
// cache of 1,000: evictions and first uses), each in ns/call, rounds interleaved so that both
// builds see the same machine load. Prints the medians and the ratio (this tree / baseline).
//
// Usage: npm run build -w cachelens
//        node bench/compare-miss-causes.mjs --base /path/to/baseline/runtime/dist/cjs/index.js [--rounds 15] [--calls 2000000]
// (a baseline: `git archive <commit> runtime | tar -x -C DIR`, then `tsc -b DIR/runtime`).
import path from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const ROUNDS = Number(option('rounds', 15));
const CALLS = Number(option('calls', 2_000_000));
const basePath = option('base', undefined);
if (basePath === undefined) {
  console.error('Pass --base PATH: the baseline build of the runtime (its dist/cjs/index.js).');
  process.exit(1);
}
const builds = {
  baseline: require(path.resolve(basePath)),
  current: require(path.join(root, 'runtime', 'dist', 'cjs', 'index.js')),
};

const oneNumber = (x) => x * 2 + 1;
let sink = 0;

const cases = {
  hit: (memoize) => {
    const f = memoize(oneNumber, { id: `bench-hit-${Math.random()}` });
    for (let k = 0; k < 100; k++) f(k);
    return (n) => {
      for (let i = 0; i < n; i++) sink += f(i % 100);
    };
  },
  miss90: (memoize) => {
    const f = memoize(oneNumber, { id: `bench-miss-${Math.random()}`, max: 1000 });
    let cold = 0;
    return (n) => {
      for (let i = 0; i < n; i++) {
        if (i % 10 === 0) sink += f(i % 100);
        else {
          cold = cold === 99_999 ? 0 : cold + 1;
          sink += f(1000 + cold);
        }
      }
    };
  },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = {};
for (const [name, make] of Object.entries(cases)) {
  const loops = Object.fromEntries(Object.entries(builds).map(([b, m]) => [b, make(m.memoize)]));
  for (const loop of Object.values(loops)) loop(CALLS / 4); // warm up: optimized before measuring
  const times = { baseline: [], current: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline'];
    for (const b of order) {
      const t0 = process.hrtime.bigint();
      loops[b](CALLS);
      times[b].push(Number(process.hrtime.bigint() - t0) / CALLS);
    }
  }
  const ratios = times.current.map((t, i) => t / times.baseline[i]);
  results[name] = { baseline: median(times.baseline), current: median(times.current), ratio: median(ratios), spread: [Math.min(...ratios), Math.max(...ratios)] };
}
console.log(`node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${ROUNDS} rounds x ${CALLS} calls (sink ${sink > 0})`);
console.log('case    baseline ns/call  current ns/call  ratio (median of per-round ratios)  [min, max]');
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(8)}${r.baseline.toFixed(1).padStart(16)}${r.current.toFixed(1).padStart(17)}${r.ratio.toFixed(3).padStart(12)}  [${r.spread.map((x) => x.toFixed(3)).join(', ')}]`);
}
