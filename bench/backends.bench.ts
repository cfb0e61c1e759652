// Backends beyond one process, measured side by side in one run against real servers started by
// the test harness: the Redis and Memcached stores (and memoize on them) vs raw ioredis and raw
// memjs GETs, 50 concurrent callers (backends-remote.ts), a two-tier L1 hit through memoize vs a hit of the same async function on the memory
// backend, the staleness window, the disk engine vs a hand-rolled file-per-key store, and the
// value codec. Writes docs/benchmarks-backends.md (folded into docs/benchmarks.md by bench/run.mjs).
// Run: node --import tsx bench/backends.bench.ts   (or npm run bench -- backends; --l1-only prints just the L1-hit
// table, --remote-only just the remote-store tables, with
// --redis-only for the Redis table alone and --rounds N for fewer rounds; --no-pin leaves the processes where the scheduler puts them)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cacheOf, createCodec, createDiskStore, createMemcachedStore, createRedisStore, createTieredStore, memoize, MemoryStore, MISS, reloadConfig } from './runtime-dist.js';
import type { AsyncStore, StoreContext } from '../runtime/src/stores/types.js';
import { startMemcached, startRedis } from '../test/harness/servers.js';
import { serializationTables } from './backends-serialize.js';
import { remoteTables, type RemoteServers } from './backends-remote.js';
import { canPin, lastCpu, pin } from './pin-cpu.mjs';
import type { MemcachedServer, RedisServer } from '../test/harness/servers.js';

