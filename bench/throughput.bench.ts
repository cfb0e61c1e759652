/**
 * get/set throughput of the default policy beside other LRU libraries, on one Zipf key stream
 * (2,000,000 operations, skew 0.99 over 100,000 string keys, capacity 10,000; an operation is a
 * get, and a set on a miss). Every case runs in its own process (a fresh JIT), case after case,
 * for several rounds; the report gives medians and ratios to a plain Map (no eviction, the
 * ceiling) measured in the same rounds, and memory per entry. Writes its section of docs/benchmarks.md.
 * CacheLens is measured as built (runtime/dist, tsc's output: what apps run), like every library.
 *
 *   npm run build -w cachelens && node --import tsx bench/throughput.bench.ts [--rounds 5] [--ops 2000000]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { createLRU } from 'lru.min';
import LRUMap from 'mnemonist/lru-map.js';
import { SieveCache } from '@neophi/sieve-cache';
import { TTLCache } from '@isaacs/ttlcache';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { rng, zipf } from './hitratio-synthetic.js';
import { writeSection } from './policy-doc.js';
import { pinToOneCpu } from './pin-cpu.mjs';

/** The built runtime (bench/run.mjs builds it first). */
const dist = join(__dirname, '..', 'runtime', 'dist', 'cjs');
if (!existsSync(join(dist, 'stores', 'memory.js'))) {
  process.stderr.write('runtime/dist is missing: run `npm run build -w cachelens` first.\n');
  process.exit(1);
}
const load = createRequire(__filename);
const { createBoundedCache } = load(join(dist, 'policy', 'index.js')) as typeof import('../runtime/src/policy/index.js');
const { MISS } = load(join(dist, 'stores', 'types.js')) as typeof import('../runtime/src/stores/types.js');
const { MemoryStore } = load(join(dist, 'stores', 'memory.js')) as typeof import('../runtime/src/stores/memory.js');
const { tickNow } = load(join(dist, 'clock.js')) as typeof import('../runtime/src/clock.js');
type PolicyName = import('../runtime/src/policy/index.js').PolicyName;
const { memoize } = load(join(dist, 'index.js')) as typeof import('../runtime/src/index.js');

const KEYS = 100_000;
const CAPACITY = 10_000;
const SKEW = 0.99;
const TTL_MS = 600_000;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const OPS = Number(option('ops', '2000000'));
/** `--cases a,b`: run only these (plus the Map and lru-cache the ratios need); for quick checks. */
const ONLY = option('cases', '') === '' ? undefined : new Set(['map', 'lru-cache', 'lru-cache-ttl', ...option('cases', '').split(',')]);
const ROUNDS = Number(option('rounds', '5'));

/** A cache as the loop sees it: get (undefined on a miss) and set. */
interface Subject {
  get(key: string): unknown;
  set(key: string, value: number): void;
  readonly size: number;
  /** The timed loop, when the subject's own API differs from get/set (no adapter in the loop). */
  replay?(stream: readonly string[]): number;
  /** Stops what keeps the instance reachable once dropped (a library's own timers), for the memory measure. */
  dispose?(): void;
}

interface Case {
  name: string;
  library: string;
  ttl: boolean;
  make(max?: number): Promise<Subject>;
}

const ignore = { evicted() {} };

/** The runtime's memory store as memoize uses it (the runtime's default clock), looped over directly. */
function storeSubject(options: { ttlMs?: number }, max = CAPACITY, policy: PolicyName = 'adaptive'): Subject {
  const store = new MemoryStore<number>({ max, policy }, { namespace: 'bench', events: ignore, now: tickNow });
  const miss = MISS;
  return {
    get: (k) => { const v = store.get(k); return v === miss ? undefined : v; },
    set: (k, v) => store.set(k, v, options),
    get size() { return store.size; },
    replay(stream) {
      let hits = 0;
      for (let i = 0; i < stream.length; i++) {
        const key = stream[i]!;
        if (store.get(key) === miss) store.set(key, i, options);
        else hits++;
      }
      return hits;
    },
  };
}

/** lru-cache as the runtime depends on it (the repository root may hold an older major). */
const { LRUCache } = createRequire(require.resolve('../runtime/package.json'))('lru-cache') as typeof import('lru-cache');

