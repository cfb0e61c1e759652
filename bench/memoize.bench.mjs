// Hit overhead of memoizers, in ns/call, side by side in one run: cachelens (built package, with
// its statistics on, as always), the popular JavaScript memoizers and a hand-written Map memo
// (the floor). Every case cycles through 100 distinct, already cached arguments, so libraries
// that scan a list of keys pay for it as they would in an app.
//
// Usage: npm run build -w cachelens && node bench/memoize.bench.mjs [--rounds 9] [--calls 1000000] [--no-write]
// Writes docs/benchmarks-memoize.md (unless --no-write) and prints the same table.
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
const ROUNDS = option('rounds', 9);
const CALLS = option('calls', 1_000_000);
const DISTINCT = 100;
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? argv[onlyIndex + 1].split(',') : undefined;

const dist = path.join(root, 'runtime', 'dist', 'esm', 'index.mjs');
if (!fs.existsSync(dist)) {
  console.error('runtime/dist is missing: run `npm run build -w cachelens` first.');
  process.exit(1);
}
const { memoize: cachelens } = await import(dist);
const moize = require('moize');
const microMemoize = require('micro-memoize');
const fastMemoize = require('fast-memoize');
const memoizee = require('memoizee');
const lodashMemoize = require('lodash.memoize');
const { default: mem } = await import('mem');
const { default: pMemoize } = await import('p-memoize');
const microMemoizeFn = microMemoize.memoize ?? microMemoize.default ?? microMemoize;
const moizeFn = moize.default ?? moize;

// ---- the functions being memoized -------------------------------------------------------------
const oneNumber = (x) => x * 2 + 1;
const twoStrings = (a, b) => a.length * 31 + b.length;
const oneObject = (o) => o.id * 2 + o.kind.length;
const asyncFn = async (x) => x * 2 + 1;

// ---- the floor: hand-written Map memos ------------------------------------------------------------
const floor = {
  oneNumber: () => {
    const m = new Map();
    return (x) => {
      let v = m.get(x);
      if (v === undefined) { v = oneNumber(x); m.set(x, v); }
      return v;
    };
  },
  twoStrings: () => {
    const m = new Map();
    return (a, b) => {
      const k = a + '\u0000' + b;
      let v = m.get(k);
      if (v === undefined) { v = twoStrings(a, b); m.set(k, v); }
      return v;
    };
  },
  oneObject: () => {
    const m = new Map();
    return (o) => {
      const k = JSON.stringify(o);
      let v = m.get(k);
      if (v === undefined) { v = oneObject(o); m.set(k, v); }
      return v;
    };
  },
  async: () => {
    const m = new Map();
    return (x) => {
      let p = m.get(x);
      if (p === undefined) { p = asyncFn(x); m.set(x, p); }
      return p;
    };
  },
};

