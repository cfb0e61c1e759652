// An invalidation made while Redis is hung (SIGSTOP, not killed) is not lost: two processes on the
// two-tier store (two stores with their own connections, as two replicas would have), a real
// redis-server stopped for 2 s. The process that clears never serves the old value; once Redis is
// back, no process serves it later than `l1.ttlMs` (+ slack); clear()/delete() resolve in bounded
// time and say "not confirmed"; the store's retry confirms once Redis answers.
import assert from 'node:assert/strict';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { cacheOf, memoize } from '../../../runtime/src/memoize/index.js';
import { createTieredStore, type TieredBackendConfig } from '../../../runtime/src/stores/tiered.js';
import { MISS, type AsyncStore, type StoreContext } from '../../../runtime/src/stores/types.js';
import { startRedis, type RedisServer } from '../../harness/servers.js';
import { configFiles } from '../../harness/config-files.js';

/** `l1.ttlMs` of both processes: the documented bound once Redis is back. */
const L1_TTL_MS = 1000;
/** Slack on that bound: the retry's backoff step (l1.ttlMs / 4) and one round trip, generously. */
const SLACK_MS = 500;
/** How long Redis is hung. */
const HANG_MS = 2000;
/** How long both processes are watched after SIGCONT: well past the bound, so an old value still served shows. */
const WATCH_MS = L1_TTL_MS + SLACK_MS + 2000;

let redis: RedisServer;
const config = configFiles('cachelens-tiered-invalidation-');

before(async () => {
  redis = await startRedis();
  const tier = (): TieredBackendConfig => ({ type: 'tiered', url: redis.url, keyPrefix: 'ti:', l1: { ttlMs: L1_TTL_MS } });
  // Two backend entries: two config objects, so two connections (and subscribers), like two replicas.
  config.use({ backends: { a: tier(), b: tier() } });
});
after(async () => {
  await redis.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
  process.kill(redis.process.pid as number, sig);
}

/** The data both replicas read (a database, here one object), and the two replicas' memoized readers of it. */
function replicas(id: string) {
  const data: Record<string, string> = {};
  const read = async (key: string) => data[key];
  const a = memoize(read, { backend: 'a', id });
  const b = memoize(read, { backend: 'b', id });
  return { data, a, b };
}

/** Calls `f(key)` until the value comes from L1 (the same settled promise twice: the subscriber listens). */
async function warm(f: (key: string) => Promise<unknown>, key: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const p = f(key);
    await p;
    if (f(key) === p) return;
    await sleep(5);
  }
  throw new Error(`${key} never settled in L1`);
}

interface Served { who: string; key: string; value: unknown; at: number }

/** Calls each replica for each key in a loop (each call awaited, ~20 ms apart) until `stop()`; records what was served and when. */
function watch(callers: Record<string, (key: string) => Promise<unknown>>, keys: () => readonly string[]) {
  const served: Served[] = [];
  let running = true;
  const loops = Object.entries(callers).map(async ([who, f]) => {
    while (running) {
      for (const key of keys()) served.push({ who, key, value: await f(key), at: performance.now() });
      await sleep(20);
    }
  });
  return { served, stop: async () => { running = false; await Promise.all(loops); } };
}

/**
 * For each watched replica, how long after `since` it last served `old` (-1: never after `since`).
 * A watched replica that served nothing at all fails the test: its silence proves nothing.
 */
function lastServed<Who extends string>(served: readonly Served[], old: unknown, since: number, watched: readonly Who[]): Record<Who, number> {
  const last = Object.fromEntries(watched.map((who) => [who, -1])) as Record<Who, number>;
  for (const who of watched) assert.ok(served.some((s) => s.who === who), `replica ${who} served nothing while watched`);
  for (const s of served) {
    if (s.value === old && s.who in last) last[s.who as Who] = Math.max(last[s.who as Who], Math.round(s.at - since));
  }
  return last;
}

async function generation(id: string): Promise<string | null> {
  const client = new Redis(redis.url, { lazyConnect: true });
  try {
    await client.connect();
    return await client.get(`ti:${id}:gen`);
  } finally {
    client.disconnect();
  }
}

/** Resolves with the ms from `since` until the generation of `id` differs from `before` (polled every 10 ms, at most `ms`). */
async function generationMoved(id: string, before: string | null, since: number, ms: number): Promise<number> {
  const client = new Redis(redis.url);
  try {
    while (performance.now() - since < ms) {
      if ((await client.get(`ti:${id}:gen`)) !== before) return Math.round(performance.now() - since);
      await sleep(10);
    }
    return Infinity;
  } finally {
    client.disconnect();
  }
}

