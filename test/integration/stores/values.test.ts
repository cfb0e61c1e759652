// What a shared backend caches, over real servers (redis-server, memcached), real SQLite (disk) and
// the two-tier store: one rule (stores/serialize.ts): a value is cached only if it comes back
// exactly as it went in; any other value is returned to the caller uncached and counted
// (backendErrors), never rejected, and the two-tier store's L1 follows the same rule.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CacheKeyError } from '../../../runtime/src/errors.js';
import { cacheOf, memoize } from '../../../runtime/src/memoize/index.js';
import { createTieredStore } from '../../../runtime/src/stores/tiered.js';
import { MISS, type AsyncStore } from '../../../runtime/src/stores/types.js';
import { startMemcached, startRedis, type MemcachedServer, type RedisServer } from '../../harness/servers.js';
import { configFiles } from '../../harness/config-files.js';

let redis: RedisServer;
let memcached: MemcachedServer;
const config = configFiles('cachelens-values-');
const BACKENDS = ['redis', 'memcached', 'disk', 'two'] as const;

before(async () => {
  [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  config.use({
    backends: {
      redis: { type: 'redis', url: redis.url, keyPrefix: 'v:' },
      memcached: { type: 'memcached', servers: memcached.address, keyPrefix: 'v:' },
      disk: { type: 'disk', path: path.join(config.dir, 'cache') },
      two: { type: 'tiered', url: redis.url, keyPrefix: 'v2:' },
    },
  });
});
after(async () => {
  await Promise.all([redis.stop(), memcached.stop()]);
});

let seq = 0;
/** Calls a memoized `make` twice (the second after the first's write); returns both results and the counts. */
async function twice(backend: string, make: () => unknown): Promise<{ first: unknown; second: unknown; calls: number; backendErrors: number }> {
  let calls = 0;
  const f = memoize(async () => { calls++; return make(); }, { backend, id: `values-${backend}-${++seq}` });
  const first = await f();
  // The write completes before the flight is released; a third call would join nothing.
  await new Promise((r) => setTimeout(r, 20));
  const second = await f();
  return { first, second, calls, backendErrors: cacheOf(f).stats().backendErrors };
}

function deepArray(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

class Point { constructor(readonly x: number) {} }

/** Values that would not come back as they went in: each is returned uncached and counted. */
const REFUSED: Record<string, () => unknown> = {
  'a throwing getter': () => ({ ok: 1, get boom(): number { throw new Error('boom'); } }),
  'a Proxy whose trap throws': () => new Proxy({ ok: 1 }, { getPrototypeOf() { throw new Error('trap'); } }),
  'a value nested 10,000 deep': () => deepArray(10_000),
  'an Error with its own properties': () => Object.assign(new Error('not found'), { code: 'E_NOTFOUND', status: 404 }),
  'a null-prototype object': () => Object.assign(Object.create(null) as object, { a: 1 }),
  'a class instance': () => ({ where: new Point(1) }),
  'a function inside': () => ({ handler: () => 1 }),
  'a Date with an own property': () => Object.assign(new Date(0), { label: 'epoch' }),
};

/** Values that come back as they went in: cached. */
const KEPT: Record<string, () => unknown> = {
  'plain data': () => ({ id: 7, tags: ['a', 'b'], at: new Date(5), m: new Map([[1, new Set([2])]]) }),
  'a plain Error with a cause': () => new TypeError('bad', { cause: new Error('root') }),
  'a value nested 500 deep': () => deepArray(500),
};

for (const backend of BACKENDS) {
  describe(`values on the ${backend} backend`, () => {
    for (const [name, make] of Object.entries(REFUSED)) {
      it(`${name}: the call resolves with the value, which is not cached, and is counted`, async () => {
        const r = await twice(backend, make);
        assert.equal(r.calls, 2, 'computed twice: nothing was cached (nor kept in a local tier)');
        assert.equal(typeof r.first, typeof make());
        assert.ok(r.backendErrors >= 2, `backendErrors: ${r.backendErrors}`);
      });
    }
    it('a native error comes back as the same class, with its message and cause', async () => {
      const r = await twice(backend, () => new RangeError('out of range', { cause: new Error('root') }));
      assert.equal(r.calls, 1);
      assert.ok(r.second instanceof RangeError);
      assert.equal(r.second.message, 'out of range');
      assert.equal((r.second.cause as Error).message, 'root');
      assert.deepEqual(Object.keys(r.second), []);
    });
    for (const [name, make] of Object.entries(KEPT)) {
      it(`${name}: cached, and comes back equal`, async () => {
        const r = await twice(backend, make);
        assert.equal(r.calls, 1);
        assert.deepEqual(r.second, make());
        assert.equal(r.backendErrors, 0);
      });
    }
  });
}

describe('the two-tier store keeps in L1 only what the shared tier accepts', () => {
  it('a value Redis refuses is not served from L1 to this process while another recomputes it', async () => {
    let callsA = 0;
    let callsB = 0;
    const id = `values-two-l1-${++seq}`;
    // Two functions with one id on one backend: two "processes" sharing the Redis namespace.
    const a = memoize(async () => { callsA++; return { where: new Point(1) }; }, { backend: 'two', id });
    const b = memoize(async () => { callsB++; return { where: new Point(1) }; }, { backend: 'two', id });
    for (let i = 0; i < 3; i++) {
      await a();
      await new Promise((r) => setTimeout(r, 20));
    }
    await b();
    assert.equal(callsA, 3, 'process A recomputes, as process B must');
    assert.equal(callsB, 1);
  });
});

describe('arguments that cannot be keyed, on the shared backends: CacheKeyError before the function runs', () => {
  const ARGS: [string, unknown[], number, RegExp][] = [
    ['a 10,000-deep argument', [deepArray(10_000)], 0, /nested more than 1000 levels deep/],
    ['a throwing getter', [1, { get boom(): number { throw new Error('boom'); } }], 1, /at \.boom could not be read \(its getter threw Error: boom\)/],
    ['a Proxy whose trap throws', [new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } })], 0, /could not be read \(Error: trap\)/],
  ];
  for (const backend of BACKENDS) {
    for (const [name, args, index, problem] of ARGS) {
      it(`${name} (${backend})`, async () => {
        let calls = 0;
        const f = memoize(async (..._args: unknown[]) => { calls++; return 1; }, { backend, id: `values-keys-${backend}-${++seq}` });
        assert.throws(() => f(...args), (e: unknown) => e instanceof CacheKeyError && e.argumentIndex === index && problem.test(e.message));
        assert.equal(calls, 0);
      });
    }
  }
});