const json = (args) => JSON.stringify(args);
const MAX = 1000;
// Each library configured the way its documentation recommends for the case (bounded where it
// can be, value keys for the object case, promise mode for the async case).
const contenders = {
  'hand-written Map (floor)': floor,
  cachelens: {
    oneNumber: () => cachelens(oneNumber),
    twoStrings: () => cachelens(twoStrings),
    oneObject: () => cachelens(oneObject),
    async: () => cachelens(asyncFn),
  },
  moize: {
    oneNumber: () => moizeFn(oneNumber, { maxSize: MAX }),
    twoStrings: () => moizeFn(twoStrings, { maxSize: MAX }),
    oneObject: () => moizeFn(oneObject, { maxSize: MAX, isDeepEqual: true }),
    async: () => moizeFn(asyncFn, { maxSize: MAX, isPromise: true }),
  },
  'micro-memoize': {
    oneNumber: () => microMemoizeFn(oneNumber, { maxSize: MAX }),
    twoStrings: () => microMemoizeFn(twoStrings, { maxSize: MAX }),
    oneObject: () => microMemoizeFn(oneObject, { maxSize: MAX, isKeyItemEqual: 'deep' }),
    async: () => microMemoizeFn(asyncFn, { maxSize: MAX, async: true }),
  },
  'fast-memoize': {
    oneNumber: () => fastMemoize(oneNumber),
    twoStrings: () => fastMemoize(twoStrings),
    oneObject: () => fastMemoize(oneObject),
    async: () => fastMemoize(asyncFn),
  },
  memoizee: {
    oneNumber: () => memoizee(oneNumber, { primitive: true, max: MAX }),
    twoStrings: () => memoizee(twoStrings, { primitive: true, max: MAX }),
    oneObject: () => memoizee(oneObject, { normalizer: (args) => JSON.stringify(args[0]), max: MAX }),
    async: () => memoizee(asyncFn, { promise: true, primitive: true, max: MAX }),
  },
  mem: {
    oneNumber: () => mem(oneNumber),
    twoStrings: () => mem(twoStrings, { cacheKey: json }),
    oneObject: () => mem(oneObject, { cacheKey: json }),
    async: () => mem(asyncFn),
  },
  'lodash.memoize': {
    oneNumber: () => lodashMemoize(oneNumber),
    twoStrings: () => lodashMemoize(twoStrings, (a, b) => a + '\u0000' + b),
    oneObject: () => lodashMemoize(oneObject, (o) => JSON.stringify(o)),
    async: () => lodashMemoize(asyncFn),
  },
  'p-memoize': {
    async: () => pMemoize(asyncFn),
  },
};

// ---- the cases: each loop is compiled separately per contender so no contender pays for
// another's call-site feedback (a shared loop would turn megamorphic) -------------------------------
const numbers = Array.from({ length: DISTINCT }, (_, i) => i * 7 + 3);
const firsts = Array.from({ length: DISTINCT }, (_, i) => `user-${i}`);
const seconds = Array.from({ length: DISTINCT }, (_, i) => `region-${i % 7}`);
const kinds = Array.from({ length: DISTINCT }, (_, i) => `kind-${i % 5}`);

const loops = {
  oneNumber: `let s = 0; for (let i = 0; i < calls; i++) s += f(numbers[i % ${DISTINCT}]); return s;`,
  twoStrings: `let s = 0; for (let i = 0; i < calls; i++) { const j = i % ${DISTINCT}; s += f(firsts[j], seconds[j]); } return s;`,
  oneObject: `let s = 0; for (let i = 0; i < calls; i++) { const j = i % ${DISTINCT}; s += f({ id: j, kind: kinds[j] }); } return s;`,
  async: `let last; for (let i = 0; i < calls; i++) last = f(numbers[i % ${DISTINCT}]); return last;`,
};
const cases = [
  ['oneNumber', 'one number arg'],
  ['twoStrings', 'two string args'],
  ['oneObject', 'one object arg (by value)'],
  ['async', 'async function'],
];

function makeLoop(name, lib) {
  // The comment makes each contender's source unique: V8 caches compilations by source text, so
  // identical loops would share one call site and its feedback (and turn it polymorphic).
  return new Function('f', 'calls', 'numbers', 'firsts', 'seconds', 'kinds', `// ${lib}\n${loops[name]}`);
}

async function warm(name, f) {
  for (let j = 0; j < DISTINCT; j++) {
    const r = name === 'twoStrings' ? f(firsts[j], seconds[j])
      : name === 'oneObject' ? f({ id: j, kind: kinds[j] }) : f(numbers[j]);
    await r;
  }
}

/** Medians per contender for one case; rounds are interleaved so machine noise hits every contender alike. */
async function measureCase(name, entries) {
  const runs = [];
  for (const [lib, factory] of entries) {
    const f = factory();
    await warm(name, f);
    const loop = makeLoop(name, lib);
    await loop(f, 50_000, numbers, firsts, seconds, kinds); // JIT warm-up
    runs.push({ lib, f, loop, samples: [] });
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const run of runs) {
      const t0 = process.hrtime.bigint();
      const out = run.loop(run.f, CALLS, numbers, firsts, seconds, kinds);
      if (name === 'async') await out; // pending continuations (libraries that await internally) are paid here
      run.samples.push(Number(process.hrtime.bigint() - t0) / CALLS);
    }
  }
  for (const run of runs) {
    run.samples.sort((a, b) => a - b);
    (results[run.lib] ??= {})[name] = run.samples[Math.floor(run.samples.length / 2)];
  }
}

