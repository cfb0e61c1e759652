import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  memoize, cacheOf, registry, registerBackendType, BackendError, MISS,
  type AsyncStore, type BackendConfig, type Miss, type SetOptions, type StoreContext,
} from '../../../runtime/src/index.js';
import { defineLazyBackendType, knownBackendTypes } from '../../../runtime/src/internal.js';
import { deferred, fakeClock, settle } from './helpers.js';

/**
 * A complete asynchronous store (what the Redis/Memcached/disk stores are to memoize): values in a
 * Map shared by namespace, every operation answered on a later tick, honouring ttlMs with the
 * injected clock. `down` makes every operation reject, like an unreachable server.
 */
class SharedMapStore implements AsyncStore {
  static readonly data = new Map<string, { value: unknown; expires: number }>();
  readonly sync = false;
  readonly kind = 'shared-map';
  down = false;
  readonly sets: { key: string; options: SetOptions }[] = [];
  constructor(readonly config: BackendConfig, readonly context: StoreContext) {}
  get health(): 'ok' | 'degraded' { return this.down ? 'degraded' : 'ok'; }
  async #tick(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.down) throw new Error('ECONNREFUSED');
  }
  #k(key: string): string { return `${this.context.namespace}:${key}`; }
  async get(key: string): Promise<unknown> {
    await this.#tick();
    const e = SharedMapStore.data.get(this.#k(key));
    if (e === undefined || (e.expires !== 0 && e.expires <= this.context.now())) return MISS as Miss;
    return structuredClone(e.value);
  }
  async set(key: string, value: unknown, options: SetOptions): Promise<void> {
    await this.#tick();
    this.sets.push({ key, options });
    SharedMapStore.data.set(this.#k(key), { value: structuredClone(value), expires: options.ttlMs ? this.context.now() + options.ttlMs : 0 });
  }
  async has(key: string): Promise<boolean> { return (await this.get(key)) !== MISS; }
  async delete(key: string): Promise<boolean> { await this.#tick(); return SharedMapStore.data.delete(this.#k(key)); }
  async clear(): Promise<void> {
    await this.#tick();
    for (const k of [...SharedMapStore.data.keys()]) if (k.startsWith(`${this.context.namespace}:`)) SharedMapStore.data.delete(k);
  }
  async close(): Promise<void> {}
}

const stores: SharedMapStore[] = [];
registerBackendType('shared-map', (config, context) => {
  const store = new SharedMapStore(config, context);
  stores.push(store);
  return store;
});
const lastStore = (): SharedMapStore => stores[stores.length - 1]!;

test('an async backend: calls return promises, values are stored under canonical keys in the namespace, with the ttl', async () => {
  let calls = 0;
  const f = memoize(async (id: number, opts: { full: boolean }) => { calls++; return { id, full: opts.full }; }, { backend: 'shared-map', id: 'test#remote', ttl: '1m' });
  const store = lastStore();
  assert.deepEqual(await f(1, { full: true }), { id: 1, full: true });
  await settle();
  assert.deepEqual(store.sets, [{ key: '1,{"full":true}', options: { ttlMs: 60_000, bytes: store.sets[0]!.options.bytes } }]);
  assert.equal(store.context.namespace, 'test#remote');
  assert.equal(store.context.backendName, 'shared-map');
  assert.deepEqual(await f(1, { full: true }), { id: 1, full: true });
  assert.equal(calls, 1);
  assert.equal(await cacheOf(f).has(1, { full: true }), true);
  assert.deepEqual(await cacheOf(f).delete(1, { full: true }), { removed: true, confirmed: true });
  assert.equal(await cacheOf(f).has(1, { full: true }), false);
  const info = registry.get('test#remote')!;
  assert.equal(info.backendType, 'shared-map');
  assert.equal(info.stats().hits, 1);
});

test('an async backend is shared: a second function with the same id (another process, say) hits what the first stored', async () => {
  let calls = 0;
  const make = (): ((x: string) => Promise<string>) => memoize(async (x: string) => { calls++; return x.toUpperCase(); }, { backend: 'shared-map', id: 'test#shared' });
  const a = make();
  const b = make();
  assert.equal(await a('q'), 'Q');
  await settle();
  assert.equal(await b('q'), 'Q');
  assert.equal(calls, 1);
  assert.equal(cacheOf(b).id, 'test#shared#2');
});

test('an async backend: single-flight merges concurrent calls; a rejection reaches every waiter and is not stored', async () => {
  let calls = 0;
  const gate = deferred<string>();
  const f = memoize(async (x: string) => { calls++; return calls === 1 ? gate.promise : x; }, { backend: 'shared-map' });
  const a = f('k');
  const b = f('k');
  assert.equal(a, b);
  await settle();
  gate.reject(new Error('upstream down'));
  await assert.rejects(a, /upstream down/);
  await assert.rejects(b, /upstream down/);
  await settle();
  assert.equal(await f('k'), 'k');
  assert.equal(calls, 2);
  assert.equal(cacheOf(f).stats().errors, 1);
});

test('an async backend fails open: a store that is down means computing, counted in backendErrors and health', async () => {
  let calls = 0;
  const f = memoize(async (x: number) => { calls++; return x * 2; }, { backend: 'shared-map' });
  const store = lastStore();
  store.down = true;
  assert.equal(await f(2), 4);
  await settle();
  assert.equal(await f(2), 4);
  await settle();
  assert.equal(calls, 2);
  const info = registry.get(cacheOf(f).id)!;
  assert.equal(info.health(), 'degraded');
  assert.ok(info.stats().backendErrors >= 4, `backendErrors ${info.stats().backendErrors}`);
  assert.equal(await cacheOf(f).has(2), false);
  await info.clear(); // never rejects
  store.down = false;
  assert.equal(info.health(), 'ok');
});

test('a synchronous function on an async backend returns a promise and logs one warning', async () => {
  const warnings: string[] = [];
  const listener = (w: Error & { code?: string }): void => { if (w.code === 'CACHELENS_SYNC_REMOTE') warnings.push(w.message); };
  process.on('warning', listener);
  try {
    const f = memoize((x: number) => x + 1, { backend: 'shared-map' });
    const r: unknown = f(1);
    assert.ok(r instanceof Promise);
    assert.equal(await r, 2);
    await f(5);
    await settle();
    assert.equal(warnings.length, 1);
  } finally {
    process.off('warning', listener);
  }
});

test('an async backend with cacheErrors stores the error (name, message, code) and rethrows it on hits', async () => {
  let calls = 0;
  const f = memoize(async () => {
    calls++;
    throw Object.assign(new TypeError('bad input'), { code: 'E_BAD' });
  }, { backend: 'shared-map', cacheErrors: true });
  await assert.rejects(f(), (e: unknown) => e instanceof TypeError);
  await settle();
  await assert.rejects(f(), (e: Error & { code?: string }) => e.name === 'TypeError' && e.message === 'bad input' && e.code === 'E_BAD');
  assert.equal(calls, 1);
});

test('an async backend with staleWhileRevalidate serves the stale value and refreshes once in the background', async () => {
  const clock = fakeClock();
  try {
    let version = 0;
    const f = memoize(async () => ++version, { backend: 'shared-map', ttl: 10, staleWhileRevalidate: 100 });
    assert.equal(await f(), 1);
    await settle();
    clock.advance(10_000);
    assert.equal(await f(), 1);
    await settle();
    assert.equal(version, 2);
    assert.equal(await f(), 2);
    assert.equal(cacheOf(f).stats().staleServed, 1);
  } finally {
    clock.restore();
  }
});

test('refresh and fresh on an async backend', async () => {
  let n = 0;
  const f = memoize(async (x: number) => x + ++n, { backend: 'shared-map' });
  assert.equal(await f(10), 11);
  await settle();
  assert.equal(await cacheOf(f).fresh(10), 12);
  assert.equal(await f(10), 11);
  assert.equal(await cacheOf(f).refresh(10), 13);
  await settle();
  assert.equal(await f(10), 13);
});

test('decorated methods on an async backend share one cache across instances (the key is the arguments)', async () => {
  let calls = 0;
  const decorate = memoize({ backend: 'shared-map' });
  class Svc { find(id: number) { calls++; return Promise.resolve(id); } }
  const descriptor = Object.getOwnPropertyDescriptor(Svc.prototype, 'find')!;
  Object.defineProperty(Svc.prototype, 'find', (decorate as (t: object, k: string, d: PropertyDescriptor) => PropertyDescriptor)(Svc.prototype, 'find', descriptor));
  assert.equal(await new Svc().find(1), 1);
  await settle();
  assert.equal(await new Svc().find(1), 1);
  assert.equal(calls, 1);
});

test('lazily loaded backend types: a missing module or npm package is a BackendError saying what to do', () => {
  assert.ok(['memory', 'lru', 'redis', 'memcached', 'disk', 'tiered'].every((t) => knownBackendTypes().includes(t)));
  defineLazyBackendType('ghost', './stores/ghost.js');
  const ghost = memoize((x: number) => x, { backend: 'ghost' });
  assert.throws(() => ghost(1), (e: unknown) => e instanceof BackendError && /not available in this build/.test(e.message));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-store-'));
  const module = path.join(dir, 'needs-dep.js');
  fs.writeFileSync(module, "require('cachelens-test-no-such-package/client');\n");
  defineLazyBackendType('needs-dep', module);
  const needsDep = memoize((x: number) => x, { backend: 'needs-dep' });
  assert.throws(() => needsDep(1), (e: unknown) => e instanceof BackendError && /npm install cachelens-test-no-such-package`/.test(e.message));

  const exporting = path.join(dir, 'exports-factory.js');
  fs.writeFileSync(exporting, `exports.createStore = (config, context) => ({
    sync: true, kind: 'exported', size: 0, bytes: 0,
    get: () => Symbol.for('cachelens.miss'), set() {}, has: () => false, delete: () => false, clear() {},
  });\n`);
  defineLazyBackendType('exported', exporting);
  let calls = 0;
  const viaExport = memoize((x: number) => { calls++; return x; }, { backend: 'exported' });
  assert.equal(viaExport(1), 1);
  assert.equal(viaExport(1), 1);
  assert.equal(calls, 2, 'a store that never holds anything: every call computes');
  assert.equal(registry.get(cacheOf(viaExport).id)?.backendType, 'exported');
});
