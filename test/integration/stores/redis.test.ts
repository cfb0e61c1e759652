// The Redis store against real redis-server processes: standalone, a 3-master Cluster, Sentinel.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisStore, type RedisBackendConfig, type RedisStore } from '../../../runtime/src/stores/redis.js';
import { MISS, type AsyncStore, type StoreContext } from '../../../runtime/src/stores/types.js';
import { redisCommandCalls, startRedis, startRedisCluster, startRedisSentinel, type RedisServer } from '../../harness/servers.js';
import { storeContract } from '../../harness/store-contract.js';

const quiet: StoreContext['events'] = { evicted: () => undefined, backendError: () => undefined };
const ctx = (namespace: string, errors: Error[] = []): StoreContext => ({ namespace, now: Date.now, events: { evicted: () => undefined, backendError: (e) => errors.push(e) } });

let standalone: RedisServer;
const standaloneConfig: RedisBackendConfig = { type: 'redis', url: '', keyPrefix: 'test:' };
before(async () => {
  standalone = await startRedis();
  standaloneConfig.url = standalone.url;
});
after(() => standalone.stop());

storeContract({ name: 'redis', ttl: 'server', copies: true, create: (c) => createRedisStore(standaloneConfig, c) });

describe('redis: keys, TTL, generations', () => {
  let raw: Redis;
  before(() => { raw = new Redis(standalone.url); });
  after(() => raw.quit());

  it('writes readable keys prefix + function id + generation + key, with the TTL in PX', async () => {
    const store = createRedisStore(standaloneConfig, ctx('src/prices.ts#getPrices')) as AsyncStore;
    await store.set('["EUR"]', 42, { ttlMs: 90_000 });
    const [key] = (await raw.keys('test:src/prices.ts#getPrices:*')).filter((k) => !k.endsWith(':gen'));
    assert.match(key as string, /^test:src\/prices\.ts#getPrices:\d{13}:\["EUR"\]$/);
    const ttl = await raw.pttl(key as string);
    assert.ok(ttl > 85_000 && ttl <= 90_000, `PTTL ${ttl}`);
    assert.equal(await raw.pttl('test:src/prices.ts#getPrices:gen'), -1, 'the generation counter never expires');
    await store.close();
  });

  it('clears a function by a new generation, seen by another connection through pub/sub', async () => {
    const configB: RedisBackendConfig = { ...standaloneConfig };
    const a = createRedisStore(standaloneConfig, ctx('gen-fn')) as AsyncStore;
    const b = createRedisStore(configB, ctx('gen-fn')) as AsyncStore;
    await a.set('k', 'v1', {});
    assert.equal(await b.get('k'), 'v1');
    await a.clear();
    // b learns the new generation from the pub/sub message; wait for it without sleeping blindly.
    for (let i = 0; i < 200 && (await b.get('k')) !== MISS; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await b.get('k'), MISS);
    await a.close();
    await b.close();
  });

  it('lets exactly one of many concurrent lock callers compute', async () => {
    const stores = [0, 1, 2].map(() => createRedisStore({ ...standaloneConfig }, ctx('lock-fn')) as AsyncStore);
    const locks = await Promise.all(stores.flatMap((s) => [s.lock!('hot', 5000), s.lock!('hot', 5000)]));
    assert.equal(locks.filter((l) => l.acquired).length, 1);
    await Promise.all(locks.map((l) => l.release()));
    const again = await stores[1]!.lock!('hot', 5000);
    assert.equal(again.acquired, true, 'released locks can be taken again');
    await again.release();
    for (const s of stores) await s.close();
  });

  it('does not cache a value above maxValueBytes, compresses a large one, and reports the skip', async () => {
    const errors: Error[] = [];
    const store = createRedisStore({ ...standaloneConfig, maxValueBytes: 2000, compressAboveBytes: 500 }, ctx('size-fn', errors)) as AsyncStore;
    await store.set('compressible', 'a'.repeat(50_000), {});
    assert.equal(await store.get('compressible'), 'a'.repeat(50_000));
    const random = randomBytes(5000);
    await store.set('big', random.toString('base64'), {});
    assert.equal(await store.get('big'), MISS);
    assert.deepEqual(errors.map((e) => (e as Error & { code: string }).code), ['CACHELENS_VALUE_TOO_LARGE']);
    await store.close();
  });

  it('rejects a bad option with a named error at creation', () => {
    assert.throws(() => createRedisStore({ type: 'redis', url: 'http://x' }, ctx('bad')), { code: 'CACHELENS_BACKEND_CONFIG' });
    assert.throws(() => createRedisStore({ type: 'redis', url: standalone.url, commandTimeoutMs: -1 }, ctx('bad')), { code: 'CACHELENS_BACKEND_CONFIG' });
  });

  it('uses an ioredis client passed in, and leaves it open on close', async () => {
    const client = new Redis(standalone.url);
    const store = createRedisStore({ type: 'redis', client, keyPrefix: 'given:' }, { ...ctx('given'), events: quiet }) as AsyncStore;
    await store.set('k', 1, {});
    assert.equal(await store.get('k'), 1);
    await store.close();
    assert.equal(await client.ping(), 'PONG');
    await client.quit();
  });

  it('sends the reads of one tick as one MGET, every function\'s, each answered as its own GET would be', async () => {
    // No background re-read of the generation counters (a GET) while the commands are counted.
    const config: RedisBackendConfig = { ...standaloneConfig, keyPrefix: 'batch:', generationRefreshMs: 600_000 };
    const errors: Error[] = [];
    const a = createRedisStore(config, ctx('batch-a', errors)) as AsyncStore;
    const b = createRedisStore(config, ctx('batch-b', errors)) as AsyncStore;
    try {
      await a.set('n', 1, {});
      await a.set('o', { x: [1, 2] }, {});
      await b.set('n', 'from b', {});
      await a.set('listy', 'replaced below', {});
      await a.set('garbled', 'replaced below', {});
      // A data key holding a list (GET would fail with WRONGTYPE; MGET answers nil) and one holding bytes no codec wrote.
      const dataKey = async (key: string) => (await raw.keys(`batch:batch-a:*:${key}`))[0] as string;
      const listKey = await dataKey('listy');
      await raw.del(listKey);
      await raw.rpush(listKey, 'x');
      await raw.set(await dataKey('garbled'), 'not a value cachelens wrote');
      const calls = async () => {
        const done = await redisCommandCalls(standalone.url);
        return { get: done.get ?? 0, mget: done.mget ?? 0 };
      };

      const before = await calls();
      const answers = await Promise.all([a.get('n'), a.get('o'), a.get('absent'), b.get('n'), a.get('listy'), a.get('garbled'), b.get('o')]);
      const after = await calls();
      assert.deepEqual(answers, [1, { x: [1, 2] }, MISS, 'from b', MISS, MISS, MISS]);
      assert.deepEqual({ get: after.get - before.get, mget: after.mget - before.mget }, { get: 0, mget: 1 }, 'seven reads of two functions, one MGET');
      assert.deepEqual(errors.map((e) => (e as Error & { code: string }).code), ['CACHELENS_VALUE_UNREADABLE'], 'the unreadable value is reported; the list is a plain miss');

      // One read alone is a GET; past 256 reads in a tick, the next MGET starts.
      const single = await calls();
      assert.equal(await a.get('n'), 1);
      const many = await Promise.all(Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? b : a).get(i % 2 === 0 ? 'n' : 'absent')));
      const end = await calls();
      assert.deepEqual(many, Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? (i % 3 === 0 ? 'from b' : 1) : MISS)));
      assert.deepEqual({ get: end.get - single.get, mget: end.mget - single.mget }, { get: 1, mget: 3 }, 'one GET, then 600 reads in MGETs of 256, 256 and 88');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reads key by key, losing no read, for a user whose ACL refuses MGET', async () => {
    await raw.call('ACL', 'SETUSER', 'no-mget', 'on', '>secret', '~*', '&*', '+@all', '-mget');
    const url = new URL(standalone.url);
    url.username = 'no-mget';
    url.password = 'secret';
    const errors: Error[] = [];
    const store = createRedisStore({ ...standaloneConfig, url: url.toString(), keyPrefix: 'acl:' }, ctx('acl-fn', errors)) as AsyncStore;
    try {
      await store.set('a', 'A', {});
      await store.set('b', { b: 1 }, {});
      assert.deepEqual(await Promise.all([store.get('a'), store.get('b'), store.get('none')]), ['A', { b: 1 }, MISS], 'the refused batch is read again, key by key');
      assert.deepEqual(await Promise.all([store.get('b'), store.get('a')]), [{ b: 1 }, 'A'], 'and so are later reads');
      assert.deepEqual(errors, [], 'nothing failed that a caller would see');
      assert.equal(store.health, 'ok');
    } finally {
      await store.close();
      await raw.call('ACL', 'DELUSER', 'no-mget');
    }
  });
});