const results = {};
const floorName = 'hand-written Map (floor)';
for (const [name] of cases) {
  await measureCase(name, Object.entries(contenders)
    .filter(([lib, f]) => f[name] !== undefined && (only === undefined || lib === floorName || only.includes(lib)))
    .map(([lib, f]) => [lib, f[name]]));
}

const cell = (lib, name) => {
  const ns = results[lib]?.[name];
  if (ns === undefined) return 'n/a';
  const ratio = ns / results[floorName][name];
  return `${ns.toFixed(1)} (${ratio.toFixed(2)}×)`;
};
const header = `| library | ${cases.map(([, label]) => label).join(' | ')} |`;
const rule = `| --- | ${cases.map(() => '---:').join(' | ')} |`;
const rows = Object.keys(results).map((lib) => `| ${lib} | ${cases.map(([name]) => cell(lib, name)).join(' | ')} |`);
const table = [header, rule, ...rows].join('\n');

const verdicts = cases.map(([name, label], i) => {
  const ours = results.cachelens[name];
  const ratio = ours / results[floorName][name];
  const others = Object.keys(results).filter((lib) => lib !== 'cachelens' && lib !== floorName && results[lib][name] !== undefined);
  const beaten = others.filter((lib) => results[lib][name] > ours);
  return `- ${label}: ${ratio.toFixed(2)}× the floor (target ≤ 1.30×: ${ratio <= 1.3 ? 'met' : 'missed'})` +
    (i === 0 ? '' : `; faster than ${beaten.length} of ${others.length} libraries${beaten.length < others.length ? ` (not: ${others.filter((l) => !beaten.includes(l)).join(', ')})` : ''}`);
});

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const doc = `# Memoize benchmark: hit overhead

Nanoseconds per call on a cache hit (lower is better), median of ${ROUNDS} rounds of ${CALLS.toLocaleString('en-US')} calls,
cycling through ${DISTINCT} distinct cached arguments; in parentheses the ratio to the hand-written \`Map\` memo (the floor).
cachelens runs with its defaults: bounded \`memory\` backend (1000 entries), statistics on.

${table}

${verdicts.join('\n')}

How each case is keyed: the floor keys one number by itself, two strings by \`a + "\\0" + b\`, an object by
\`JSON.stringify\` (which, unlike cachelens, is not key-order independent), and caches the promise of the async
function. A new but equal object is built for every call of the object case (its cost is in every row). Libraries
are configured as their documentation recommends for the case: \`maxSize\`/\`max\` 1000 where they bound the
cache, value equality for objects (moize \`isDeepEqual\`, micro-memoize \`isKeyItemEqual: 'deep'\`, a
\`JSON.stringify\` key for memoizee, mem and lodash.memoize; fast-memoize serializes by default), promise mode
for the async case. The async case times the calls plus awaiting the last promise of the round, so work a
library defers to microtasks is counted. Below-floor figures are real: the \`memory\` store also indexes integer
keys below 1024 with an array, and an element load costs about half a \`Map\` lookup (fast-memoize's plain-object
cache gets the same effect, unbounded); for two strings cachelens remembers the joined key of each repeated pair
(up to 4096 pairs per function), so a hit looks up strings whose hashes are already cached instead of hashing a new
concatenation as the floor does. With string objects that are new on every call (parsed input), that advantage goes.

Command: \`npm run build -w cachelens && node bench/memoize.bench.mjs --rounds ${ROUNDS} --calls ${CALLS}\`
Machine: ${cpu}, ${os.cpus().length} CPUs, Node ${process.version}, ${os.platform()} ${os.arch()}.
Benchmarks on shared machines vary by ±10% between runs; compare ratios within one run.
`;

console.log(table);
console.log(verdicts.join('\n'));
if (!argv.includes('--no-write')) {
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks-memoize.md'), doc);
  console.log('\nwrote docs/benchmarks-memoize.md');
}
