// Numbers from the environment in cachelens.config.json reach real stores as numbers: a two-tier
// backend on a real redis-server and a memory backend, every numeric option written as
// "${VAR:-N}", serve a memoized function (before: the memory max failed with `expected an integer,
// got "2"` and the tiered store refused l1.ttlMs and the breaker's "3").
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reloadConfig } from '../../../runtime/src/config.js';
import { cacheOf, memoize } from '../../../runtime/src/memoize/index.js';
import { registry } from '../../../runtime/src/registry.js';
import { startRedis, type RedisServer } from '../../harness/servers.js';

let redis: RedisServer;
let dir: string;
const saved = { config: process.env.CACHELENS_CONFIG, url: process.env.CACHELENS_TEST_REDIS_URL };

before(async () => {
  redis = await startRedis();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-config-numbers-'));
  const file = path.join(dir, 'cachelens.config.json');
  fs.writeFileSync(file, JSON.stringify({
    backends: {
      two: {
        type: 'tiered', url: '${CACHELENS_TEST_REDIS_URL}', keyPrefix: 'cn:',
        commandTimeoutMs: '${CACHELENS_TEST_UNSET_TIMEOUT:-800}', connectTimeoutMs: '${CACHELENS_TEST_UNSET_CONNECT:-2000}',
        breaker: { failureThreshold: '${CACHELENS_TEST_UNSET_FAILURES:-3}', openMs: '${CACHELENS_TEST_UNSET_OPEN:-500}' },
        l1: { max: '${CACHELENS_TEST_UNSET_L1_MAX:-100}', ttlMs: '${CACHELENS_TEST_UNSET_L1_TTL:-60000}' },
      },
      small: { type: 'memory', max: '${CACHELENS_TEST_UNSET_MAX:-2}' },
    },
  }));
  process.env.CACHELENS_CONFIG = file;
  process.env.CACHELENS_TEST_REDIS_URL = redis.url;
  reloadConfig();
});
after(async () => {
  for (const [name, value] of [['CACHELENS_CONFIG', saved.config], ['CACHELENS_TEST_REDIS_URL', saved.url]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  reloadConfig();
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('numeric options from ${VAR:-N}', () => {
  it('a two-tier backend on a real Redis serves hits', async () => {
    let computed = 0;
    const f = memoize(async (x: number) => { computed++; return x * 2; }, { id: 'config-numbers#tiered', backend: 'two' });
    assert.equal(await f(21), 42);
    assert.equal(await f(21), 42);
    assert.equal(computed, 1);
    assert.equal(cacheOf(f).stats().hits, 1);
    assert.equal(cacheOf(f).stats().backendErrors, 0);
  });

  it('a memory backend is bounded by the interpolated max', () => {
    const g = memoize((x: number) => x, { id: 'config-numbers#memory', backend: 'small' });
    for (let i = 0; i < 5; i++) g(i);
    const info = registry.get(cacheOf(g).id)!;
    assert.equal(info.options.max, 2);
    assert.equal(info.stats().entries, 2);
  });
});
