// The remote stores against their raw clients, in one process and one run: Redis (ioredis) and
// Memcached (memjs), GET hits of the same ~100-byte value under the same key, 50 concurrent callers.
// Every round runs each contender for a short burst, in an order rotated from round to round, and
// each contender's throughput is divided by the baseline's of the same round: on a shared 2-core
// machine the load changes from second to second, and only ratios taken close together in time
// mean anything. Also reported: the CPU time per operation of this process (the client side) and of
// the server process, and whether every call was one hit on the server (its own counters).
// Used by backends.bench.ts; `node --import tsx bench/backends.bench.ts --remote-only` prints just these.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import { createMemcachedStore, createRedisStore, memoize, reloadConfig } from './runtime-dist.js';
import type { AsyncStore, StoreContext } from '../runtime/src/stores/types.js';

/** Callers, operations per burst, rounds. */
const CALLERS = 50;
const BURST = 2000;
const ROUNDS = 41;

/** Which stores to measure, and how many rounds (fewer for a quick comparison). */
export interface RemoteOptions {
  only?: 'redis' | 'memcached';
  rounds?: number;
}
let rounds = ROUNDS;

const ctx = (namespace: string): StoreContext => ({ namespace, now: Date.now, events: { evicted: () => undefined } });
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const quantile = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))] as number;
const median = (xs: number[]) => quantile(xs, 0.5);

/** CPU time (user + system) of a process, in µs, from /proc (all its threads); undefined elsewhere. */
function processCpuUs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of the line (utime, stime), counted from the state field (3rd).
    return (Number(fields[11]) + Number(fields[12])) * (1e6 / 100);
  } catch {
    return undefined;
  }
}

interface Contender {
  name: string;
  op: (caller: number) => Promise<unknown>;
}

interface Result {
  name: string;
  opsPerSec: number[];
  ratio: number[];
  clientUs: number;
  serverUs: number | undefined;
}

/** One burst: `BURST` operations by `CALLERS` concurrent loops (caller i passes i). */
async function burst(op: (caller: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CALLERS }, async (_, caller) => {
    while (next < BURST) {
      next++;
      await op(caller);
    }
  }));
  return BURST / ((performance.now() - t0) / 1000);
}

/** Interleaved rounds; ratios against the first contender of the same round. */
async function compare(contenders: Contender[], serverPid: number | undefined): Promise<Result[]> {
  const results: Result[] = contenders.map((c) => ({ name: c.name, opsPerSec: [], ratio: [], clientUs: 0, serverUs: 0 }));
  const cpu = contenders.map(() => ({ client: 0, server: 0, ops: 0 }));
  for (const c of contenders) await burst(c.op); // warm-up (JIT, connections)
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => (i + r) % contenders.length);
    const got: number[] = [];
    for (const i of order) {
      const c0 = process.cpuUsage();
      const s0 = processCpuUs(serverPid);
      got[i] = await burst(contenders[i]!.op);
      const c = process.cpuUsage(c0);
      const s1 = processCpuUs(serverPid);
      cpu[i]!.client += c.user + c.system;
      cpu[i]!.server += s0 === undefined || s1 === undefined ? NaN : s1 - s0;
      cpu[i]!.ops += BURST;
    }
    for (let i = 0; i < contenders.length; i++) {
      results[i]!.opsPerSec.push(got[i]!);
      results[i]!.ratio.push(got[i]! / got[0]!);
    }
  }
  for (let i = 0; i < contenders.length; i++) {
    results[i]!.clientUs = cpu[i]!.client / cpu[i]!.ops;
    results[i]!.serverUs = Number.isNaN(cpu[i]!.server) ? undefined : cpu[i]!.server / cpu[i]!.ops;
  }
  return results;
}