/** quick-lru is ESM-only; loaded on demand. */
async function quickLru(): Promise<typeof import('quick-lru').default> {
  const mod = (await import('quick-lru')) as { default: typeof import('quick-lru').default & { default?: typeof import('quick-lru').default } };
  return mod.default.default ?? mod.default;
}

/** @isaacs/ttlcache: its expiry timer (600 s here) holds the instance until cancelled. */
function ttlCache(max: number): Subject {
  const cache = new TTLCache<string, number>({ max, ttl: TTL_MS });
  return Object.assign(cache, { dispose: () => cache.cancelTimer() });
}

const CASES: Case[] = [
  { name: 'map', library: 'Map (no eviction, the ceiling)', ttl: false, async make() { return new Map<string, number>(); } },
  { name: 'cachelens', library: 'cachelens BoundedCache, adaptive (default)', ttl: false, async make(max = CAPACITY) { return createBoundedCache<string, number>('adaptive', { max }); } },
  { name: 'cachelens-lru', library: 'cachelens BoundedCache, lru', ttl: false, async make(max = CAPACITY) { return createBoundedCache<string, number>('lru', { max }); } },
  { name: 'cachelens-store', library: 'cachelens memory store, adaptive', ttl: false, async make(max = CAPACITY) { return storeSubject({}, max); } },
  { name: 'cachelens-store-sieve', library: 'cachelens memory store, sieve', ttl: false, async make(max = CAPACITY) { return storeSubject({}, max, 'sieve'); } },
  { name: 'cachelens-store-ttl', library: 'cachelens memory store, adaptive', ttl: true, async make(max = CAPACITY) { return storeSubject({ ttlMs: TTL_MS }, max); } },
  { name: 'lru-cache', library: 'lru-cache', ttl: false, async make(max = CAPACITY) { return new LRUCache<string, number>({ max }); } },
  { name: 'lru-cache-ttl', library: 'lru-cache', ttl: true, async make(max = CAPACITY) { return new LRUCache<string, number>({ max, ttl: TTL_MS }); } },
  { name: 'sieve-cache', library: '@neophi/sieve-cache', ttl: false, async make(max = CAPACITY) { return new SieveCache<string, number>(max); } },
  { name: 'ttlcache', library: '@isaacs/ttlcache', ttl: true, async make(max = CAPACITY) { return ttlCache(max); } },
  { name: 'mnemonist', library: 'mnemonist LRUMap', ttl: false, async make(max = CAPACITY) { return new LRUMap<string, number>(max); } },
  { name: 'lru.min', library: 'lru.min', ttl: false, async make(max = CAPACITY) { return createLRU<string, number>({ max }); } },
  { name: 'quick-lru', library: 'quick-lru (two generations: up to 2x capacity held)', ttl: false, async make(max = CAPACITY) { const QuickLRU = await quickLru(); return new QuickLRU<string, number>({ maxSize: max }); } },
  { name: 'quick-lru-ttl', library: 'quick-lru (two generations: up to 2x capacity held)', ttl: true, async make(max = CAPACITY) { const QuickLRU = await quickLru(); return new QuickLRU<string, number>({ maxSize: max, maxAge: TTL_MS }); } },
];

const SELECTED = ONLY === undefined ? CASES : CASES.filter((c) => ONLY.has(c.name));

/** The key stream: Zipf ranks drawn with a fixed seed, mapped to string keys. */
function zipfStream(ops: number, seed: number): string[] {
  const rank = zipf(KEYS, SKEW, rng(seed));
  const names = Array.from({ length: KEYS }, (_, i) => `key:${(i * 7919) % KEYS}`);
  return Array.from({ length: ops }, () => names[rank()]!);
}

function replay(cache: Subject, stream: readonly string[]): number {
  if (cache.replay !== undefined) return cache.replay(stream);
  let hits = 0;
  for (let i = 0; i < stream.length; i++) {
    const key = stream[i]!;
    if (cache.get(key) === undefined) cache.set(key, i);
    else hits++;
  }
  return hits;
}

interface Measurement {
  /** A fresh instance over the whole stream (filling included). */
  opsPerSec: number;
  /** The same instance over the stream again: a warm cache, the policy settled. */
  steadyOpsPerSec: number;
  hitRatio: number;
  bytesPerEntry: number;
  /** Heap held per entry by an instance with capacity 100,000 holding 100,000 entries. */
  bytesPerEntryFull: number;
  size: number;
}