describe('the two-tier store\'s l1.maxBytes bounds what L1 holds', () => {
  it('with l1.maxBytes "2KB", three values of about 1.2 KB each leave at most one in L1 (all three stay in Redis)', async () => {
    const store = createTieredStore({ type: 'tiered', url: redis.url, keyPrefix: 'vb:', l1: { maxBytes: '2KB' } },
      { namespace: `values-l1-bytes-${++seq}`, events: { evicted: () => undefined }, now: () => Date.now() }) as AsyncStore;
    try {
      // L1 fills only once the subscriber listens.
      for (let i = 0; i < 200 && (await store.set('warm', 0, {}), store.peek!('warm') === MISS); i++) await new Promise((r) => setTimeout(r, 10));
      const big = (c: string): string => c.repeat(600); // 16 + 2 * 600 bytes, estimated
      for (const k of ['a', 'b', 'c']) await store.set(k, big(k), {});
      const inL1 = ['a', 'b', 'c'].filter((k) => store.peek!(k) !== MISS);
      assert.ok(inL1.length <= 1, `L1 holds ${inL1.join(', ')}`);
      for (const k of ['a', 'b', 'c']) assert.equal(await store.get(k), big(k));
    } finally {
      await (store as AsyncStore & { close(): Promise<void> }).close();
    }
  });
});