function table(results: Result[], baseline: string): string[] {
  const lines = [
    `| client | ops/s (median) | vs ${baseline} (median of rounds) | middle half of rounds | client CPU µs/op | server CPU µs/op |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(`| ${r.name} | ${Math.round(median(r.opsPerSec)).toLocaleString('en')} | ${(median(r.ratio) * 100).toFixed(0)}% | ` +
      `${(quantile(r.ratio, 0.25) * 100).toFixed(0)}-${(quantile(r.ratio, 0.75) * 100).toFixed(0)}% | ${r.clientUs.toFixed(1)} | ${r.serverUs === undefined ? 'n/a' : r.serverUs.toFixed(1)} |`);
  }
  return lines;
}

async function redisHits(client: Redis): Promise<number> {
  const info = await client.info('stats');
  return Number(/keyspace_hits:(\d+)/.exec(info)?.[1] ?? NaN);
}

async function memcachedHits(client: memjs.Client): Promise<number> {
  return new Promise((resolve) => {
    client.stats((error, _server, stats) => resolve(error || !stats ? NaN : Number(stats.get_hits)));
  });
}

export interface RemoteServers {
  redisUrl: string;
  redisPid: number | undefined;
  memcachedAddress: string;
  memcachedPid: number | undefined;
  /** How the processes were placed on the CPUs (stated in the section). */
  placement: string;
}

/** The Redis and Memcached tables, as markdown lines. */
export async function remoteTables(servers: RemoteServers, options: RemoteOptions = {}): Promise<string[]> {
  rounds = options.rounds ?? ROUNDS;
  const value = { id: 1, name: 'x'.repeat(60) }; // 80 bytes stored
  const out: string[] = [];
  const loadBefore = os.loadavg();

  // One config file for the memoized contenders (backend names as an app's config has them).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-remote-'));
  const file = path.join(dir, 'cachelens.config.json');
  fs.writeFileSync(file, JSON.stringify({ backends: { benchRedis: { type: 'redis', url: servers.redisUrl }, benchMemcached: { type: 'memcached', servers: servers.memcachedAddress } } }));
  const previous = process.env.CACHELENS_CONFIG;
  process.env.CACHELENS_CONFIG = file;
  reloadConfig();
  const body = async (caller: number): Promise<unknown> => ({ id: caller, name: 'x'.repeat(60) });
  const callers = Array.from({ length: CALLERS }, (_, i) => i);

  // --- Redis ------------------------------------------------------------------------------------
  const store = createRedisStore({ type: 'redis', url: servers.redisUrl }, ctx('bench-fn')) as AsyncStore;
  await store.set('k', value, {});
  const admin = new Redis(servers.redisUrl);
  const key = (await admin.keys('cachelens:bench-fn:*')).find((k) => !k.endsWith(':gen')) as string;
  const rawDefault = new Redis(servers.redisUrl);
  const rawPipelined = new Redis(servers.redisUrl, { enableAutoPipelining: true });
  // What the store's own client is made with (redis-client.ts): auto-pipelining, a timer per command
  // (its CPU cost alone, without I/O: bench/remote-bound.ts). The store itself sends a tick's reads as one MGET.
  const rawLikeStore = new Redis(servers.redisUrl, { enableAutoPipelining: true, commandTimeout: 500, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const memoRedis = memoize(body, { backend: 'benchRedis', id: 'bench-remote-redis' }) as (caller: number) => Promise<unknown>;
  for (const c of callers) await memoRedis(c);
  const redisContenders: Contender[] = [
    { name: 'raw ioredis GET, auto-pipelined', op: () => rawPipelined.getBuffer(key) },
    { name: 'raw ioredis GET, default client', op: () => rawDefault.getBuffer(key) },
    { name: 'raw ioredis GET, the store\'s client options (+ commandTimeout 500)', op: () => rawLikeStore.getBuffer(key) },
    { name: '**cachelens redis store get** (decode included)', op: () => store.get('k') },
    { name: 'memoize(fn, { backend: redis }), 50 held arguments', op: (caller) => memoRedis(caller) },
  ];
  const hits0 = await redisHits(admin);
  const redis = await compare(redisContenders, servers.redisPid);
  const hitsMade = (await redisHits(admin)) - hits0;
  const expectedHits = (rounds + 1) * BURST * redisContenders.length;
  if (options.only === 'redis') {
    // The Redis table alone (a quick comparison): the method is the full run's, with fewer rounds.
    const loadAfterRedis = os.loadavg();
    out.push('', `#### Redis (${rounds} rounds, ${BURST} operations per burst, ${CALLERS} callers; load average (1 min) ${loadBefore[0]!.toFixed(1)} before, ` +
      `${loadAfterRedis[0]!.toFixed(1)} after, on ${os.cpus().length} CPUs. ${servers.placement})`, '', ...table(redis, 'auto-pipelined raw GET'), '',
    `Server hits counted by Redis: ${hitsMade.toLocaleString('en')} for ${expectedHits.toLocaleString('en')} calls.`);
    await store.close();
    for (const c of [admin, rawDefault, rawPipelined, rawLikeStore]) c.disconnect();
    if (previous === undefined) delete process.env.CACHELENS_CONFIG;
    else process.env.CACHELENS_CONFIG = previous;
    reloadConfig();
    fs.rmSync(dir, { recursive: true, force: true });
    return out;
  }

  // --- Memcached ----------------------------------------------------------------------------------
  const rawMc = memjs.Client.create(servers.memcachedAddress, { logger: { log: () => undefined } });
  const mcStore = createMemcachedStore({ type: 'memcached', servers: servers.memcachedAddress }, ctx('bench-fn')) as AsyncStore;
  await mcStore.set('k', value, {});
  const generation = (await rawMc.get('cachelens:bench-fn:gen')).value?.toString();
  const mcKey = `cachelens:bench-fn:${generation ?? '?'}:k`;
  if (!(await rawMc.get(mcKey)).value) throw new Error(`the memcached store's key is not ${mcKey}: update the bench`);
  const memoMc = memoize(body, { backend: 'benchMemcached', id: 'bench-remote-memcached' }) as (caller: number) => Promise<unknown>;
  for (const c of callers) await memoMc(c);
  const mcContenders: Contender[] = [
    { name: 'raw memjs get', op: () => rawMc.get(mcKey) },
    { name: '**cachelens memcached store get** (decode included)', op: () => mcStore.get('k') },
    { name: 'memoize(fn, { backend: memcached }), 50 held arguments', op: (caller) => memoMc(caller) },
  ];
  const mcHits0 = await memcachedHits(rawMc);
  const mc = await compare(mcContenders, servers.memcachedPid);
  const mcHitsMade = (await memcachedHits(rawMc)) - mcHits0;
  const mcExpected = (rounds + 1) * BURST * mcContenders.length;
  const loadAfter = os.loadavg();

  out.push(
    '',
    `### Remote stores vs their raw clients: ${CALLERS} concurrent callers, GET hits of a ~100-byte value`,
    '',
    `Method: one process; each of ${rounds} rounds runs every contender for ${BURST.toLocaleString('en')} operations, in an order rotated ` +
      'from round to round, and divides each one\'s throughput by the first row\'s of the same round; the table gives the median of those ' +
      'ratios and the middle half of them (the spread the load caused). The raw clients read the very key and bytes the store reads ' +
      '(80 bytes, v8 format). CPU µs/op: user + system time of this process (the client side) and of the server process over all ' +
      'its rounds, divided by the operations; on a loaded machine these move less than throughput does. ' +
      `${servers.placement} Load average (1 min) ${loadBefore[0]!.toFixed(1)} before, ${loadAfter[0]!.toFixed(1)} after, on ${os.cpus().length} CPUs.`,
    '',
    '#### Redis',
    '',
    ...table(redis, 'auto-pipelined raw GET'),
    '',
    `Server hits counted by Redis (INFO keyspace_hits): ${hitsMade.toLocaleString('en')} for ${expectedHits.toLocaleString('en')} calls` +
      (hitsMade === expectedHits ? ': every call was one hit on the server (a GET, or its key of an MGET).'
        // The stores re-read their function's generation counter in the background (a GET hit too).
        : hitsMade > expectedHits && hitsMade - expectedHits <= 100 ? `: every call was one hit on the server, plus ${hitsMade - expectedHits} background reads of generation counters.`
          : ' (the counts differ: see the bench).'),
    '',
    '#### Memcached',
    '',
    ...table(mc, 'raw memjs'),
    '',
    `Server hits counted by memcached (stats get_hits): ${mcHitsMade.toLocaleString('en')} for ${mcExpected.toLocaleString('en')} calls` +
      `${mcHitsMade === mcExpected ? ': every call was one get hit.' : ' (the counts differ: see the bench).'}`,
  );

  const row = (results: Result[], i: number) => `${(median(results[i]!.ratio) * 100).toFixed(0)}%`;
  out.push(
    '',
    `Reading it. Target: each store at ≥ 90% of its raw client; here Redis ${row(redis, 3)} of the auto-pipelined raw GET ` +
      `(${row(redis, 2)} for raw ioredis with the store's own client options), Memcached ${row(mc, 1)} of raw memjs. ` +
      'The store sends the reads that its callers ask for within one tick as one MGET (`runtime/src/stores/redis-reads.ts`): one command, ' +
      'one promise and one `commandTimeoutMs` timer per tick instead of a command object, two promises, a callback and a timer per GET, ' +
      'and the server parses one command instead of 50; hence its lower client CPU per read. Each read is still answered as its own GET ' +
      'would be (a missing key is a miss) and bounded as before. A raw ioredis client gets the same only by batching its reads by hand. ' +
      'Against the raw client with the store\'s options (third row), the difference is ioredis\'s timer per command, the fail-open bound ' +
      '(`bench/remote-bound.ts`: 0.2-0.4 µs of CPU per GET without I/O). On this shared machine the spread of the rounds is wide: read the ' +
      'middle half, not the median alone. The Memcached store is ahead of raw memjs because it corks the socket for the ' +
      'requests of one tick (one write for the 50 callers; memjs writes each request at once), as auto-pipelining does for Redis. ' +
      'The memoize rows add memoize\'s own call path (keys, statistics, single-flight) to the store\'s get.',
  );

  await Promise.all([store.close(), mcStore.close()]);
  for (const c of [admin, rawDefault, rawPipelined, rawLikeStore]) c.disconnect();
  rawMc.close();
  if (previous === undefined) delete process.env.CACHELENS_CONFIG;
  else process.env.CACHELENS_CONFIG = previous;
  reloadConfig();
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}
