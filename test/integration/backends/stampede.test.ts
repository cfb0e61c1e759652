// Cross-process stampede protection: many callers over several connections (as several processes
// would have) miss the same key at once; the value is computed once.
import assert from 'node:assert/strict';
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

async function stampede(factory: StoreFactory, config: () => Record<string, unknown> & { type: string }): Promise<{ computed: number; values: unknown[] }> {
  // One config object per "process": each gets its own connection.
  const stores = Array.from({ length: 4 }, () => factory(config(), ctx) as AsyncStore<number>);
  let computed = 0;
  const slow = async () => { computed++; await new Promise((r) => setTimeout(r, 100)); return 42; };
  // The protocol memoize runs on a miss: the winner computes and stores, the others read the store.
  const once = async (s: AsyncStore<number>): Promise<number> => {
    const result = await onceAcrossProcesses(s, 'hot', async () => {
      const value = await slow();
      await s.set('hot', value, { ttlMs: 60_000 });
      return value;
    }, { pollMs: 5 });
    return 'stored' in result ? result.stored : result.produced;
  };
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
