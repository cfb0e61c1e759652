/**
 * Why a miss missed, on the shared backends (real redis-server and memcached, SQLite on disk),
 * where a nil looks the same whatever happened: causes are inferred from this process's own
 * writes. Each cause is made to happen: first use (cold), a TTL that passed (expired: real time on
 * the servers, bounded waits), delete and clear (invalidated), cacheIf (bypassed), a value that
 * cannot be serialized (not cacheable), a server that is gone (unavailable), and a key another
 * client removed (unknown). The counts always add up to the misses.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { cacheOf, memoize } from '../../../runtime/src/index.js';
import { MISS_CAUSES, type MissCauseCounts } from '../../../runtime/src/protocol.js';
import { startMemcached, startRedis, type MemcachedServer, type RedisServer } from '../../harness/servers.js';
import { configFiles } from '../../harness/config-files.js';

type AsyncFn = (x: number) => Promise<unknown>;

function causesOf(f: AsyncFn): Record<string, number> {
  const s = cacheOf(f).stats();
  const c = s.missCauses as MissCauseCounts;
  assert.ok(c, 'missCauses present after a miss');
  assert.equal(MISS_CAUSES.reduce((sum, cause) => sum + c[cause], 0), s.misses, 'the causes add up to the misses');
  return Object.fromEntries(MISS_CAUSES.filter((cause) => c[cause] !== 0).map((cause) => [cause, c[cause]]));
}

/** Sends one text command on a fresh connection and waits for the reply (at most 2 s). */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no reply to ${command.trim()} within 2 s`)); }, 2000);
    socket.once('data', (d) => { clearTimeout(timer); socket.end(); resolve(d.toString()); });
    socket.once('error', (e) => { clearTimeout(timer); reject(e); });
    socket.write(command);
  });
}

/** Calls `f(x)` until one call misses (the entry expired on the server), within `ms`. */
async function untilMiss(f: AsyncFn, x: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const misses = cacheOf(f).stats().misses;
  while (cacheOf(f).stats().misses === misses) {
    if (Date.now() > deadline) throw new Error(`no miss within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
    await f(x);
  }
}

let redis: RedisServer;
let memcached: MemcachedServer;
const config = configFiles('cachelens-miss-causes-');
const diskDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-miss-causes-disk-'));

before(async () => {
  [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  config.use({ backends: backends() });
});

function backends() {
  return {
    redis: { type: 'redis', url: redis.url, keyPrefix: 'mc:' },
    memcached: { type: 'memcached', servers: memcached.address, keyPrefix: 'mc:' },
    disk: { type: 'disk', path: path.join(diskDir, 'cache.db') },
  };
}
after(async () => {
  await Promise.all([redis.stop(), memcached.stop()]);
  fs.rmSync(diskDir, { recursive: true, force: true });
});

let n = 0;
const uniqueId = (what: string) => `miss-causes-${what}-${process.pid}-${++n}`;

/** Removes every key on the server behind the process's back (another client). */
const flushers: Record<string, (() => Promise<unknown>) | undefined> = {
  redis: () => send(redis.port, 'FLUSHALL\r\n'),
  memcached: () => send(memcached.port, 'flush_all\r\n'),
  disk: undefined,
};

for (const backend of ['redis', 'memcached', 'disk'] as const) {
  describe(`miss causes on ${backend} (inferred from this process's writes)`, () => {
    it('first use is cold; a second call is a hit', async () => {
      const f = memoize(async (x: number) => x, { backend, id: uniqueId('cold') });
      await f(1); await f(2); await f(1);
      assert.deepEqual(causesOf(f), { cold: 2 });
    });

    it('a key asked for after its TTL passed on the server is expired', { timeout: 15_000 }, async () => {
      const f = memoize(async (x: number) => x, { backend, id: uniqueId('expired'), ttl: backend === 'memcached' ? '2s' : '300ms' });
      await f(1);
      await untilMiss(f, 1, 6000);
      assert.deepEqual(causesOf(f), { cold: 1, expired: 1 });
    });

    it('delete and clear are invalidations', async () => {
      const f = memoize(async (x: number) => x, { backend, id: uniqueId('invalidated') });
      await f(1); await f(2);
      await cacheOf(f).delete(1);
      await f(1);
      await cacheOf(f).clear();
      await f(2);
      assert.deepEqual(causesOf(f), { cold: 2, invalidated: 2 });
    });

    it('a result cacheIf refused is bypassed', async () => {
      const f = memoize(async (x: number) => x, { backend, id: uniqueId('bypassed'), cacheIf: (r: number) => r > 0 });
      await f(0); await f(0);
      assert.deepEqual(causesOf(f), { cold: 1, bypassed: 1 });
    });

    it('a value the backend cannot serialize is not cacheable', async () => {
      class Point { constructor(readonly x: number) {} }
      const f = memoize(async (x: number) => new Point(x), { backend, id: uniqueId('not-cacheable') });
      await f(1);
      await new Promise((r) => setTimeout(r, 20)); // calls join the first one's flight until its write settles
      await f(1);
      assert.deepEqual(causesOf(f), { cold: 1, notCacheable: 1 });
    });

    if (flushers[backend] !== undefined) {
      it('a key another client removed is unknown (shared backend)', async () => {
        const f = memoize(async (x: number) => x, { backend, id: uniqueId('unknown') });
        await f(1);
        await flushers[backend]!();
        await f(1);
        assert.deepEqual(causesOf(f), { cold: 1, unknown: 1 });
      });
    }
  });
}

describe('miss causes when the backend is unavailable', () => {
  it('a read that fails (server gone) is unavailable, on redis and memcached', { timeout: 30_000 }, async () => {
    const [r, m] = await Promise.all([startRedis(), startMemcached()]);
    config.use({
      backends: {
        ...backends(),
        r: { type: 'redis', url: r.url, keyPrefix: 'down:', timeoutMs: 200 },
        m: { type: 'memcached', servers: m.address, keyPrefix: 'down:', timeoutMs: 200 },
      },
    });
    const fr = memoize(async (x: number) => x, { backend: 'r', id: uniqueId('down-r') });
    const fm = memoize(async (x: number) => x, { backend: 'm', id: uniqueId('down-m') });
    await fr(1); await fm(1);
    await Promise.all([r.stop(), m.stop()]);
    await fr(1); await fm(1);
    assert.deepEqual(causesOf(fr), { cold: 1, unavailable: 1 });
    assert.deepEqual(causesOf(fm), { cold: 1, unavailable: 1 });
  });
});
