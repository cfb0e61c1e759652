// Cross-process stampede protection: many callers over several connections (as several processes
// would have) miss the same key at once; the value is computed once.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, it } from 'node:test';
import { onceAcrossProcesses } from '../../../runtime/src/stores/remote/stampede.js';
import { createMemcachedStore } from '../../../runtime/src/stores/memcached.js';
import { createRedisStore } from '../../../runtime/src/stores/redis.js';
import type { AsyncStore, StoreContext, StoreFactory } from '../../../runtime/src/stores/types.js';
import { startMemcached, startRedis, type MemcachedServer, type RedisServer } from '../../harness/servers.js';

let redis: RedisServer;
let memcached: MemcachedServer;
before(async () => { [redis, memcached] = await Promise.all([startRedis(), startMemcached()]); });
after(async () => { await redis.stop(); await memcached.stop(); });

const errors: Error[] = [];
const ctx: StoreContext = { namespace: 'stampede-fn', now: Date.now, events: { evicted: () => undefined, backendError: (e) => errors.push(e) } };

/** The protocol memoize runs on a miss: the winner computes and stores, the others read the store. */
async function computeOnce(s: AsyncStore<number>, key: string, compute: () => Promise<number>, options: { pollMs?: number } = {}): Promise<number> {
  const result = await onceAcrossProcesses(s, key, async () => {
    const value = await compute();
    await s.set(key, value, { ttlMs: 60_000 });
    return value;
  }, options);
  return 'stored' in result ? result.stored : result.produced;
}

async function stampede(factory: StoreFactory, config: () => Record<string, unknown> & { type: string }): Promise<{ computed: number; values: unknown[] }> {
  // One config object per "process": each gets its own connection.
  const stores = Array.from({ length: 4 }, () => factory(config(), ctx) as AsyncStore<number>);
  let computed = 0;
  const slow = async () => { computed++; await new Promise((r) => setTimeout(r, 100)); return 42; };
  const once = (s: AsyncStore<number>): Promise<number> => computeOnce(s, 'hot', slow, { pollMs: 5 });
  const values = await Promise.all(stores.flatMap((s) => Array.from({ length: 5 }, () => once(s))));
  for (const s of stores) await s.close();
  return { computed, values };
}

it('redis: 20 callers on 4 connections compute a missing key once', async () => {
  const { computed, values } = await stampede(createRedisStore, () => ({ type: 'redis', url: redis.url }));
  assert.deepEqual(errors, []);
  assert.equal(computed, 1);
  assert.deepEqual(new Set(values), new Set([42]));
});

it('memcached: 20 callers on 4 connections compute a missing key once', async () => {
  const { computed, values } = await stampede(createMemcachedStore, () => ({ type: 'memcached', servers: memcached.address }));
  assert.deepEqual(errors, []);
  assert.equal(computed, 1);
  assert.deepEqual(new Set(values), new Set([42]));
});

/**
 * A caller takes the lock while the server is frozen (SIGSTOP): the command times out, the caller
 * goes on as the holder (fail open), and its release fails too. The server, resumed, still runs the
 * queued lock command. Another process missing the key then must not wait the lock's whole TTL
 * (10 s) for a value nobody computes: the lock is released once the server answers, and the waiter
 * takes it over.
 */
async function frozenLock(factory: StoreFactory, config: () => Record<string, unknown> & { type: string }, pid: number): Promise<number> {
  const frozen = factory({ ...config(), commandTimeoutMs: 200, breaker: { failureThreshold: 1, openMs: 100 } }, ctx) as AsyncStore<number>;
  const other = factory(config(), ctx) as AsyncStore<number>;
  await frozen.get('warm'); // connected before the freeze
  process.kill(pid, 'SIGSTOP');
  try {
    const lock = await (frozen.lock as NonNullable<AsyncStore['lock']>)('frozen-key', 10_000);
    assert.equal(lock.acquired, true, 'fail open: the caller computes');
    await lock.release();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const t0 = performance.now();
  const value = await computeOnce(other, 'frozen-key', async () => 7);
  const waited = performance.now() - t0;
  assert.equal(value, 7);
  await frozen.close();
  await other.close();
  return waited;
}

it('redis: a lock taken while the server was frozen does not hold another caller for its TTL', async () => {
  const waited = await frozenLock(createRedisStore, () => ({ type: 'redis', url: redis.url, keyPrefix: 'frozen:' }), redis.process.pid as number);
  assert.ok(waited < 3000, `the other caller waited ${waited.toFixed(0)} ms`);
});

it('memcached: a lock taken while the server was frozen does not hold another caller for its TTL', async () => {
  const waited = await frozenLock(createMemcachedStore, () => ({ type: 'memcached', servers: memcached.address, keyPrefix: 'frozen:' }), memcached.process.pid as number);
  assert.ok(waited < 3000, `the other caller waited ${waited.toFixed(0)} ms`);
});
