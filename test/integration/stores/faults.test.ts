// Fault tests: the server dies in the middle of a load of memoized-style calls and comes back.
// Every call returns the right value, none waits past the bound, and caching resumes by itself.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { createMemcachedStore } from '../../../runtime/src/stores/memcached.js';
import { createRedisStore } from '../../../runtime/src/stores/redis.js';
import { MISS, type AsyncStore, type StoreContext } from '../../../runtime/src/stores/types.js';
import { startMemcached, startRedis, type ServerProcess } from '../../harness/servers.js';

/** Far above commandTimeoutMs (200): a call slower than this has hung on the cache. */
const BOUND_MS = 3000;

interface Load { calls: number; hits: number; slowest: number; degradedSeen: boolean; errors: number }

/** A memoized call: get, else compute and set. Returns the value the caller receives. */
async function cachedCall(store: AsyncStore, n: number, load: Load): Promise<number> {
  const t0 = performance.now();
  let value = await store.get(`n${n}`);
  if (value === MISS) {
    value = n * 2;
    await store.set(`n${n}`, value, { ttlMs: 60_000 });
  } else load.hits++;
  load.calls++;
  load.slowest = Math.max(load.slowest, performance.now() - t0);
  if (store.health === 'degraded') load.degradedSeen = true;
  return value as number;
}

/**
 * 20 workers call until the server has been killed and restarted and then 150 calls more each, so
 * the load spans the whole outage however fast or slow the machine is (a fixed count of calls
 * could finish before the kill on a fast machine, or the kill could come first on a loaded one).
 */
async function runUnderFault(store: AsyncStore, server: ServerProcess, load: Load): Promise<void> {
  let phase = 'up';
  const workers = Array.from({ length: 20 }, async (_, w) => {
    let after = 0;
    for (let i = 0; after < 150; i++) {
      const n = (w * 7 + i) % 50;
      assert.equal(await cachedCall(store, n, load), n * 2, `call ${w}/${i} during phase ${phase}`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
      if (phase === 'back') after++;
    }
  });
  const chaos = (async () => {
    // The kill comes once calls go through (on a loaded machine the first ones may still wait for
    // the connection at 60 ms, and then no call would see the outage), within 30 s.
    const deadline = Date.now() + 30_000;
    while (load.calls < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    phase = 'killed';
    await server.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 400));
    phase = 'restarting';
    await server.start();
    phase = 'back';
  })();
  await Promise.all([...workers, chaos]);
}

/** After the restart, a set followed by a get hits again within a few seconds (breaker closes, client reconnects). */
async function cachingResumes(store: AsyncStore): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    await store.set('resume', i, {});
    if ((await store.get('resume')) === i) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

const context = (errors: Error[]): StoreContext => ({ namespace: 'fault-fn', now: Date.now, events: { evicted: () => undefined, backendError: (e) => errors.push(e) } });

