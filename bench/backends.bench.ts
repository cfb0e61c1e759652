// Backends beyond one process, measured side by side in one run against real servers started by
// the test harness: Redis store vs raw ioredis GET (50 concurrent callers), Memcached store vs raw
// memjs, the two-tier store's L1 hit path vs the memory store, its staleness window, the disk
// engine vs a hand-rolled file-per-key store, and the value codec. Writes docs/benchmarks-backends.md.
// Run: node --import tsx bench/backends.bench.ts   (or npm run bench -- backends)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import { MemoryStore } from '../runtime/src/stores/memory.js';
import { createDiskStore } from '../runtime/src/stores/disk.js';
import { createMemcachedStore } from '../runtime/src/stores/memcached.js';
import { createRedisStore } from '../runtime/src/stores/redis.js';
import { createTieredStore } from '../runtime/src/stores/tiered.js';
import { MISS, type AsyncStore, type StoreContext } from '../runtime/src/stores/types.js';
import { startMemcached, startRedis } from '../test/harness/servers.js';
import { serializationTables } from './backends-serialize.js';

const out: string[] = [];
const log = (line = '') => { out.push(line); console.log(line); };
const ctx = (namespace: string): StoreContext => ({ namespace, now: Date.now, events: { evicted: () => undefined } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

/** ops/s of `op` run by `callers` concurrent loops, `total` operations in all. */
async function throughput(callers: number, total: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: callers }, async () => {
    while (next < total) await op(next++);
  }));
  return total / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  const value = { id: 1, name: 'x'.repeat(60) }; // ~100 bytes stored
  try {
    log('## Backends beyond one process');
    log();
    log(`Node ${process.version}, ${os.cpus().length} CPUs, redis-server and memcached on loopback (started by test/harness/servers.ts). ` +
      'Medians of 5 rounds, the contenders interleaved in each round.');

    // --- Redis: store vs raw ioredis GET, 50 concurrent callers -----------------------------------
    const raw = new Redis(redis.url);
    const rawPipelined = new Redis(redis.url, { enableAutoPipelining: true });
    const store = createRedisStore({ type: 'redis', url: redis.url }, ctx('bench-fn')) as AsyncStore;
    await store.set('k', value, {});
    const encoded = await raw.getBuffer((await raw.keys('cachelens:bench-fn:*')).find((k) => !k.endsWith(':gen')) as string);
    await raw.set('raw-k', encoded as Buffer);
    const N = 40_000;
    const rounds: Record<string, number[]> = { 'raw ioredis GET (default client)': [], 'raw ioredis GET, enableAutoPipelining': [], 'cachelens redis store get (decode included)': [] };
    for (let r = 0; r < 5; r++) {
      rounds['raw ioredis GET (default client)']!.push(await throughput(50, N, () => raw.getBuffer('raw-k')));
      rounds['raw ioredis GET, enableAutoPipelining']!.push(await throughput(50, N, () => rawPipelined.getBuffer('raw-k')));
      rounds['cachelens redis store get (decode included)']!.push(await throughput(50, N, () => store.get('k')));
    }
    const base = median(rounds['raw ioredis GET (default client)']!);
    log();
    log('### Redis: 50 concurrent callers, GET of a ~100-byte value');
    log();
    log('| client | ops/s (median) | vs raw ioredis GET |');
    log('|---|---:|---:|');
    for (const [name, xs] of Object.entries(rounds)) log(`| ${name} | ${Math.round(median(xs)).toLocaleString('en')} | ${(median(xs) / base * 100).toFixed(0)}% |`);
    log();
    log('Target: the store at ≥ 90% of raw ioredis GET. Auto-pipelining (on by default in the store) is what pays for the decode and the fail-open guard.');

    // --- Memcached ------------------------------------------------------------------------------
    const rawMc = memjs.Client.create(memcached.address, { logger: { log: () => undefined } });
    const mcStore = createMemcachedStore({ type: 'memcached', servers: memcached.address }, ctx('bench-fn')) as AsyncStore;
    await mcStore.set('k', value, {});
    await rawMc.set('raw-k', encoded as Buffer, {});
    const mc: Record<string, number[]> = { 'raw memjs get': [], 'cachelens memcached store get': [] };
    for (let r = 0; r < 5; r++) {
      mc['raw memjs get']!.push(await throughput(50, N / 2, () => rawMc.get('raw-k')));
      mc['cachelens memcached store get']!.push(await throughput(50, N / 2, () => mcStore.get('k')));
    }
    const mcBase = median(mc['raw memjs get']!);
    log();
    log('### Memcached: 50 concurrent callers, get of a ~100-byte value');
    log();
    log('| client | ops/s (median) | vs raw memjs |');
    log('|---|---:|---:|');
    for (const [name, xs] of Object.entries(mc)) log(`| ${name} | ${Math.round(median(xs)).toLocaleString('en')} | ${(median(xs) / mcBase * 100).toFixed(0)}% |`);

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

    // --- Two tiers: hit path and staleness window ---------------------------------------------------
    const tierA = createTieredStore({ type: 'tiered', url: redis.url }, ctx('tier-fn')) as AsyncStore;
    const tierB = createTieredStore({ type: 'tiered', url: redis.url }, ctx('tier-fn')) as AsyncStore;
    const memory = new MemoryStore({ max: 1000 }, ctx('mem'));
    memory.set('k', value, {});
    for (let i = 0; i < 200 && tierA.peek!('k') === MISS; i++) { await tierA.set('k', value, {}); await new Promise((r) => setTimeout(r, 10)); }
    const hit: Record<string, number[]> = { 'memory store get (sync)': [], 'tiered peek (sync L1 hit)': [], 'tiered get (awaited L1 hit)': [] };
    const M = 1_000_000;
    let sink = 0;
    for (let r = 0; r < 5; r++) {
      let t = performance.now(); for (let i = 0; i < M; i++) if (memory.get('k') !== MISS) sink++; hit['memory store get (sync)']!.push((performance.now() - t) * 1e6 / M);
      t = performance.now(); for (let i = 0; i < M; i++) if (tierA.peek!('k') !== MISS) sink++; hit['tiered peek (sync L1 hit)']!.push((performance.now() - t) * 1e6 / M);
      t = performance.now(); for (let i = 0; i < M / 10; i++) if ((await tierA.get('k')) !== MISS) sink++; hit['tiered get (awaited L1 hit)']!.push((performance.now() - t) * 1e6 / (M / 10));
    }
    log();
    log('### Two tiers: cost of an L1 hit (ns per get)');
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
    log('Time from the start of a write in one connection until another connection\'s L1 stops answering the old value (200 writes, same process, separate Redis connections; the two-process test in test/integration/backends/tiered.test.ts checks the same across processes).');
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
    raw.disconnect();
    rawPipelined.disconnect();
    rawMc.close();
  } finally {
    await redis.stop();
    await memcached.stop();
  }
  fs.mkdirSync(path.join(__dirname, '..', 'docs'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, '..', 'docs', 'benchmarks-backends.md'), out.join('\n') + '\n');
}

void main().catch((error: unknown) => { console.error(error); process.exitCode = 1; });
