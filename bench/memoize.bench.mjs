// Cost per call of memoizers, in ns, side by side in one run: cachelens (built package, with its
// statistics on, as always; at its defaults and with `backend: 'lru'`), the popular JavaScript
// memoizers and a hand-written memo (the floor). Two tables:
// - hits: every case cycles through 100 distinct, already cached arguments, so libraries that
//   scan a list of keys pay for it as they would in an app; the floor is a hand-written `Map` memo;
// - misses: 90% of calls miss (capacity 1000, keys drawn over 100,000); the floor is a
//   hand-written memo over lru-cache (max 1000), and every library is bounded where it can be.
//
// Usage: npm run build -w cachelens && node bench/memoize.bench.mjs [--rounds 9] [--calls 1000000] [--no-write] [--no-pin]
// Writes docs/benchmarks-memoize.md (unless --no-write) and prints the same table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pinToOneCpu } from './pin-cpu.mjs';

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
// A backend named `sieve`: the `memory` store with plain SIEVE instead of the adaptive policy, for the rows that
// separate the policy's cost from the rest of a miss. The config is read at the first memoized call.
const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-'));
fs.writeFileSync(path.join(configDir, 'cachelens.config.json'), JSON.stringify({ backends: { sieve: { type: 'memory', policy: 'sieve' } } }));
process.env.CACHELENS_CONFIG = path.join(configDir, 'cachelens.config.json');
process.on('exit', () => fs.rmSync(configDir, { recursive: true, force: true }));
const { memoize: cachelens, registerBackendType, MISS } = await import(dist);
/** A store that holds nothing: over it, a miss costs memoize's own part (key, call, counters, timing) and no store work. */
class NoStore {
  sync = true; kind = 'bench-none'; size = 0; bytes = 0; written = 0;
  get() { return MISS; }
  set(_key, _value, options) { this.written += options.bytes ?? 0; }
  has() { return false; }
  delete() { return false; }
  clear() {}
}
registerBackendType('bench-none', () => new NoStore());
const moize = require('moize');
const microMemoize = require('micro-memoize');
const fastMemoize = require('fast-memoize');
const memoizee = require('memoizee');
const lodashMemoize = require('lodash.memoize');
const { default: mem } = await import('mem');
const { default: pMemoize } = await import('p-memoize');
const { default: QuickLRU } = await import('quick-lru');
// The lru-cache cachelens itself depends on (the root's may be an older major).
const { LRUCache } = createRequire(path.join(root, 'runtime', 'package.json'))('lru-cache');
const microMemoizeFn = microMemoize.memoize ?? microMemoize.default ?? microMemoize;
const moizeFn = moize.default ?? moize;

// ---- the functions being memoized -------------------------------------------------------------
// Each counts its calls (the misses of the memo around it), the same increment for every contender.
let computed = 0;
const oneNumber = (x) => { computed++; return x * 2 + 1; };
const twoStrings = (a, b) => { computed++; return a.length * 31 + b.length; };
const oneObject = (o) => { computed++; return o.id * 2 + o.kind.length; };
const asyncFn = async (x) => { computed++; return x * 2 + 1; };
const threeMixed = (n, s, o) => { computed++; return n * 31 + s.length + o.page; };
/** The floors' key of (number, string, object): what a hand-written memo would join. */
const joinThree = (n, s, o) => n + '\u0000' + s + '\u0000' + JSON.stringify(o);

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
  threeMixed: () => {
    const m = new Map();
    return (n, s, o) => {
      const k = joinThree(n, s, o);
      let v = m.get(k);
      if (v === undefined) { v = threeMixed(n, s, o); m.set(k, v); }
      return v;
    };
  },
};

// The miss floor: a hand-written memo over lru-cache, bounded like every contender.
const missFloor = {
  missNumber: () => {
    const c = new LRUCache({ max: MAX });
    return (x) => {
      let v = c.get(x);
      if (v === undefined) { v = oneNumber(x); c.set(x, v); }
      return v;
    };
  },
  missThree: () => {
    const c = new LRUCache({ max: MAX });
    return (n, s, o) => {
      const k = joinThree(n, s, o);
      let v = c.get(k);
      if (v === undefined) { v = threeMixed(n, s, o); c.set(k, v); }
      return v;
    };
  },
};

