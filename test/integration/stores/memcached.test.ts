// The Memcached store against a real memcached.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createMemcachedStore, memcachedExpiry, type MemcachedBackendConfig } from '../../../runtime/src/stores/memcached.js';
import { MISS, type AsyncStore, type StoreContext } from '../../../runtime/src/stores/types.js';
import { startMemcached, type MemcachedServer } from '../../harness/servers.js';
import { storeContract } from '../../harness/store-contract.js';

const ctx = (namespace: string, errors: Error[] = []): StoreContext => ({ namespace, now: Date.now, events: { evicted: () => undefined, backendError: (e) => errors.push(e) } });

/** One line-protocol command against the server, for looking behind the client. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(line + '\r\n'));
    let out = '';
    s.on('data', (d) => { out += d.toString(); if (/\r\n$/.test(out) && !/^VA /.test(out.split('\r\n').at(-2) ?? '')) { s.end(); resolve(out); } });
    s.on('error', reject);
  });
}

let server: MemcachedServer;
const config: MemcachedBackendConfig = { type: 'memcached', keyPrefix: 'mc:' };
before(async () => {
  server = await startMemcached();
  config.servers = server.address;
});
after(() => server.stop());

storeContract({ name: 'memcached', ttl: 'server', copies: true, create: (c) => createMemcachedStore(config, c) });

describe('memcached: keys, TTL, generations', () => {
  it('sends TTLs in whole seconds, and past 30 days as an absolute Unix time', () => {
    assert.equal(memcachedExpiry(undefined, 0), 0);
    assert.equal(memcachedExpiry(1, 0), 1);
    assert.equal(memcachedExpiry(1500, 0), 2);
    assert.equal(memcachedExpiry(30 * 24 * 3600 * 1000, 0), 2_592_000);
    assert.equal(memcachedExpiry(31 * 24 * 3600 * 1000, 1_700_000_000_000), 1_700_000_000 + 31 * 24 * 3600);
  });

  it('stores under prefix + function id + generation + key with the TTL on the server', async () => {
    const store = createMemcachedStore(config, ctx('src/a.ts#f')) as AsyncStore;
    await store.set('["x"]', 1, { ttlMs: 60_000 });
    const gen = (await command(server.port, 'get mc:src/a.ts#f:gen')).split('\r\n')[1] as string;
    assert.match(gen, /^\d{10}$/, 'the generation starts at the current time');
    const meta = await command(server.port, `mg mc:src/a.ts#f:${gen}:["x"] t v`);
    const ttl = Number(/ t(-?\d+)/.exec(meta)?.[1]);
    assert.ok(ttl > 55 && ttl <= 60, `server-side TTL ${ttl}s (${meta.trim()})`);
    await store.close();
  });

  it('clears a function for another connection within generationRefreshMs', async () => {
    const a = createMemcachedStore(config, ctx('mc-gen')) as AsyncStore;
    const b = createMemcachedStore({ ...config, generationRefreshMs: 0 }, ctx('mc-gen')) as AsyncStore;
    await a.set('k', 'v', {});
    assert.equal(await b.get('k'), 'v');
    await a.clear();
    assert.equal(await a.get('k'), MISS, 'the clearing process sees it at once');
    // b re-reads the generation on every call (generationRefreshMs 0), so it sees the clear at once.
    assert.equal(await b.get('k'), MISS);
    await a.close();
    await b.close();
  });

  it('lets exactly one lock caller compute', async () => {
    const s1 = createMemcachedStore(config, ctx('mc-lock')) as AsyncStore;
    const s2 = createMemcachedStore({ ...config }, ctx('mc-lock')) as AsyncStore;
    const locks = await Promise.all([s1.lock!('k', 5000), s2.lock!('k', 5000), s1.lock!('k', 5000)]);
    assert.equal(locks.filter((l) => l.acquired).length, 1);
    for (const l of locks) await l.release();
    const again = await s2.lock!('k', 5000);
    assert.equal(again.acquired, true);
    await again.release();
    await s1.close();
    await s2.close();
  });

  it('rejects bad options with a named error', () => {
    assert.throws(() => createMemcachedStore({ type: 'memcached', servers: '' }, ctx('x')), { code: 'CACHELENS_BACKEND_CONFIG' });
    assert.throws(() => createMemcachedStore({ type: 'memcached', commandTimeoutMs: 0 }, ctx('x')), { code: 'CACHELENS_BACKEND_CONFIG' });
  });
});