/** Holds the instance a memory measure builds, so that dropping it is one assignment. */
interface Held { subject?: Subject }

/**
 * Makes an instance into `held`, runs `fill` on it and returns its size. In its own frame: once it
 * returns, `held` alone keeps the instance (a frame still running may hold it in a stale register).
 */
async function build(c: Case, max: number | undefined, fill: (subject: Subject) => void, held: Held): Promise<number> {
  const subject = await c.make(max);
  held.subject = subject;
  fill(subject);
  return subject.size;
}

/** Drops the instance `held` keeps (in its own frame, like `build`). */
function drop(held: Held): void {
  held.subject?.dispose?.();
  held.subject = undefined;
}

/**
 * Heap held by one instance: the heap with it, less the heap once it is dropped (both after
 * forced GCs). Code compiled and type feedback gathered while it ran stay in both, so they are
 * not counted (they stay once it is dropped: once per process, not per entry).
 */
async function heldBy(c: Case, max: number | undefined, fill: (subject: Subject) => void, gc: () => void): Promise<{ bytes: number; size: number }> {
  const settle = (): number => { gc(); gc(); return heapBytes(); };
  const held: Held = {};
  const size = await build(c, max, fill, held);
  const withIt = settle();
  drop(held);
  // A macrotask: lru-cache's ttlResolution timer (1 ms) holds its instance until it fires.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const without = settle();
  return { bytes: withIt - without, size };
}

/** Child mode: one case, one measurement. */
async function measure(name: string): Promise<Measurement> {
  const c = CASES.find((x) => x.name === name)!;
  const stream = zipfStream(OPS, 12345);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the child with --expose-gc');
  // Memory: one instance run over the whole stream (this run also warms the JIT).
  const afterStream = await heldBy(c, undefined, (subject) => replay(subject, stream), gc);
  const bytesPerEntry = afterStream.bytes / afterStream.size;
  const bytesPerEntryFull = await bytesWhenFull(c, gc);
  // Warm-up right before timing: the memory measures end with forced GCs, after which V8 may have
  // flushed the bytecode of code not run since (more of it for a bigger library), so the timed
  // loop would pay for compiling it again.
  replay(await c.make(), stream);
  // Speed: a fresh instance, timed.
  const cache = await c.make();
  // CPU time of this process, less sensitive than wall time to other work on a shared machine.
  const cpuSeconds = (run: () => void): number => {
    const started = process.cpuUsage();
    run();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1e6;
  };
  let hits = 0;
  const seconds = cpuSeconds(() => { hits = replay(cache, stream); });
  const steady = cpuSeconds(() => { replay(cache, stream); });
  return { opsPerSec: OPS / seconds, steadyOpsPerSec: OPS / steady, hitRatio: hits / OPS, bytesPerEntry, bytesPerEntryFull, size: cache.size };
}

/** Heap in use, typed arrays' backing stores included (V8 keeps those outside `heapUsed`). */
function heapBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * `heapBytes` less the code space: the machine code the engine compiles for the library's shared
 * functions as they warm up (a one-time cost of the process, which lands in whichever measure is
 * running). One memoized function's own code (its call path's bytecode and source text, its
 * type feedback) is in the other spaces and counted.
 */
function dataBytes(): number {
  const code = getHeapSpaceStatistics().find((s) => s.space_name === 'code_space')?.space_used_size ?? 0;
  return heapBytes() - code;
}

/** Entries of the memory measure: a cache of this capacity filled with this many distinct keys. */
const FULL = 100_000;

/** Heap held per entry by an instance with capacity FULL holding FULL entries (keys made beforehand, values small integers). */
async function bytesWhenFull(c: Case, gc: () => void): Promise<number> {
  const keys = Array.from({ length: FULL }, (_, i) => `key:${i}`);
  const { bytes, size } = await heldBy(c, FULL, (cache) => { for (let i = 0; i < FULL; i++) cache.set(keys[i]!, i); }, gc);
  // `keys` read after the measure: it stays reachable throughout, whatever the frame keeps.
  if (size !== FULL || keys.length !== FULL) throw new Error(`${c.name} holds ${size} of ${FULL} entries`);
  return bytes / size;
}