describe('two tiers: an invalidation while Redis is hung (SIGSTOP) is not lost', () => {
  it('clear(): resolves in bounded time unconfirmed; the clearing process never serves the old value; after SIGCONT no process does later than l1.ttlMs', async (t) => {
    const { data, a, b } = replicas('inv-clear');
    let outcome: unknown;
    data.k = 'old';
    data.j = 'old';
    for (const f of [a, b]) for (const key of ['k', 'j']) await warm(f, key);
    const genBefore = await generation('inv-clear');

    signal('SIGSTOP');
    try {
      data.k = 'new';
      data.j = 'new';
      const t0 = performance.now();
      const result = await cacheOf(a).clear();
      const took = performance.now() - t0;
      t.diagnostic(`clear() during the hang resolved after ${took.toFixed(0)} ms with ${JSON.stringify(result)}`);
      // During the hang both replicas keep calling for 'k' ('j' is left alone: nothing rewrites it).
      const during = watch({ a, b }, () => ['k']);
      await sleep(Math.max(0, HANG_MS - (performance.now() - t0)));
      await during.stop();
      assert.ok(!during.served.some((s) => s.who === 'a' && s.value === 'old'), 'the clearing process never served the old value during the hang');
      assert.ok(took < 2000, `clear() resolved within 2 s while Redis was hung (took ${took.toFixed(0)} ms)`);
      outcome = result;
    } finally {
      signal('SIGCONT');
    }
    const back = performance.now();
    const afterwards = watch({ a, b }, () => ['k', 'j']);
    const confirmedAt = generationMoved('inv-clear', genBefore, back, WATCH_MS);
    await sleep(WATCH_MS);
    await afterwards.stop();
    t.diagnostic(`the retried clear reached Redis ${await confirmedAt} ms after SIGCONT`);
    const last = lastServed(afterwards.served, 'old', back, ['a', 'b']);
    t.diagnostic(`after SIGCONT the old value was last served at: ${JSON.stringify(last)} ms (watched ${WATCH_MS} ms)`);
    assert.ok(last.a < 0, `the clearing process never served the old value after SIGCONT (last at ${last.a} ms)`);
    assert.ok(last.b <= L1_TTL_MS + SLACK_MS, `the other process stopped serving the old value within l1.ttlMs + ${SLACK_MS} ms of SIGCONT (last at ${last.b} ms)`);
    assert.ok(afterwards.served.filter((s) => s.at - back > L1_TTL_MS + SLACK_MS).every((s) => s.value === 'new'), 'both serve the new value from then on');
    assert.deepEqual(outcome, { confirmed: false }, 'clear() during the hang said Redis did not confirm');
    // The retry confirmed: the generation moved on, and nothing is pending any more.
    assert.ok(await confirmedAt <= L1_TTL_MS, 'the generation counter was incremented once Redis answered');
    assert.deepEqual(await cacheOf(a).clear(), { confirmed: true }, 'with Redis back, a clear is confirmed');
  });

  it('delete(key): the same, also when the breaker is already open from failed calls', async (t) => {
    const { data, a, b } = replicas('inv-delete');
    let outcome: unknown;
    data.k = 'old';
    for (const f of [a, b]) await warm(f, 'k');

    signal('SIGSTOP');
    try {
      // The app keeps running against the hung server: its calls time out and open the breaker.
      await Promise.all(Array.from({ length: 5 }, (_, i) => a(`busy-${i}`)));
      data.k = 'new';
      const t0 = performance.now();
      const result = await cacheOf(a).delete('k');
      const took = performance.now() - t0;
      t.diagnostic(`delete() during the hang resolved after ${took.toFixed(0)} ms with ${JSON.stringify(result)}`);
      assert.ok(took < 2000, `delete() resolved within 2 s while Redis was hung (took ${took.toFixed(0)} ms)`);
      outcome = result;
      const during = watch({ a }, () => ['k']);
      await sleep(HANG_MS - 500);
      await during.stop();
      assert.ok(!during.served.some((s) => s.value === 'old'), 'the deleting process never served the old value during the hang');
    } finally {
      signal('SIGCONT');
    }
    const back = performance.now();
    const afterwards = watch({ a, b }, () => ['k']);
    await sleep(WATCH_MS);
    await afterwards.stop();
    const last = lastServed(afterwards.served, 'old', back, ['a', 'b']);
    t.diagnostic(`after SIGCONT the old value was last served at: ${JSON.stringify(last)} ms (watched ${WATCH_MS} ms)`);
    assert.ok(last.a < 0, `the deleting process never served the old value after SIGCONT (last at ${last.a} ms)`);
    assert.ok(last.b <= L1_TTL_MS + SLACK_MS, `the other process stopped serving the old value within l1.ttlMs + ${SLACK_MS} ms of SIGCONT (last at ${last.b} ms)`);
    assert.deepEqual(outcome, { removed: false, confirmed: false }, 'delete() during the hang said Redis did not confirm');
    assert.equal((await cacheOf(a).delete('k')).confirmed, true, 'with Redis back, a delete is confirmed');
  });
});

/**
 * A TCP relay to Redis whose connections can be stalled one by one: a stalled connection's
 * replies (and pub/sub messages) are no longer read, as with a subscriber stuck on a bad network path.
 */