describe('redis: the subscriber after a restart', () => {
  it('subscribes again once the server is back, so a clear made after the restart reaches the other process', async () => {
    const server = await startRedis();
    // Two config objects: two connections (and subscribers), as in two processes. No background re-read of generations.
    const config = (): RedisBackendConfig => ({ type: 'redis', url: server.url, commandTimeoutMs: 200, generationRefreshMs: 600_000, breaker: { failureThreshold: 3, openMs: 100 } });
    const a = createRedisStore(config(), { ...ctx('resub-fn'), events: quiet }) as RedisStore;
    const b = createRedisStore(config(), { ...ctx('resub-fn'), events: quiet }) as RedisStore;
    const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, `${what} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until('both subscribed', () => a.connection.listening && b.connection.listening);
      await server.process.kill('SIGKILL');
      await server.process.start();
      await until('both subscribers back', () => a.connection.listening && b.connection.listening);
      await until('a writes again', async () => { await a.set('k', 'v', {}); return (await b.get('k')) === 'v'; });
      await a.clear();
      await until('b sees the clear by pub/sub (its generation is not re-read for 600 s)', async () => (await b.get('k')) === MISS, 2000);
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  });
});

describe('redis cluster (3 masters)', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  const config: RedisBackendConfig = { type: 'redis', keyPrefix: 'c:' };
  before(async () => {
    cluster = await startRedisCluster(3);
    config.url = `redis-cluster://${cluster.nodes.join(',')}`;
  });
  after(() => cluster.stop());
  storeContract({ name: 'redis-cluster', ttl: 'server', copies: true, create: (c) => createRedisStore(config, c) });

  it('spreads one function\'s keys over the masters', async () => {
    const store = createRedisStore(config, ctx('spread')) as AsyncStore;
    for (let i = 0; i < 60; i++) await store.set(`k${i}`, i, {});
    const counts = await Promise.all(cluster.nodes.map(async (n) => {
      const r = new Redis(`redis://${n}`);
      const size = await r.dbsize();
      r.disconnect();
      return size;
    }));
    assert.ok(counts.every((c) => c > 5), `keys per master: ${counts.join(', ')}`);
    for (let i = 0; i < 60; i++) assert.equal(await store.get(`k${i}`), i);
    await store.close();
  });
});

