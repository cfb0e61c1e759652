// The core's backend registry loads each store module on first use and finds its factory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { backendFactory } from '../../../runtime/src/backends.js';
import type { AsyncStore, BackendConfig } from '../../../runtime/src/stores/types.js';
import { startMemcached, startRedis, type MemcachedServer, type RedisServer } from '../../harness/servers.js';

let redis: RedisServer;
let memcached: MemcachedServer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-registry-'));
before(async () => { [redis, memcached] = await Promise.all([startRedis(), startMemcached()]); });
after(async () => { await redis.stop(); await memcached.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

it('builds redis, tiered, memcached and disk stores through backendFactory(type)', async () => {
  const configs: BackendConfig[] = [
    { type: 'redis', url: redis.url },
    { type: 'tiered', url: redis.url },
    { type: 'memcached', servers: memcached.address },
    { type: 'disk', path: dir },
  ];
  for (const config of configs) {
    const store = backendFactory(config.type, config.type)(config, { namespace: 'registry-fn', now: Date.now, events: { evicted: () => undefined } }) as AsyncStore;
    assert.equal(store.sync, false);
    await store.set('k', { type: config.type }, {});
    assert.deepEqual(await store.get('k'), { type: config.type }, config.type);
    await store.close();
  }
});