const json = (args) => JSON.stringify(args);
const MAX = 1000;
const quickLru = () => new QuickLRU({ maxSize: MAX });
/** lodash.memoize bounded: its `Cache` (read when a function is memoized) swapped for a bounded map. */
class BoundedCache extends QuickLRU {
  constructor() { super({ maxSize: MAX }); }
}
const lodashBounded = (fn, resolver) => {
  const previous = lodashMemoize.Cache;
  lodashMemoize.Cache = BoundedCache;
  try {
    return lodashMemoize(fn, resolver);
  } finally {
    lodashMemoize.Cache = previous;
  }
};
/** fast-memoize bounded: its `cache` option over a QuickLRU. */
const fastBounded = { cache: { create: () => { const q = quickLru(); return { has: (k) => q.has(k), get: (k) => q.get(k), set: (k, v) => { q.set(k, v); } }; } } };
const threeKey = (n, s, o) => joinThree(n, s, o);
// Each library configured the way its documentation recommends for the case (bounded where it
// can be, value keys for the object case, promise mode for the async case).
const contenders = {
  'hand-written Map (floor)': floor,
  'hand-written memo over lru-cache (floor)': missFloor,
  cachelens: {
    oneNumber: () => cachelens(oneNumber),
    twoStrings: () => cachelens(twoStrings),
    oneObject: () => cachelens(oneObject),
    async: () => cachelens(asyncFn),
    threeMixed: () => cachelens(threeMixed),
    missNumber: () => cachelens(oneNumber),
    missThree: () => cachelens(threeMixed),
  },
  "cachelens (backend: 'lru')": {
    threeMixed: () => cachelens(threeMixed, { backend: 'lru' }),
    missNumber: () => cachelens(oneNumber, { backend: 'lru' }),
    missThree: () => cachelens(threeMixed, { backend: 'lru' }),
  },
  "cachelens (policy: 'sieve')": {
    missNumber: () => cachelens(oneNumber, { backend: 'sieve' }),
    missThree: () => cachelens(threeMixed, { backend: 'sieve' }),
  },
  // Diagnostics: the same memo over a store that holds nothing (every call misses), by hand and by
  // cachelens: the difference is memoize's own part of a miss.
  'hand-written memo over no store': {
    missNumber: () => {
      const store = new NoStore();
      return (x) => {
        let v = store.get(x);
        if (v === MISS) { v = oneNumber(x); store.set(x, v, { ttlMs: undefined, bytes: 8 }); }
        return v;
      };
    },
    missThree: () => {
      const store = new NoStore();
      return (n, s, o) => {
        const k = joinThree(n, s, o);
        let v = store.get(k);
        if (v === MISS) { v = threeMixed(n, s, o); store.set(k, v, { ttlMs: undefined, bytes: 8 }); }
        return v;
      };
    },
  },
  'cachelens over no store': {
    missNumber: () => cachelens(oneNumber, { backend: 'bench-none' }),
    missThree: () => cachelens(threeMixed, { backend: 'bench-none' }),
  },
  moize: {
    oneNumber: () => moizeFn(oneNumber, { maxSize: MAX }),
    twoStrings: () => moizeFn(twoStrings, { maxSize: MAX }),
    oneObject: () => moizeFn(oneObject, { maxSize: MAX, isDeepEqual: true }),
    async: () => moizeFn(asyncFn, { maxSize: MAX, isPromise: true }),
    threeMixed: () => moizeFn(threeMixed, { maxSize: MAX, isDeepEqual: true }),
    missNumber: () => moizeFn(oneNumber, { maxSize: MAX }),
    missThree: () => moizeFn(threeMixed, { maxSize: MAX, isDeepEqual: true }),
  },
  'micro-memoize': {
    oneNumber: () => microMemoizeFn(oneNumber, { maxSize: MAX }),
    twoStrings: () => microMemoizeFn(twoStrings, { maxSize: MAX }),
    oneObject: () => microMemoizeFn(oneObject, { maxSize: MAX, isKeyItemEqual: 'deep' }),
    async: () => microMemoizeFn(asyncFn, { maxSize: MAX, async: true }),
    threeMixed: () => microMemoizeFn(threeMixed, { maxSize: MAX, isKeyItemEqual: 'deep' }),
    missNumber: () => microMemoizeFn(oneNumber, { maxSize: MAX }),
    missThree: () => microMemoizeFn(threeMixed, { maxSize: MAX, isKeyItemEqual: 'deep' }),
  },
  'fast-memoize': {
    oneNumber: () => fastMemoize(oneNumber),
    twoStrings: () => fastMemoize(twoStrings),
    oneObject: () => fastMemoize(oneObject),
    async: () => fastMemoize(asyncFn),
    threeMixed: () => fastMemoize(threeMixed),
    missNumber: () => fastMemoize(oneNumber, fastBounded),
    missThree: () => fastMemoize(threeMixed, fastBounded),
  },
  memoizee: {
    oneNumber: () => memoizee(oneNumber, { primitive: true, max: MAX }),
    twoStrings: () => memoizee(twoStrings, { primitive: true, max: MAX }),
    oneObject: () => memoizee(oneObject, { normalizer: (args) => JSON.stringify(args[0]), max: MAX }),
    async: () => memoizee(asyncFn, { promise: true, primitive: true, max: MAX }),
    threeMixed: () => memoizee(threeMixed, { normalizer: (args) => JSON.stringify(args), max: MAX }),
    missNumber: () => memoizee(oneNumber, { primitive: true, max: MAX }),
    missThree: () => memoizee(threeMixed, { normalizer: (args) => JSON.stringify(args), max: MAX }),
  },
  mem: {
    oneNumber: () => mem(oneNumber),
    twoStrings: () => mem(twoStrings, { cacheKey: json }),
    oneObject: () => mem(oneObject, { cacheKey: json }),
    async: () => mem(asyncFn),
    threeMixed: () => mem(threeMixed, { cacheKey: json }),
  },
  'mem + QuickLRU': {
    missNumber: () => mem(oneNumber, { cache: quickLru() }),
    missThree: () => mem(threeMixed, { cache: quickLru(), cacheKey: json }),
  },
  'lodash.memoize': {
    oneNumber: () => lodashMemoize(oneNumber),
    twoStrings: () => lodashMemoize(twoStrings, (a, b) => a + '\u0000' + b),
    oneObject: () => lodashMemoize(oneObject, (o) => JSON.stringify(o)),
    async: () => lodashMemoize(asyncFn),
    threeMixed: () => lodashMemoize(threeMixed, threeKey),
    missNumber: () => lodashBounded(oneNumber),
    missThree: () => lodashBounded(threeMixed, threeKey),
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

// The miss-heavy sequence: 90% of calls draw a key uniformly over KEYSPACE (a hit only by chance,
// about 1% with 1000 entries), 10% repeat one of the last 4 keys (a hit for any policy that keeps
// what it just stored). Fixed seed: every contender sees the same calls.
const KEYSPACE = 100_000;
const SEQUENCE = 1 << 17;
let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const missKeys = new Int32Array(SEQUENCE);
for (let i = 0; i < SEQUENCE; i++) {
  missKeys[i] = i >= 4 && random() < 0.1 ? missKeys[i - 1 - Math.floor(random() * 4)] : Math.floor(random() * KEYSPACE);
}
const regions = Array.from({ length: 7 }, (_, i) => `region-${i}`);
const data = { numbers, firsts, seconds, kinds, missKeys, regions };

const loops = {
  oneNumber: `let s = 0; for (let i = 0; i < calls; i++) s += f(numbers[i % ${DISTINCT}]); return s;`,
  twoStrings: `let s = 0; for (let i = 0; i < calls; i++) { const j = i % ${DISTINCT}; s += f(firsts[j], seconds[j]); } return s;`,
  oneObject: `let s = 0; for (let i = 0; i < calls; i++) { const j = i % ${DISTINCT}; s += f({ id: j, kind: kinds[j] }); } return s;`,
  async: `let last; for (let i = 0; i < calls; i++) last = f(numbers[i % ${DISTINCT}]); return last;`,
  threeMixed: `let s = 0; for (let i = 0; i < calls; i++) { const j = i % ${DISTINCT}; s += f(numbers[j], seconds[j], { page: j % 3, size: 20 }); } return s;`,
  missNumber: `let s = 0; for (let i = 0; i < calls; i++) s += f(missKeys[i & ${SEQUENCE - 1}]); return s;`,
  missThree: `let s = 0; for (let i = 0; i < calls; i++) { const k = missKeys[i & ${SEQUENCE - 1}]; s += f(k, regions[k % 7], { page: k % 3, size: 20 }); } return s;`,
};
const HIT_FLOOR = 'hand-written Map (floor)';
const MISS_FLOOR = 'hand-written memo over lru-cache (floor)';
const tables = [
  {
    title: 'Hits', floor: HIT_FLOOR,
    cases: [
      ['oneNumber', 'one number arg'],
      ['twoStrings', 'two string args'],
      ['oneObject', 'one object arg (by value)'],
      ['async', 'async function'],
      ['threeMixed', 'number, string, object'],
    ],
  },
  {
    title: 'Misses (90%)', floor: MISS_FLOOR,
    cases: [
      ['missNumber', 'one number arg'],
      ['missThree', 'number, string, object'],
    ],
  },
];
const floorOf = (name) => tables.find((t) => t.cases.some(([n]) => n === name)).floor;

function makeLoop(name, lib) {
  // The comment makes each contender's source unique: V8 caches compilations by source text, so
  // identical loops would share one call site and its feedback (and turn it polymorphic).
  return new Function('f', 'calls', 'data', `// ${lib}\nconst { ${Object.keys(data).join(', ')} } = data;\n${loops[name]}`);
}

async function warm(name, f) {
  if (name.startsWith('miss')) return;
  for (let j = 0; j < DISTINCT; j++) {
    const r = name === 'twoStrings' ? f(firsts[j], seconds[j])
      : name === 'oneObject' ? f({ id: j, kind: kinds[j] })
        : name === 'threeMixed' ? f(numbers[j], seconds[j], { page: j % 3, size: 20 }) : f(numbers[j]);
    await r;
  }
}

/** A round of a slow contender (a list scanned per miss) is shortened to about this many ns. */
const ROUND_BUDGET_NS = 400e6;
/** CPU each contender runs for before it is measured (JIT tiers, one-time builds): ~0.2 s. */
const WARMUP_NS = 200e6;

/** Medians per contender for one case; rounds are interleaved so machine noise hits every contender alike. */
async function measureCase(name, entries) {
  const runs = [];
  for (const [lib, factory] of entries) {
    const f = factory();
    await warm(name, f);
    const loop = makeLoop(name, lib);
    // Warm-up first (at least 20,000 calls and WARMUP_NS of CPU), then the estimate of a call's
    // cost that sizes the rounds. Estimated on the first 2,000 calls, a contender whose code was
    // still cold, or that builds something once (a cache's structures when it first fills), looked
    // up to ten times slower than it runs and got rounds that much shorter; the default's miss
    // rounds then held 20,000 calls, and their cost was still falling from round to round.
    for (let warmed = 0, w0 = process.cpuUsage(); ; warmed += 10_000) {
      const w = process.cpuUsage(w0);
      if (warmed >= 20_000 && ((w.user + w.system) * 1000 >= WARMUP_NS || warmed >= 1_000_000)) break;
      await loop(f, 10_000, data);
    }
    const t0 = process.cpuUsage();
    await loop(f, 5_000, data);
    const used = process.cpuUsage(t0);
    const estimate = Math.max(1, (used.user + used.system) * 1000 / 5_000);
    const calls = Math.max(20_000, Math.min(CALLS, Math.floor(ROUND_BUDGET_NS / estimate)));
    runs.push({ lib, f, loop, calls, samples: [], computed: 0, made: 0 });
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const run of runs) {
      const before = computed;
      const t0 = process.cpuUsage();
      const out = run.loop(run.f, run.calls, data);
      if (name === 'async') await out; // pending continuations (libraries that await internally) are paid here
      const used = process.cpuUsage(t0);
      run.samples.push((used.user + used.system) * 1000 / run.calls);
      run.computed += computed - before;
      run.made += run.calls;
    }
  }
  for (const run of runs) {
    run.samples.sort((a, b) => a - b);
    const result = ((results[run.lib] ??= {})[name] = { ns: run.samples[Math.floor(run.samples.length / 2)], missed: run.computed / run.made });
    if (run.calls < CALLS) result.calls = run.calls;
  }
}

const placement = pinToOneCpu();
const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const results = {};
for (const table of tables) {
  for (const [name] of table.cases) {
    await measureCase(name, Object.entries(contenders)
      .filter(([lib, f]) => f[name] !== undefined && (only === undefined || lib === table.floor || only.includes(lib)))
      .map(([lib, f]) => [lib, f[name]]));
  }
}
const loadAfter = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const ours = ['cachelens', "cachelens (backend: 'lru')", "cachelens (policy: 'sieve')"];
const diagnostics = ['hand-written memo over no store', 'cachelens over no store'];
const cell = (lib, name) => {
  const r = results[lib]?.[name];
  if (r === undefined) return 'n/a';
  const ratio = r.ns / results[floorOf(name)][name].ns;
  return `${r.ns.toFixed(1)} (${ratio.toFixed(2)}×)`;
};
const render = (table) => {
  const present = Object.keys(results).filter((lib) => table.cases.some(([name]) => results[lib][name] !== undefined));
  const libs = [table.floor, ...ours, ...present.filter((lib) => !diagnostics.includes(lib)), ...diagnostics].filter((lib, i, all) => present.includes(lib) && all.indexOf(lib) === i);
  return [
    `| library | ${table.cases.map(([, label]) => label).join(' | ')} |`,
    `| --- | ${table.cases.map(() => '---:').join(' | ')} |`,
    ...libs.map((lib) => `| ${lib} | ${table.cases.map(([name]) => cell(lib, name)).join(' | ')} |`),
  ].join('\n');
};
const othersOf = (name, floorName) => Object.keys(results)
  .filter((lib) => !ours.includes(lib) && !diagnostics.includes(lib) && lib !== floorName && results[lib][name] !== undefined);

const hitVerdicts = tables[0].cases.map(([name, label], i) => {
  const ns = results.cachelens[name].ns;
  const ratio = ns / results[HIT_FLOOR][name].ns;
  const others = othersOf(name, HIT_FLOOR);
  const beaten = others.filter((lib) => results[lib][name].ns > ns);
  return `- ${label}: ${ratio.toFixed(2)}× the floor (target ≤ 1.30×: ${ratio <= 1.3 ? 'met' : 'missed'})` +
    (i === 0 ? '' : `; faster than ${beaten.length} of ${others.length} libraries${beaten.length < others.length ? ` (not: ${others.filter((l) => !beaten.includes(l)).join(', ')})` : ''}`);
});
const missVerdicts = tables[1].cases.map(([name, label]) => {
  const others = othersOf(name, MISS_FLOOR);
  // Compared with the fastest library, or with the floor when --only left no library in.
  const fastest = others.length > 0 ? others.reduce((a, b) => (results[a][name].ns <= results[b][name].ns ? a : b)) : MISS_FLOOR;
  const line = (lib) => {
    const ratio = results[lib][name].ns / results[fastest][name].ns;
    return `${lib} ${ratio.toFixed(2)}× ${fastest}${others.length > 0 ? ' (the fastest library)' : ''}`;
  };
  const own = results['cachelens over no store']?.[name];
  const hand = results['hand-written memo over no store']?.[name];
  const share = own !== undefined && hand !== undefined
    ? ` memoize's own part of a miss (cachelens over no store, less the hand-written memo over it, whose key is its own): ${(own.ns - hand.ns).toFixed(1)} ns.` : '';
  const missed = Object.keys(results).filter((lib) => results[lib][name] !== undefined && !diagnostics.includes(lib))
    .map((lib) => `${lib} ${(100 * results[lib][name].missed).toFixed(1)}%`).join(', ');
  return `- ${label}: ${ours.filter((lib) => results[lib]?.[name] !== undefined).map(line).join('; ')}.${share} Calls that missed: ${missed}`;
});
const shortened = Object.entries(results).flatMap(([lib, byCase]) => Object.entries(byCase)
  .filter(([, r]) => r.calls !== undefined).map(([name, r]) => `${lib} (${name}: ${r.calls.toLocaleString('en-US')})`));

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const doc = `# Memoize benchmark: hits and misses

Nanoseconds of process CPU time (user + system) per call (lower is better), median of ${ROUNDS} interleaved rounds of
${CALLS.toLocaleString('en-US')} calls; in parentheses the ratio to the table's floor. CPU time rather than wall time: on this shared
machine a process is often descheduled, and that time is no contender's cost. cachelens runs with its defaults (\`memoize(fn)\`: bounded \`memory\` backend of
1000 entries, the adaptive policy, statistics on), and with \`backend: 'lru'\` (lru-cache underneath) or the \`memory\` store with plain SIEVE where noted.

## Hits

Every case cycles through ${DISTINCT} distinct, already cached arguments; the floor is a hand-written \`Map\` memo.

${render(tables[0])}

${hitVerdicts.join('\n')}

How each case is keyed: the floor keys one number by itself, two strings by \`a + "\\0" + b\`, an object by
\`JSON.stringify\` (which, unlike cachelens, is not key-order independent), (number, string, object) by
\`n + "\\0" + s + "\\0" + JSON.stringify(o)\`, and caches the promise of the async function. A new but equal object
is built for every call of the object cases (its cost is in every row). Libraries are configured as their
documentation recommends for the case: \`maxSize\`/\`max\` 1000 where they bound the cache, value equality for
objects (moize \`isDeepEqual\`, micro-memoize \`isKeyItemEqual: 'deep'\`, a \`JSON.stringify\` key for memoizee and
mem, the floor's key for lodash.memoize; fast-memoize serializes by default), promise mode for the async case.
The async case times the calls plus awaiting the last promise of the round, so work a library defers to
microtasks is counted. Below-floor figures are real: the \`memory\` store also indexes integer keys below 1024
with an array, and an element load costs about half a \`Map\` lookup (fast-memoize's plain-object cache gets the
same effect, unbounded); for two strings cachelens remembers the joined key of each repeated pair (up to 4096
pairs per function), so a hit looks up strings whose hashes are already cached instead of hashing a new
concatenation as the floor does. With string objects that are new on every call (parsed input), that advantage goes.

## Misses

${Math.round(SEQUENCE / 1024)}K calls replayed in a loop: 90% draw a key uniformly over ${KEYSPACE.toLocaleString('en-US')} (a hit only by chance),
10% repeat one of the last 4 keys; every cache holds ${MAX} entries. The floor is a hand-written memo over
lru-cache (\`max: ${MAX}\`), with the hit floor's keys. Bounded where a library can be: mem with a QuickLRU
(\`maxSize: ${MAX}\`), lodash.memoize with a QuickLRU as its \`Cache\`, fast-memoize with a QuickLRU as its
\`cache\`; moize, micro-memoize and memoizee with their own bound. The last two rows are diagnostics, not
contenders: the same memo over a store that holds nothing (every call misses), by hand and by cachelens.

Where the default misses: the \`memory\` store's adaptive policy simulates six policies on every insertion while the
cache holds up to 4096 entries (its exact regime), and that is most of the default's miss cost (the
diagnostic rows give memoize's own part, below each table's verdict). The six simulations share one index of key hashes and
five of them replay insertions in batches, each policy class through its own compiled replay loop (docs/architecture.md):
about 0.6 µs per insertion at 1000 entries, warm (the first few thousand after the cache first fills run cold code); the policy
also keeps a better hit ratio here (the share of calls that missed is the lowest of all rows), and hit ratio comes first: the
default policy is not changed to meet a speed line (what a cheaper one would lose is measured in "What the default policy
costs" below). \`backend: 'lru'\` gives the same strict LRU as the floor, at a cost
closer to the floor's; the \`memory\` store with \`"policy": "sieve"\` (a config entry) is the default without the
adaptive policy: the same store, key and statistics, one cheap policy.

${render(tables[1])}

${missVerdicts.join('\n')}
${shortened.length > 0 ? `\nLibraries slower than ${ROUND_BUDGET_NS / 1e6} ms a round ran shorter rounds (calls per round): ${shortened.join(', ')}.\n` : ''}
Command: \`npm run build -w cachelens && node bench/memoize.bench.mjs --rounds ${ROUNDS} --calls ${CALLS}\`
Machine: ${cpu}, ${os.cpus().length} CPUs, Node ${process.version}, ${os.platform()} ${os.arch()}; load average
(1, 5, 15 min) ${loadBefore} at the start, ${loadAfter} at the end. ${placement}
Benchmarks on shared machines vary by ±10% between runs; compare ratios within one run.
`;

console.log(tables.map(render).join('\n\n'));
console.log([...hitVerdicts, ...missVerdicts].join('\n'));
console.log(`load: ${loadBefore} -> ${loadAfter}`);
if (!argv.includes('--no-write')) {
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks-memoize.md'), doc);
  console.log('\nwrote docs/benchmarks-memoize.md (fold it into docs/benchmarks.md: node bench/run.mjs --fold-only)');
}