/** Functions (or caches) made per up-front measure: the heap growth is divided by this many. */
const UPFRONT_COUNT = 200;
/**
 * Functions (or caches) made and dropped before each up-front measure: the first few made warm the
 * engine up (it allocates the type feedback of the library's shared functions), a one-time cost of
 * the process that would otherwise be charged to the measured ones.
 */
const UPFRONT_WARMUP = 20;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Batches of UPFRONT_COUNT measured per child (each held while the next is made): the median is reported. */
const UPFRONT_BATCHES = 5;

/** What the up-front child reports (KiB per function or cache). */
interface Upfront {
  /** `memoize(fn)` after one call. */
  memoizeKiB: number;
  /** lru-cache (max 1000) after one `set`. */
  lruCacheKiB: number;
  /** `memoize(fn)` after USED_CALLS calls on USED_KEYS small integers (a function in use whose cache never fills). */
  memoizeUsedKiB: number;
  /** A memo over lru-cache (max 1000) after the same calls. */
  lruCacheUsedKiB: number;
}

/** The calls and distinct keys of the "in use" measure. */
const USED_CALLS = 1000;
const USED_KEYS = 10;

/**
 * Child mode `--upfront`: the heap held by one memoized function at default options after its
 * first call, and by one lru-cache with max 1000 after its first set, and both in use (each the median of
 * UPFRONT_BATCHES averages of UPFRONT_COUNT, after UPFRONT_WARMUP made beforehand so module-level
 * state is not counted: a single batch moved by up to 1 KiB from run to run).
 */
function upfront(gc: () => void): Upfront {
  const measure = (make: (i: number) => unknown): number => {
    for (let i = 1; i <= UPFRONT_WARMUP; i++) make(i % 50);
    const held: unknown[] = [];
    const batches: number[] = [];
    for (let b = 0; b < UPFRONT_BATCHES; b++) {
      gc();
      gc();
      const before = dataBytes();
      for (let i = 0; i < UPFRONT_COUNT; i++) held.push(make(i));
      gc();
      gc();
      batches.push((dataBytes() - before) / UPFRONT_COUNT / 1024);
    }
    if (held.length !== UPFRONT_COUNT * UPFRONT_BATCHES) throw new Error('unreachable');
    return median(batches);
  };
  const memoizeKiB = measure((i) => {
    const f = memoize((x: number) => x * 2);
    f(i % 50); // a small number, as in an app (one below 1,024 gets an index slot: up to 50 here, as before)
    return f;
  });
  const lruCacheKiB = measure((i) => {
    const cache = new LRUCache<number, number>({ max: 1000 });
    cache.set(i % 50, i * 2);
    return cache;
  });
  const memoizeUsedKiB = measure((i) => {
    const f = memoize((x: number) => x * 2);
    for (let c = 0; c < USED_CALLS; c++) f((c * 7 + i) % USED_KEYS);
    return f;
  });
  const lruCacheUsedKiB = measure((i) => {
    const cache = new LRUCache<number, number>({ max: 1000 });
    for (let c = 0; c < USED_CALLS; c++) {
      const key = (c * 7 + i) % USED_KEYS;
      if (cache.get(key) === undefined) cache.set(key, key * 2);
    }
    return cache;
  });
  return { memoizeKiB, lruCacheKiB, memoizeUsedKiB, lruCacheUsedKiB };
}

