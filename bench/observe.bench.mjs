// Observe mode's per-call overhead, in one run: the same module loaded twice, as written and as
// observe mode rewrites it (the built runtime's `instrument`, with the real observer installed as
// `cachelens/observe` installs it), each function called in alternating rounds. Prints ns/call
// for both, the overhead in ns per call and the ratio, with the machine's load.
//
// Usage: npm run build -w cachelens && node bench/observe.bench.mjs [--rounds 7] [--calls 1000000] [--no-write]
// Writes docs/benchmarks-observe.md (unless --no-write; `npm run bench` folds it into docs/benchmarks.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const ROUNDS = option('rounds', 7);
const CALLS = option('calls', 1_000_000);

const dist = path.join(root, 'runtime', 'dist', 'cjs', 'observe');
if (!fs.existsSync(path.join(dist, 'transform.js'))) {
  console.error('runtime/dist is missing: run `npm run build -w cachelens` first.');
  process.exit(1);
}
const { instrument } = require(path.join(dist, 'transform.js'));
const { Observer } = require(path.join(dist, 'observer.js'));
globalThis[Symbol.for('cachelens.observe')] = new Observer();

// Three shapes: a tiny function (the worst case: overhead is all there is), one that does ~1 µs
// of work, and an async one. Arguments cycle through 100 distinct values, as in memoize.bench.
const SOURCE = `
function tiny(n) { return n * 2 + 1; }
function work(n) { let s = 0; for (let i = 0; i < 200; i++) s += (n ^ i) & 7; return s; }
async function later(n) { return n + 1; }
module.exports = { tiny, work, later };
`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-observe-bench-'));
fs.writeFileSync(path.join(dir, 'plain.cjs'), SOURCE);
fs.writeFileSync(path.join(dir, 'observed.cjs'), instrument(SOURCE, 'observed.cjs', 'script').code);
const plain = require(path.join(dir, 'plain.cjs'));
const observed = require(path.join(dir, 'observed.cjs'));
fs.rmSync(dir, { recursive: true, force: true });

function timeSync(fn, calls) {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += fn(i % 100);
  const ns = Number(process.hrtime.bigint() - start) / calls;
  if (sink === -1) console.log(sink);
  return ns;
}

async function timeAsync(fn, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn(i % 100);
  return Number(process.hrtime.bigint() - start) / calls;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cases = [
  ['tiny (n * 2 + 1)', (m) => (calls) => timeSync(m.tiny, calls), CALLS],
  ['~1 µs of work', (m) => (calls) => timeSync(m.work, calls), CALLS / 10],
  ['async (awaited)', (m) => (calls) => timeAsync(m.later, calls), CALLS / 10],
];
const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`observe mode overhead, node ${process.version}, load ${load}, ${ROUNDS} alternating rounds, median`);
console.log('case                 plain ns/call  observed ns/call  overhead ns  ratio');
const table = ['| function | as written, ns/call | observed, ns/call | overhead, ns/call | ratio |', '| --- | ---: | ---: | ---: | ---: |'];
for (const [name, make, calls] of cases) {
  const p = [];
  const o = [];
  for (let r = 0; r < ROUNDS; r++) {
    p.push(await make(plain)(calls));
    o.push(await make(observed)(calls));
  }
  const a = median(p);
  const b = median(o);
  console.log(`${name.padEnd(20)} ${a.toFixed(1).padStart(13)} ${b.toFixed(1).padStart(17)} ${(b - a).toFixed(1).padStart(12)} ${(b / a).toFixed(2).padStart(6)}x`);
  table.push(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b - a).toFixed(1)} | ${(b / a).toFixed(2)}x |`);
}
if (!argv.includes('--no-write')) {
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks-observe.md'), [
    '## Observe mode (`cachelens/observe`): per-call overhead',
    '',
    `The same module as written and as observe mode rewrites it, called in alternating rounds (${ROUNDS}, median), arguments cycling over 100 values; Node ${process.version}, load ${load} (${os.cpus().length} cores).`,
    'Per call, observe mode counts the call, hashes the arguments (one number or string directly, anything else by its canonical text) and',
    'looks the hash up in a bounded table; it reads the clock on the first 100 calls of each function, then on 1 in 16 at random (a clock read',
    'cost up to ~450 ns on the machine measured), and the async case adds one promise reaction. A ratio under 1 is noise: the',
    'difference is below what the machine resolves (the JIT compiles the two copies on their own). `bench/observe.bench.mjs`.',
    '',
    ...table,
    '',
  ].join('\n'));
}
const [tiny] = globalThis[Symbol.for('cachelens.observe')].snapshot();
console.log(`(check: ${tiny.id} counted ${tiny.calls} calls, ${tiny.repeats} repeats)`);