describe('redis sentinel', () => {
  let sentinel: Awaited<ReturnType<typeof startRedisSentinel>>;
  before(async () => { sentinel = await startRedisSentinel('cachelens'); });
  after(() => sentinel.stop());

  it('finds the master through the sentinel given by URL, and by options', async () => {
    const byUrl = createRedisStore({ type: 'redis', url: `redis-sentinel://${sentinel.sentinels.join(',')}/${sentinel.name}` }, ctx('sentinel-fn')) as AsyncStore;
    await byUrl.set('k', new Date(5), {});
    const byOptions = createRedisStore({ type: 'redis', sentinel: { sentinels: sentinel.sentinels, name: sentinel.name } }, ctx('sentinel-fn')) as AsyncStore;
    assert.deepEqual(await byOptions.get('k'), new Date(5));
    const raw = new Redis(sentinel.master.url);
    assert.equal((await raw.keys('cachelens:sentinel-fn:*')).length, 2, 'the value and the generation live on the master');
    raw.disconnect();
    await byUrl.close();
    await byOptions.close();
  });
});

describe('redis: tags', () => {
  it('removes every entry of a tag across functions, and keeps the others', async () => {
    const prices = createRedisStore(standaloneConfig, ctx('tags-prices')) as AsyncStore;
    const users = createRedisStore(standaloneConfig, ctx('tags-users')) as AsyncStore;
    await prices.set('eur', 1, { tags: ['catalog'], ttlMs: 60_000 });
    await prices.set('usd', 2, { tags: ['catalog', 'usd'] });
    await users.set('ada', 3, { tags: ['catalog'] });
    await users.set('bob', 4, { tags: ['people'] });
    assert.equal(await users.invalidateTags!(['catalog']), 3);
    assert.equal(await prices.get('eur'), MISS);
    assert.equal(await prices.get('usd'), MISS);
    assert.equal(await users.get('ada'), MISS);
    assert.equal(await users.get('bob'), 4);
    assert.equal(await users.invalidateTags!(['catalog']), 0, 'the tag index went with its entries');
    await prices.close();
    await users.close();
  });

  it('keeps a tag index as long as its longest-lived entry', async () => {
    const raw = new Redis(standalone.url);
    const store = createRedisStore(standaloneConfig, ctx('tags-ttl')) as AsyncStore;
    await store.set('a', 1, { tags: ['t-ttl'], ttlMs: 50_000 });
    await store.set('b', 1, { tags: ['t-ttl'], ttlMs: 10_000 });
    assert.ok((await raw.pttl('test:__tag__:t-ttl')) > 40_000, 'a shorter TTL does not shorten the index');
    await store.set('c', 1, { tags: ['t-ttl'] });
    assert.equal(await raw.pttl('test:__tag__:t-ttl'), -1, 'an entry without TTL keeps the index forever');
    await store.close();
    raw.disconnect();
  });
});