async function main(): Promise<void> {
  if (process.argv.includes('--upfront')) {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) throw new Error('run the child with --expose-gc');
    process.stdout.write(JSON.stringify(upfront(gc)));
    return;
  }
  const child = process.argv.indexOf('--case');
  if (child >= 0) {
    process.stdout.write(JSON.stringify(await measure(process.argv[child + 1]!)));
    return;
  }
  // Every case's process is started from this one and inherits its CPU.
  const placement = pinToOneCpu();
  const run = promisify(execFile);
  const results = new Map<string, Measurement[]>();
  const ratios = new Map<string, number[]>();
  const upfronts: Upfront[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { stdout: up } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--upfront'], { maxBuffer: 1 << 20 });
    upfronts.push(JSON.parse(up) as Upfront);
    const roundResults = new Map<string, Measurement>();
    for (const c of SELECTED) {
      const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--case', c.name, '--ops', String(OPS)], { maxBuffer: 1 << 20 });
      const m = JSON.parse(stdout) as Measurement;
      roundResults.set(c.name, m);
      results.set(c.name, [...(results.get(c.name) ?? []), m]);
    }
    const map = roundResults.get('map')!.opsPerSec;
    for (const [name, m] of roundResults) ratios.set(name, [...(ratios.get(name) ?? []), m.opsPerSec / map]);
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  const lruCache = (ttl: boolean, field: 'opsPerSec' | 'steadyOpsPerSec'): number => median(results.get(ttl ? 'lru-cache-ttl' : 'lru-cache')!.map((m) => m[field]));
  const lines = [
    '## Throughput', '',
    `Zipf key stream: ${OPS.toLocaleString('en-US')} operations, skew ${SKEW} over ${KEYS.toLocaleString('en-US')} string keys, capacity ${CAPACITY.toLocaleString('en-US')};`,
    'one operation = `get`, and `set` on a miss. Each case in its own process, all cases in each round, ' + `${ROUNDS} rounds; medians of ops per CPU-second of the timed loop (after a warm-up pass over the whole stream on another instance).`,
    '"fresh": a new instance over the whole stream (filling it, and the adaptive policy finding its leader, included); "steady": the same instance over the stream a second time.',
    '"× Map" is the median of the per-round ratios to the plain Map (fresh); "× lru-cache" compares with lru-cache in the same TTL mode and the same pass.',
    `TTL cases use ${TTL_MS / 1000} s (nothing expires during the run: this measures the bookkeeping). Memory per entry: the heap an instance holds (after forced GCs, the heap with it less the heap once it is dropped) divided by the entries held (keys are shared strings, values small integers),`,
    `after the stream ("bytes/entry"), and for an instance of capacity ${FULL.toLocaleString('en-US')} holding ${FULL.toLocaleString('en-US')} entries ("at ${FULL / 1000}k"),`,
    'code compiled and type feedback gathered during the run are not counted (paid once per process, not per entry: they stay once the instance is dropped).', '',
    '| case | TTL | ops/s fresh (median) | × Map | × lru-cache | ops/s steady | × lru-cache | hit ratio | bytes/entry | at 100k | entries held |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of SELECTED) {
    const ms = results.get(c.name)!;
    const ops = median(ms.map((m) => m.opsPerSec));
    const steady = median(ms.map((m) => m.steadyOpsPerSec));
    const vsLru = (value: number, field: 'opsPerSec' | 'steadyOpsPerSec'): string => (c.name === 'map' ? '—' : (value / lruCache(c.ttl, field)).toFixed(2));
    lines.push(`| ${c.library} | ${c.ttl ? `${TTL_MS / 1000} s` : 'no'} | ${(ops / 1e6).toFixed(2)} M | ${median(ratios.get(c.name)!).toFixed(2)} | ${vsLru(ops, 'opsPerSec')} | ${(steady / 1e6).toFixed(2)} M | ${vsLru(steady, 'steadyOpsPerSec')} | ${(median(ms.map((m) => m.hitRatio)) * 100).toFixed(1)}% | ${median(ms.map((m) => m.bytesPerEntry)).toFixed(0)} | ${median(ms.map((m) => m.bytesPerEntryFull)).toFixed(0)} | ${ms[0]!.size.toLocaleString('en-US')} |`);
  }
  lines.push('', `Up-front memory (heap held after the first call, average of ${UPFRONT_COUNT} made after ${UPFRONT_WARMUP} others, median of ${ROUNDS} runs): one memoized function at default options (\`memoize(fn)\`, one call) ${median(upfronts.map((u) => u.memoizeKiB)).toFixed(1)} KiB; one lru-cache with max 1000 after one \`set\` ${median(upfronts.map((u) => u.lruCacheKiB)).toFixed(1)} KiB. In use (${USED_CALLS} calls on ${USED_KEYS} small integers, the cache never full): the memoized function ${median(upfronts.map((u) => u.memoizeUsedKiB)).toFixed(1)} KiB, a memo over lru-cache (max 1000) ${median(upfronts.map((u) => u.lruCacheUsedKiB)).toFixed(1)} KiB.`);
  lines.push('', `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. ${placement}`);
  const report = lines.join('\n');
  process.stdout.write(`${report}\n`);
  if (ONLY === undefined) writeSection('throughput', report);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