const out: string[] = [];
const log = (line = '') => { out.push(line); console.log(line); };
const ctx = (namespace: string): StoreContext => ({ namespace, now: Date.now, events: { evicted: () => undefined } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

/**
 * With 2 or more CPUs and taskset available (and no `--no-pin`), the servers go to the last CPU and
 * this process (all its threads) to the first, so that client and server do not take each other's
 * core; other users of the machine still share both. Returns the sentence that says so.
 */
function pinServers(redis: RedisServer, memcached: MemcachedServer): string {
  if (!canPin()) return 'Processes not pinned to CPUs (the scheduler places client and servers).';
  const last = lastCpu();
  for (const pid of [redis.process.pid, memcached.process.pid]) if (pid !== undefined) pin(pid, last);
  pin(process.pid, 0);
  return `Pinned with taskset: redis-server and memcached on CPU ${last}, this process (all its threads) on CPU 0, so that client and server do not take each other's core (other users of the machine still share both).`;
}

function remoteServers(redis: RedisServer, memcached: MemcachedServer, placement: string): RemoteServers {
  return { redisUrl: redis.url, redisPid: redis.process.pid, memcachedAddress: memcached.address, memcachedPid: memcached.process.pid, placement };
}

async function main(): Promise<void> {
  if (process.argv.includes('--remote-only')) {
    // Just the remote-store tables, printed (nothing written): for quick comparisons.
    const [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
    try {
      const at = process.argv.indexOf('--rounds');
      const rounds = at < 0 ? undefined : Number(process.argv[at + 1]);
      if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds needs a whole number >= 1, got "${process.argv[at + 1] ?? ''}".`);
      const only = process.argv.includes('--redis-only') ? 'redis' as const : undefined;
      for (const line of await remoteTables(remoteServers(redis, memcached, pinServers(redis, memcached)), { only, rounds })) console.log(line);
    } finally {
      await redis.stop();
      await memcached.stop();
    }
    return;
  }
  if (process.argv.includes('--l1-only')) {
    // Just the memoize L1-hit table, printed (nothing written): for quick comparisons.
    const redis = await startRedis();
    try {
      for (const line of await memoizedHits(redis.url)) console.log(line);
    } finally {
      await redis.stop();
    }
    return;
  }
  const [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  const placement = pinServers(redis, memcached);
  const value = { id: 1, name: 'x'.repeat(60) }; // ~100 bytes stored
  try {
    log('## Backends beyond one process');
    log();
    log(`Node ${process.version}, ${os.cpus().length} CPUs, redis-server and memcached on loopback (started by test/harness/servers.ts). ` +
      'Each table says how its rounds were run; the contenders are interleaved in each round. ' +
      `Load average (1 min) at the start of the run: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs shared with other users; ` +
      'the figures of this section are from one run, and only ratios within a table compare.');

    // --- Redis and Memcached: the stores vs their raw clients, 50 concurrent callers -------------------
    for (const line of await remoteTables(remoteServers(redis, memcached, placement))) log(line);
    const store = createRedisStore({ type: 'redis', url: redis.url }, ctx('bench-fn')) as AsyncStore;
    const mcStore = createMemcachedStore({ type: 'memcached', servers: memcached.address }, ctx('bench-fn')) as AsyncStore;
    await store.set('k', value, {});
    await mcStore.set('k', value, {});
    const encoded = createCodec({}).encode(value, 'bench-fn') as Buffer;

    // --- Sequential latency -------------------------------------------------------------------------
    const lat: Record<string, number[]> = { 'redis store get': [], 'memcached store get': [] };
    for (let i = 0; i < 3000; i++) {
      let t = performance.now(); await store.get('k'); lat['redis store get']!.push((performance.now() - t) * 1000);
      t = performance.now(); await mcStore.get('k'); lat['memcached store get']!.push((performance.now() - t) * 1000);
    }
    log();
    log('### One caller, sequential (latency, µs)');
    log();
    log('| operation | p50 | p99 |');
    log('|---|---:|---:|');
    for (const [name, xs] of Object.entries(lat)) log(`| ${name} | ${median(xs).toFixed(0)} | ${pct(xs, 0.99).toFixed(0)} |`);

    // --- Two tiers: an L1 hit through memoize vs the memory backend -----------------------------------
    for (const line of await memoizedHits(redis.url)) log(line);

    // --- Two tiers: the stores alone, and the staleness window ---------------------------------------
    const tierA = createTieredStore({ type: 'tiered', url: redis.url }, ctx('tier-fn')) as AsyncStore;
    const tierB = createTieredStore({ type: 'tiered', url: redis.url }, ctx('tier-fn')) as AsyncStore;
    const memory = new MemoryStore({ max: 1000 }, ctx('mem'));
    memory.set('k', value, {});
    for (let i = 0; i < 200 && tierA.peek!('k') === MISS; i++) { await tierA.set('k', value, {}); await new Promise((r) => setTimeout(r, 10)); }
    const hit: Record<string, number[]> = { 'memory store get (sync)': [], 'tiered peek (sync L1 hit, store key text)': [], 'tiered get (awaited L1 hit)': [] };
    const M = 1_000_000;
    let sink = 0;
    for (let r = 0; r < 5; r++) {
      let t = performance.now(); for (let i = 0; i < M; i++) if (memory.get('k') !== MISS) sink++; hit['memory store get (sync)']!.push((performance.now() - t) * 1e6 / M);
      t = performance.now(); for (let i = 0; i < M; i++) if (tierA.peek!('k') !== MISS) sink++; hit['tiered peek (sync L1 hit, store key text)']!.push((performance.now() - t) * 1e6 / M);
      t = performance.now(); for (let i = 0; i < M / 10; i++) if ((await tierA.get('k')) !== MISS) sink++; hit['tiered get (awaited L1 hit)']!.push((performance.now() - t) * 1e6 / (M / 10));
    }
    log();
    log('The stores alone, one key, with a context clock of `Date.now` (the bench\'s; memoize gives stores its tick clock). ' +
      '`peek` and `get` take the store key text and map it to the L1 key on every call; memoize\'s call path does not.');
    log();
    log('| path | ns/op (median) |');
    log('|---|---:|');
    for (const [name, xs] of Object.entries(hit)) log(`| ${name} | ${median(xs).toFixed(0)} |`);
    if (sink === 0) log('(no hits?)');

    // Staleness: B holds the value in L1; A overwrites; time until B's L1 no longer answers the old value.
    const windows: number[] = [];
    for (let i = 0; i < 200; i++) {
      await tierA.set('s', i, {});
      for (let j = 0; j < 500 && tierB.peek!('s') !== i; j++) { await tierB.get('s'); await new Promise((r) => setImmediate(r)); }
      const t0 = performance.now();
      await tierA.set('s', i + 0.5, {});
      while (tierB.peek!('s') === i) await new Promise((r) => setImmediate(r));
      windows.push(performance.now() - t0);
    }
    log();
    log('### Two tiers: staleness window');
    log();
    log('Time from the start of a write in one connection until another connection\'s L1 stops answering the old value (200 writes, same process, separate Redis connections; the two-process test in test/integration/stores/tiered.test.ts checks the same across processes).');
    log();
    log(`p50 ${median(windows).toFixed(2)} ms, p99 ${pct(windows, 0.99).toFixed(2)} ms, max ${Math.max(...windows).toFixed(2)} ms. ` +
      'The write itself (SET, then PUBLISH) is part of the window.');

    // --- Disk engine --------------------------------------------------------------------------------
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-disk-'));
    const disk = createDiskStore({ type: 'disk', path: path.join(dir, 'bench.sqlite') }, ctx('disk-fn')) as AsyncStore;
    const filesDir = path.join(dir, 'files');
    fs.mkdirSync(filesDir);
    const D = 5000;
    const diskOps: Record<string, { set: number[]; get: number[] }> = { 'SQLite (better-sqlite3, WAL), cachelens disk store': { set: [], get: [] }, 'file per key (write temp + rename), raw fs': { set: [], get: [] } };
    const bytes = encoded as Buffer;
    for (let r = 0; r < 3; r++) {
      let t = performance.now(); for (let i = 0; i < D; i++) await disk.set(`k${i}`, value, {}); diskOps['SQLite (better-sqlite3, WAL), cachelens disk store']!.set.push(D / ((performance.now() - t) / 1000));
      t = performance.now(); for (let i = 0; i < D; i++) await disk.get(`k${i}`); diskOps['SQLite (better-sqlite3, WAL), cachelens disk store']!.get.push(D / ((performance.now() - t) / 1000));
      t = performance.now();
      for (let i = 0; i < D; i++) { const f = path.join(filesDir, `k${i}`); fs.writeFileSync(f + '.tmp', bytes); fs.renameSync(f + '.tmp', f); }
      diskOps['file per key (write temp + rename), raw fs']!.set.push(D / ((performance.now() - t) / 1000));
      t = performance.now(); for (let i = 0; i < D; i++) fs.readFileSync(path.join(filesDir, `k${i}`)); diskOps['file per key (write temp + rename), raw fs']!.get.push(D / ((performance.now() - t) / 1000));
    }
    log();
    log('### Disk engine: sequential set / get of a ~100-byte value (ops/s)');
    log();
    log('| engine | set | get |');
    log('|---|---:|---:|');
    for (const [name, x] of Object.entries(diskOps)) log(`| ${name} | ${Math.round(median(x.set)).toLocaleString('en')} | ${Math.round(median(x.get)).toLocaleString('en')} |`);
    log();
    log('The file-per-key baseline has neither TTL, byte accounting, eviction nor multi-process byte totals; SQLite gives all of them in one crash-safe file (no fsync per write: `synchronous=NORMAL` in WAL mode is safe against process crashes, which is what a cache needs).');
    await disk.close();
    fs.rmSync(dir, { recursive: true, force: true });

    // --- Serialization --------------------------------------------------------------------------------
    log();
    log('### Serialization (encode + decode, one value)');
    for (const line of serializationTables()) log(line);

    await Promise.all([store.close(), mcStore.close(), tierA.close(), tierB.close()]);
  } finally {
    await redis.stop();
    await memcached.stop();
  }
  fs.mkdirSync(path.join(__dirname, '..', 'docs'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, '..', 'docs', 'benchmarks-backends.md'), out.join('\n') + '\n');
}

/**
 * One memoized async function per contender and argument shape: the memory backend (its call path
 * returns the cached promise) and the two-tier backend (an L1 hit returns the entry's settled
 * promise), each loop compiled on its own so no contender pays for another's call-site feedback.
 * Every case cycles through 100 distinct arguments, all held (in L1 for the two-tier functions).
 */
async function memoizedHits(redisUrl: string): Promise<string[]> {
  const ROUNDS = 9;
  const CALLS = 1_000_000;
  const DISTINCT = 100;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-tiered-'));
  const file = path.join(dir, 'cachelens.config.json');
  // l1.ttlMs raised so that no sweep of L1 falls inside the run (it would send a round's calls to Redis).
  fs.writeFileSync(file, JSON.stringify({ backends: { two: { type: 'tiered', url: redisUrl, keyPrefix: 'bench-memo:', l1: { ttlMs: 600_000 } } } }));
  const previous = process.env.CACHELENS_CONFIG;
  process.env.CACHELENS_CONFIG = file;
  reloadConfig();
  const numbers = Array.from({ length: DISTINCT }, (_, i) => i * 7 + 3);
  const firsts = Array.from({ length: DISTINCT }, (_, i) => `user-${i}`);
  const seconds = Array.from({ length: DISTINCT }, (_, i) => `region-${i % 7}`);
  const objects = Array.from({ length: DISTINCT }, (_, i) => ({ id: i, kind: `kind-${i % 5}` }));
  const cases = [
    { name: 'one number', loop: `for (let i = 0; i < calls; i++) last = f(numbers[i % ${DISTINCT}]);`, args: (j: number) => [numbers[j]] },
    { name: 'one string', loop: `for (let i = 0; i < calls; i++) last = f(firsts[i % ${DISTINCT}]);`, args: (j: number) => [firsts[j]] },
    { name: 'two strings', loop: `for (let i = 0; i < calls; i++) { const j = i % ${DISTINCT}; last = f(firsts[j], seconds[j]); }`, args: (j: number) => [firsts[j], seconds[j]] },
    { name: 'one object (by value)', loop: `for (let i = 0; i < calls; i++) { const j = i % ${DISTINCT}; last = f({ id: j, kind: objects[j].kind }); }`, args: (j: number) => [{ ...objects[j]! }] },
  ];
  const contenders = [
    { name: 'memory backend', options: { backend: 'memory' } },
    { name: 'memory backend, ttl 5m', options: { backend: 'memory', ttl: '5m' } },
    { name: 'two-tier, L1 hit', options: { backend: 'two' } },
  ];
  const body = async (...args: unknown[]): Promise<unknown> => args.length;
  type Memoized = (...args: unknown[]) => Promise<unknown>;
  const medians: Record<string, Record<string, number>> = {};
  let exact = true;
  let n = 0;
  for (const c of cases) {
    const runs: { name: string; f: Memoized; loop: (...a: unknown[]) => Promise<unknown>; samples: number[] }[] = [];
    for (const contender of contenders) {
      const f = memoize(body, { ...contender.options, id: `bench-memo-${n++}` }) as Memoized;
      // Warm: every argument held; for the two-tier function, until each hit is served by L1 (the same promise twice).
      for (let j = 0; j < DISTINCT; j++) {
        for (let tries = 0; ; tries++) {
          const p = f(...c.args(j));
          await p;
          if (f(...c.args(j)) === p) break;
          if (tries > 500) throw new Error(`${contender.name}: ${JSON.stringify(c.args(j))} is never served from memory`);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      // The comment makes each source unique, so V8 compiles (and profiles) each loop on its own.
      const loop = new Function('f', 'calls', 'numbers', 'firsts', 'seconds', 'objects',
        `// ${contender.name} / ${c.name}\nlet last; ${c.loop} return last;`) as (...a: unknown[]) => Promise<unknown>;
      await loop(f, 50_000, numbers, firsts, seconds, objects); // JIT warm-up
      runs.push({ name: contender.name, f, loop, samples: [] });
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const run of runs) {
        const before = cacheOf(run.f).stats();
        const t0 = process.hrtime.bigint();
        await run.loop(run.f, CALLS, numbers, firsts, seconds, objects);
        run.samples.push(Number(process.hrtime.bigint() - t0) / CALLS);
        const after = cacheOf(run.f).stats();
        if (after.hits - before.hits !== CALLS || after.misses !== before.misses) exact = false;
      }
    }
    for (const run of runs) (medians[c.name] ??= {})[run.name] = median(run.samples);
  }
  if (previous === undefined) delete process.env.CACHELENS_CONFIG;
  else process.env.CACHELENS_CONFIG = previous;
  reloadConfig();
  fs.rmSync(dir, { recursive: true, force: true });

  const lines = [
    '',
    '### Two tiers: an L1 hit through memoize vs the memory backend (ns per call)',
    '',
    `The same async function memoized on each backend, called ${CALLS.toLocaleString('en')} times per round over 100 held arguments, ` +
      `medians of ${ROUNDS} interleaved rounds. Both return a cached, settled promise without awaiting it (the caller awaits). ` +
      'L1 entries carry no TTL of their own (L1 is emptied every `l1.ttlMs` instead; raised here so that no sweep falls inside the run), ' +
      'unless the function\'s TTL is shorter; the memory backend with a TTL reads memoize\'s tick clock on every hit (second column).',
    '',
    `| arguments | ${contenders.map((x) => x.name).join(' | ')} | two-tier / memory |`,
    `|---|${contenders.map(() => '---:').join('|')}|---:|`,
  ];
  for (const c of cases) {
    const m = medians[c.name]!;
    lines.push(`| ${c.name} | ${contenders.map((x) => m[x.name]!.toFixed(1)).join(' | ')} | ${(m['two-tier, L1 hit']! / m['memory backend']!).toFixed(2)}× |`);
  }
  lines.push('', exact
    ? 'Statistics stayed exact: every measured call counted one hit, and no miss.'
    : 'WARNING: the hit counters did not match the calls made (see the bench).');
  return lines;
}

void main().catch((error: unknown) => { console.error(error); process.exitCode = 1; });