describe('fault: server killed and restarted mid-load', () => {
  /** Kills the server mid-load, restarts it, and checks the calls, the bound, the health and that caching resumes. */
  async function survivesRestart(
    server: { process: Parameters<typeof runUnderFault>[1]; stop(): Promise<void> },
    makeStore: (errors: Error[]) => AsyncStore,
    healthyAfter: boolean,
  ): Promise<void> {
    const errors: Error[] = [];
    const store = makeStore(errors);
    const load: Load = { calls: 0, hits: 0, slowest: 0, degradedSeen: false, errors: 0 };
    try {
      await runUnderFault(store, server.process, load);
      assert.ok(load.calls >= 3000, `${load.calls} calls`);
      assert.ok(load.slowest < BOUND_MS, `slowest call ${load.slowest.toFixed(0)} ms`);
      assert.ok(errors.length > 0, 'the outage was reported');
      assert.ok(load.degradedSeen, 'health said degraded during the outage');
      assert.equal(await cachingResumes(store), true, 'caching resumed after the restart');
      if (healthyAfter) assert.equal(store.health, 'ok');
    } finally {
      // A failed assertion must not leave a client reconnecting for ever: the file would never end.
      await store.close();
      await server.stop();
    }
  }

  it('redis', async () => {
    const server = await startRedis();
    await survivesRestart(server, (errors) => createRedisStore({ type: 'redis', url: server.url, commandTimeoutMs: 200, breaker: { failureThreshold: 3, openMs: 200 } }, context(errors)) as AsyncStore, true);
  });

  it('memcached', async () => {
    const server = await startMemcached();
    await survivesRestart(server, (errors) => createMemcachedStore({ type: 'memcached', servers: server.address, commandTimeoutMs: 200, breaker: { failureThreshold: 3, openMs: 200 } }, context(errors)) as AsyncStore, false);
  });

  /** The server dies, calls see degraded; it comes back while the app makes no calls: health returns to ok by itself. */
  async function idleRecovery(server: { process: ServerProcess; stop(): Promise<void> }, store: AsyncStore): Promise<number> {
    try {
      await store.set('k', 1, {});
      assert.equal(await store.get('k'), 1);
      await server.process.kill('SIGKILL');
      for (let i = 0; i < 100 && store.health !== 'degraded'; i++) await store.get('k');
      assert.equal(store.health, 'degraded', 'calls during the outage open the breaker');
      await server.process.start();
      const health = (): string | undefined => store.health; // read afresh (no narrowing from the assert above)
      const t0 = performance.now();
      while (health() !== 'ok' && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
      const waited = performance.now() - t0;
      assert.equal(health(), 'ok', 'health returned to ok without any call');
      return waited;
    } finally {
      await store.close();
      await server.stop();
    }
  }

  it('memcached: an idle app sees its backend ok again once the server is back', async () => {
    const server = await startMemcached();
    const waited = await idleRecovery(server, createMemcachedStore({ type: 'memcached', servers: server.address, commandTimeoutMs: 200, breaker: { failureThreshold: 3, openMs: 200 } }, context([])) as AsyncStore);
    assert.ok(waited < 10_000, `${waited.toFixed(0)} ms`);
  });

  it('redis: an idle app sees its backend ok again once the server is back', async () => {
    const server = await startRedis();
    const waited = await idleRecovery(server, createRedisStore({ type: 'redis', url: server.url, commandTimeoutMs: 200, breaker: { failureThreshold: 3, openMs: 200 } }, context([])) as AsyncStore);
    assert.ok(waited < 10_000, `${waited.toFixed(0)} ms`);
  });
});

/**
 * The server is frozen (SIGSTOP): the connection stays up and nothing answers, so only the
 * bound (commandTimeoutMs) ends the calls: ioredis's commandTimeout for Redis, memjs's own timeout
 * for Memcached (just under the guard's). Every concurrent get answers a miss and the failure is
 * reported; resumed, the server answers again and the store hits.
 */
describe('fault: server frozen mid-load (SIGSTOP)', () => {
  async function frozenGets(pid: number, makeStore: (errors: Error[]) => AsyncStore): Promise<void> {
    const errors: Error[] = [];
    const store = makeStore(errors);
    try {
      await store.set('k', 42, {});
      assert.equal(await store.get('k'), 42);
      process.kill(pid, 'SIGSTOP');
      let answers: unknown[];
      try {
        // A watchdog far above the bound (200 ms): a get that never answers fails the test instead of hanging it.
        let watchdog: ReturnType<typeof setTimeout> | undefined;
        const hung = new Promise<never>((_, reject) => { watchdog = setTimeout(() => reject(new Error('a get hung on the frozen server')), BOUND_MS); });
        answers = await Promise.race([Promise.all(Array.from({ length: 50 }, () => store.get('k'))), hung]);
        clearTimeout(watchdog);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      assert.deepEqual(answers, Array.from({ length: 50 }, () => MISS), 'every get answered a miss');
      // Past the bound the client's timeout error is reported as the server being unavailable.
      assert.ok(errors.some((e) => (e as { code?: string }).code === 'CACHELENS_BACKEND_UNAVAILABLE' && /time/i.test(String((e as { cause?: unknown }).cause ?? e.message))),
        `a timeout was reported (got ${errors.map((e) => `${(e as { code?: string }).code}: ${e.message}`).slice(0, 3).join('; ')})`);
      let value: unknown = MISS;
      for (let i = 0; i < 200 && value !== 42; i++) {
        value = await store.get('k');
        if (value !== 42) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(value, 42, 'the resumed server answers hits again');
    } finally {
      await store.close();
    }
  }

  it('redis', async () => {
    const server = await startRedis();
    try {
      await frozenGets(server.process.pid as number, (errors) => createRedisStore({ type: 'redis', url: server.url, commandTimeoutMs: 200, breaker: { failureThreshold: 3, openMs: 200 } }, context(errors)) as AsyncStore);
    } finally {
      await server.stop();
    }
  });

  it('memcached', async () => {
    const server = await startMemcached();
    try {
      await frozenGets(server.process.pid as number, (errors) => createMemcachedStore({ type: 'memcached', servers: server.address, commandTimeoutMs: 200, breaker: { failureThreshold: 3, openMs: 200 } }, context(errors)) as AsyncStore);
    } finally {
      await server.stop();
    }
  });
});
