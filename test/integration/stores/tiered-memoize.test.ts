// memoize over the two-tier store, against a real redis-server: L1 hits take the in-memory call
// path (the entry's settled promise, the same object every time, counted as hits), misses keep
// single flight, another connection's writes evict the hot entries whatever the argument kind,
// and an injected clock decides L1 expiry exactly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setClock } from '../../../runtime/src/clock.js';
import { canonicalArgs } from '../../../runtime/src/keys.js';
import { cacheOf, memoize } from '../../../runtime/src/memoize/index.js';
import { createTieredStore, type TieredBackendConfig } from '../../../runtime/src/stores/tiered.js';
import type { AsyncStore } from '../../../runtime/src/stores/types.js';
import { startRedis, type RedisServer } from '../../harness/servers.js';
import { configFiles } from '../../harness/config-files.js';
import { COHERENCE_BOUND_MS } from './coherence.js';

let redis: RedisServer;
let tiered: TieredBackendConfig;
const config = configFiles('cachelens-tiered-memoize-');

before(async () => {
  redis = await startRedis();
  tiered = { type: 'tiered', url: redis.url, keyPrefix: 'tm:' };
  config.use({ backends: { two: tiered } });
});
after(async () => {
  await redis.stop();
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Calls `f(...args)` until the hit comes from L1 (the same settled promise twice in a row). */
async function warm(f: (...args: never[]) => Promise<unknown>, args: unknown[]): Promise<void> {
  const call = f as (...a: unknown[]) => Promise<unknown>;
  await until(`L1 holds ${JSON.stringify(args)}`, async () => {
    const p = call(...args);
    await p;
    return call(...args) === p;
  });
}

/**
 * Waits until the backend's shared connection receives invalidations (L1 is filled only then), so
 * that the next miss fills L1 from its own write, with the write's TTL.
 */
async function listening(): Promise<void> {
  const probe = memoize(async () => 0, { backend: 'two', id: `tm-probe-${Math.random()}` });
  await warm(probe, []);
}

/** The argument lists of every shape the call path tells apart, with the value each returns. */
const SHAPES: { name: string; args: unknown[] }[] = [
  { name: 'one number', args: [7] },
  { name: 'one string', args: ['user-42'] },
  { name: 'one string memoryKey prefixes', args: ['{not json'] },
  { name: 'two strings', args: ['eu', 'prices'] },
  { name: 'one plain object', args: [{ region: 'eu', page: 2 }] },
  { name: 'two numbers', args: [3, 4] },
];

describe('memoize over the two-tier store', () => {
  for (const shape of SHAPES) {
    it(`serves L1 hits as the same settled promise, counted exactly (${shape.name})`, async () => {
      let computed = 0;
      const f = memoize(async (...args: unknown[]) => { computed++; return { args }; }, { backend: 'two', id: `tm-hit-${shape.name}` });
      await warm(f, shape.args);
      const before = cacheOf(f).stats();
      const p = f(...shape.args);
      for (let i = 0; i < 99; i++) assert.equal(f(...shape.args), p, 'every L1 hit returns the one settled promise');
      assert.deepEqual(await p, { args: shape.args });
      const after = cacheOf(f).stats();
      assert.equal(after.hits - before.hits, 100, 'each hit counted once');
      assert.equal(after.misses, before.misses);
      assert.equal(computed, 1);
    });
  }

  it('keeps single flight on a miss: concurrent callers share one computation', async () => {
    let computed = 0;
    const f = memoize(async (n: number) => { computed++; await new Promise((r) => setTimeout(r, 20)); return n * 2; }, { backend: 'two', id: 'tm-flight' });
    const results = await Promise.all(Array.from({ length: 20 }, () => f(21)));
    assert.deepEqual(new Set(results), new Set([42]));
    assert.equal(computed, 1);
    const stats = cacheOf(f).stats();
    assert.equal(stats.misses, 1);
    assert.equal(stats.hits, 19);
  });

  it('drops a hot L1 entry when another connection writes its key, for every argument shape', async () => {
    // A second store on its own connection (a copy of the config) plays the other process.
    const other = createTieredStore({ ...tiered }, { namespace: 'tm-coherent', now: Date.now, events: { evicted: () => undefined } }) as AsyncStore;
    try {
      let version = 'old';
      const f = memoize(async (...args: unknown[]) => `${version}:${JSON.stringify(args)}`, { backend: 'two', id: 'tm-coherent' });
      for (const { args } of SHAPES) {
        await warm(f, args);
        assert.equal(await f(...args), `old:${JSON.stringify(args)}`);
      }
      version = 'never computed again';
      for (const { name, args } of SHAPES) {
        await other.set(canonicalArgs('tm-coherent', args), `new:${name}`, {});
        await until(`${name}: the other connection's write reaches this L1`, async () => (await f(...args)) === `new:${name}`, COHERENCE_BOUND_MS);
      }
      for (const { name, args } of SHAPES) assert.equal(await f(...args), `new:${name}`);
    } finally {
      await other.close();
    }
  });

  it('drops the entries of cacheOf(f).delete and clear at once, in this process', async () => {
    let computed = 0;
    const f = memoize(async (s: string) => { computed++; return `${s}#${computed}`; }, { backend: 'two', id: 'tm-delete' });
    await warm(f, ['a']);
    await warm(f, ['b']);
    assert.equal(await f('a'), 'a#1');
    assert.deepEqual(await cacheOf(f).delete('a'), { removed: true, confirmed: true });
    assert.equal(await f('a'), 'a#3');
    await cacheOf(f).clear();
    assert.equal(await f('b'), 'b#4');
  });

  it('expires L1 entries exactly on an injected clock (setClock), even within one synchronous stretch', async () => {
    let t = Date.now();
    const restore = setClock(() => t);
    try {
      // A TTL shorter than l1.ttlMs (10 s): the L1 entry expires by itself, on the function's clock.
      await listening();
      const f = memoize(async (n: number) => n + 1, { backend: 'two', id: 'tm-clock', ttl: '5s' });
      await f(1);
      await until('the write lands', () => cacheOf(f).has(1)); // and so the flight is over: hits come from L1
      const p = f(1);
      assert.equal(f(1), p, 'an L1 hit');
      t += 4_999;
      assert.equal(f(1), p, 'still an L1 hit just before the TTL');
      t += 2;
      assert.notEqual(f(1), p, 'no longer served from L1, with no tick in between');
    } finally {
      restore();
    }
  });

  it('expires L1 entries exactly on a function clock option', async () => {
    let t = 1_000_000;
    await listening();
    const f = memoize(async (n: number) => n + 1, { backend: 'two', id: 'tm-own-clock', ttl: '2s', clock: () => t });
    await f(1);
    await until('the write lands', () => cacheOf(f).has(1));
    const p = f(1);
    assert.equal(f(1), p, 'an L1 hit');
    t += 2_001;
    assert.notEqual(f(1), p);
  });
});