async function relay(port: number) {
  const links: { client: net.Socket; upstream: net.Socket; subscriber: boolean }[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const link = { client, upstream, subscriber: false };
    links.push(link);
    client.on('data', (chunk: Buffer) => { if (/subscribe/i.test(chunk.toString('latin1'))) link.subscriber = true; });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    /** Stops delivering anything to the subscriber connections. */
    stallSubscribers(): number {
      const subs = links.filter((l) => l.subscriber);
      for (const l of subs) { l.upstream.unpipe(l.client); l.upstream.pause(); }
      return subs.length;
    },
    close: async () => {
      for (const l of links) { l.client.destroy(); l.upstream.destroy(); }
      await new Promise((r) => server.close(r));
    },
  };
}

describe('two tiers: a clear whose message never arrives (a stalled subscriber)', () => {
  it('the other process stops serving the old value within l1.ttlMs (+ slack) of the clear', async (t) => {
    const proxy = await relay(redis.port);
    const ctx = (): StoreContext => ({ namespace: 'inv-stalled', now: Date.now, events: { evicted: () => undefined } });
    const a = createTieredStore({ type: 'tiered', url: redis.url, keyPrefix: 'ti:', l1: { ttlMs: L1_TTL_MS } }, ctx()) as AsyncStore;
    const b = createTieredStore({ type: 'tiered', url: proxy.url, keyPrefix: 'ti:', l1: { ttlMs: L1_TTL_MS } }, ctx()) as AsyncStore;
    try {
      await a.set('k', 'old', {});
      for (let i = 0; i < 400 && b.peek!('k') !== 'old'; i++) { await b.get('k'); await sleep(5); }
      assert.equal(b.peek!('k'), 'old', 'the other process holds the value in its L1');
      assert.equal(proxy.stallSubscribers(), 1, "the other process's subscriber is stalled");
      const t0 = performance.now();
      await a.clear();
      assert.equal(a.invalidationPending, false, 'Redis confirmed the clear');
      await a.set('k', 'new', {});
      const served: Served[] = [];
      while (performance.now() - t0 < WATCH_MS) {
        const value = await b.get('k');
        served.push({ who: 'b', key: 'k', value: value === MISS ? 'miss' : value, at: performance.now() });
        await sleep(20);
      }
      const last = lastServed(served, 'old', t0, ['b']);
      t.diagnostic(`with its subscriber stalled, the other process last served the old value ${last.b} ms after the clear (watched ${WATCH_MS} ms)`);
      assert.ok(last.b <= L1_TTL_MS + SLACK_MS, `the other process stopped serving the old value within l1.ttlMs + ${SLACK_MS} ms (last at ${last.b} ms)`);
    } finally {
      await a.close();
      await b.close();
      await proxy.close();
    }
  });
});

describe('two tiers: an invalidation while Redis is down (SIGKILL) and restarted with its data (AOF)', () => {
  it('is retried once Redis is back, so the restored old value is not served past l1.ttlMs + the reconnect backoff', async (t) => {
    // Persistence restores the old generation counter and the old entries: a lost clear would
    // resurrect them for every process.
    const durable = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const make = (): TieredBackendConfig => ({ type: 'tiered', url: durable.url, keyPrefix: 'ti:', l1: { ttlMs: L1_TTL_MS } });
    const ctx = (): StoreContext => ({ namespace: 'inv-restart', now: Date.now, events: { evicted: () => undefined } });
    const a = createTieredStore(make(), ctx()) as AsyncStore;
    const b = createTieredStore(make(), ctx()) as AsyncStore;
    /** The client's reconnect backoff (ioredis retryStrategy, capped at 2 s): a process can only invalidate once it is reconnected. */
    const RECONNECT_MS = 2000;
    try {
      await a.set('k', 'old', {});
      for (let i = 0; i < 400 && b.peek!('k') !== 'old'; i++) { await b.get('k'); await sleep(5); }
      assert.equal(b.peek!('k'), 'old');
      await durable.process.kill('SIGKILL');
      const t0 = performance.now();
      await a.clear();
      const took = performance.now() - t0;
      const pendingThen = a.invalidationPending;
      assert.equal(await a.get('k'), MISS, 'the clearing process does not serve the old value while Redis is down');
      await durable.process.start();
      const back = performance.now();
      const served: Served[] = [];
      while (performance.now() - back < L1_TTL_MS + SLACK_MS + RECONNECT_MS + 1500) {
        for (const [who, store] of [['a', a], ['b', b]] as const) {
          const value = await store.get('k');
          served.push({ who, key: 'k', value, at: performance.now() });
        }
        await sleep(20);
      }
      const last = lastServed(served, 'old', back, ['a', 'b']);
      t.diagnostic(`clear() with Redis down took ${took.toFixed(0)} ms (pending: ${String(pendingThen)}); after the restart the old value was last served at ${JSON.stringify(last)} ms`);
      assert.ok(last.a < 0, `the clearing process never served the restored old value (last at ${last.a} ms)`);
      assert.ok(last.b <= L1_TTL_MS + SLACK_MS + RECONNECT_MS, `the other process stopped serving it within l1.ttlMs + ${SLACK_MS} ms + the reconnect backoff (last at ${last.b} ms)`);
      assert.equal(pendingThen, true, 'clear() with Redis down was not confirmed');
      assert.equal(a.invalidationPending, false, 'the retry confirmed it once Redis was back');
    } finally {
      await a.close();
      await b.close();
      await durable.stop();
    }
  });
});
