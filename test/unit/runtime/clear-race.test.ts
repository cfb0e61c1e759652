// cacheOf(f).clear() on an async backend: once it resolves, no call returns a value of before the
// clear. A lookup started while the store was clearing reads the old generation; a call made after
// the clear must not join it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheOf, memoize, registerBackendType, MISS, type AsyncStore, type Miss } from '../../../runtime/src/index.js';
import { deferred, settle } from './helpers.js';

/** A store keyed by generation, like the Redis and Memcached stores: a clear starts a new one. */
class GenerationStore implements AsyncStore {
  readonly sync = false;
  readonly kind = 'generation';
  readonly data = new Map<string, unknown>();
  gen = 0;
  clearGate: Promise<void> = Promise.resolve();
  getGate: Promise<void> = Promise.resolve();
  async get(key: string): Promise<unknown> {
    const gen = this.gen; // the generation is read when the lookup starts
    await this.getGate;
    return this.data.has(`${gen}:${key}`) ? this.data.get(`${gen}:${key}`) : MISS as Miss;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.data.set(`${this.gen}:${key}`, value);
  }
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== MISS;
  }
  async delete(key: string): Promise<boolean> {
    return this.data.delete(`${this.gen}:${key}`);
  }
  async clear(): Promise<void> {
    await this.clearGate;
    this.gen++;
  }
  async close(): Promise<void> {}
}

let store: GenerationStore | undefined;
registerBackendType('generation-test', () => (store = new GenerationStore()));

test('a call made after clear() resolved does not join a lookup of the old generation started during the clear', async () => {
  let version = 1;
  const f = memoize(async (n: number) => ({ n, version }), { backend: 'generation-test', id: 'test#clear-race' });
  assert.deepEqual(await f(1), { n: 1, version: 1 });
  await settle();
  const s = store as GenerationStore;

  version = 2; // the data changes, then the cache is cleared
  const clearing = deferred<void>();
  s.clearGate = clearing.promise;
  const cleared = cacheOf(f).clear();
  const reading = deferred<void>();
  s.getGate = reading.promise;
  const during = f(1); // started during the clear: may see either version
  clearing.resolve();
  await cleared;
  const after = f(1); // started after the clear resolved: must see version 2
  reading.resolve();
  assert.equal((await during).n, 1);
  assert.deepEqual(await after, { n: 1, version: 2 });
});

test('a value computed by a call that began before clear() is returned to that call but not stored after the clear', async () => {
  let version = 1;
  let gate: Promise<void> = Promise.resolve();
  const f = memoize(async (n: number) => {
    const v = version; // the data as read when the call began
    await gate;
    return { n, version: v };
  }, { backend: 'generation-test', id: 'test#clear-race-write' });
  const computing = deferred<void>();
  gate = computing.promise;
  const before = f(2); // computes with version 1, slowly
  await settle();
  version = 2;
  await cacheOf(f).clear();
  gate = Promise.resolve();
  computing.resolve();
  assert.deepEqual(await before, { n: 2, version: 1 }, 'the call that began before the clear gets what it computed');
  await settle();
  assert.deepEqual(await f(2), { n: 2, version: 2 }, 'a call after the clear does not get the value computed before it');
});
