/**
 * The behavioural contract every store honours, as a reusable suite: call `storeContract(target)`
 * from a test file with a way to build stores of one backend (memory, lru, disk, redis,
 * redis-cluster, memcached, two-tier...). Works for sync and async stores alike.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MISS } from '../../runtime/src/stores/types.js';
import type { EvictionCause, Store, StoreContext } from '../../runtime/src/stores/types.js';

export interface ContractTarget {
  /** Label of the suite, e.g. `"redis"`. */
  name: string;
  /** Builds a store for `namespace`; every store of one target shares one backend (server, file). */
  create(context: StoreContext): Store | Promise<Store>;
  /**
   * Who enforces TTLs: `"context"` = the store reads `context.now` (the suite moves that fake
   * clock), `"server"` = a server's own clock (the suite then checks only that a live entry is kept).
   */
  ttl: 'context' | 'server';
  /** Values come back as copies (serialized) rather than the same references. */
  copies: boolean;
  /** Two stores of one namespace see the same entries (the data lives outside the store object). Default: true. */
  shared?: boolean;
  /** Stops servers, removes files. */
  teardown?(): Promise<void>;
}

export interface ContractProbe {
  evictions: { cause: EvictionCause; count: number }[];
  errors: Error[];
}

/** Values a memoized function commonly returns; each must come back deep-equal. */
export const roundTripValues: Record<string, unknown> = {
  'plain object': { id: 7, name: 'Ada', tags: ['x', 'y'], nested: { ok: true, none: null } },
  'undefined': undefined,
  'null': null,
  'negative zero': -0,
  'NaN': NaN,
  'Date': new Date(1_700_000_000_123),
  'Map with object keys': new Map<unknown, unknown>([[{ k: 1 }, 'one'], ['two', new Set([2])]]),
  'Set': new Set(['a', 1, null]),
  'BigInt': 12_345_678_901_234_567_890_123n,
  'Float64Array': new Float64Array([1.5, -2, Infinity]),
  'Uint8Array': new Uint8Array([0, 255, 7]),
  'Buffer': Buffer.from('héllo'),
  'array with undefined and holes': [1, undefined, , 4], // eslint-disable-line no-sparse-arrays
  'string': 'naïve ☕',
  'empty string': '',
};

export function storeContract(target: ContractTarget): void {
  describe(`store contract: ${target.name}`, () => {
    let time = 1_000_000;
    let seq = 0;
    const opened: Store[] = [];
    async function make(namespace = `contract-${process.pid}-${++seq}`): Promise<{ store: Store; probe: ContractProbe }> {
      const probe: ContractProbe = { evictions: [], errors: [] };
      const store = await target.create({
        namespace,
        now: () => time,
        events: { evicted: (cause, count) => probe.evictions.push({ cause, count }), backendError: (e) => probe.errors.push(e) },
      });
      opened.push(store);
      return { store, probe };
    }
    after(async () => {
      for (const s of opened) await s.close?.();
      await target.teardown?.();
    });

    it('answers MISS for a key never set, and has() is false', async () => {
      const { store } = await make();
      assert.equal(await store.get('absent'), MISS);
      assert.equal(await store.has('absent'), false);
    });

    for (const [label, value] of Object.entries(roundTripValues)) {
      it(`returns what was set: ${label}`, async () => {
        const { store, probe } = await make();
        await store.set('k', value, {});
        const back = await store.get('k');
        assert.notEqual(back, MISS, 'a value that was just set is a hit');
        assert.deepStrictEqual(back, value);
        assert.deepEqual(probe.errors, []);
      });
    }

    it('keeps a cached undefined distinct from a miss and from null', async () => {
      const { store } = await make();
      await store.set('u', undefined, {});
      await store.set('n', null, {});
      assert.equal(await store.has('u'), true);
      assert.equal(await store.get('u'), undefined);
      assert.equal(await store.get('n'), null);
    });

    it('overwrites a key with the latest value', async () => {
      const { store } = await make();
      await store.set('k', 1, {});
      await store.set('k', 2, {});
      assert.equal(await store.get('k'), 2);
    });

    it('keeps keys apart that differ only far into a long key, or by spaces and unicode', async () => {
      const { store } = await make();
      const long = 'x'.repeat(400);
      const keys = [long + 'a', long + 'b', 'a b', 'a\u00a0b', 'a\nb', '#a', 'a', '日本'];
      for (const [i, k] of keys.entries()) await store.set(k, i, {});
      for (const [i, k] of keys.entries()) assert.equal(await store.get(k), i, `key ${JSON.stringify(k.slice(-5))}`);
    });

    it('deletes one key: true the first time, false after, and the key misses', async () => {
      const { store } = await make();
      await store.set('a', 1, {});
      await store.set('b', 2, {});
      assert.equal(await store.delete('a'), true);
      assert.equal(await store.delete('a'), false);
      assert.equal(await store.get('a'), MISS);
      assert.equal(await store.get('b'), 2);
    });

    it("clears its own function's entries and no other function's", async () => {
      const ns = `clear-${process.pid}-${++seq}`;
      const { store: mine } = await make(ns);
      const { store: other } = await make(ns + '-other');
      await mine.set('a', 1, {});
      await mine.set('b', 2, {});
      await other.set('a', 'kept', {});
      await mine.clear();
      assert.equal(await mine.get('a'), MISS);
      assert.equal(await mine.get('b'), MISS);
      assert.equal(await other.get('a'), 'kept');
      await mine.set('a', 3, {});
      assert.equal(await mine.get('a'), 3, 'the store is usable after a clear');
    });

    if (target.shared !== false) it('sees through a second store of the same function what the first one wrote', async () => {
      const ns = `shared-${process.pid}-${++seq}`;
      const { store: first } = await make(ns);
      const { store: second } = await make(ns);
      await first.set('k', { v: 1 }, {});
      assert.deepEqual(await second.get('k'), { v: 1 });
      await second.clear();
      assert.equal(await first.get('k'), MISS);
    });

    if (target.ttl === 'context') {
      it('expires an entry once its TTL has passed on the injected clock', async () => {
        const { store } = await make();
        await store.set('t', 'v', { ttlMs: 1000 });
        await store.set('forever', 'v', {});
        time += 999;
        assert.equal(await store.get('t'), 'v');
        time += 2;
        assert.equal(await store.get('t'), MISS);
        assert.equal(await store.has('t'), false);
        assert.equal(await store.get('forever'), 'v');
      });
    } else {
      it('keeps an entry with a TTL until it expires', async () => {
        const { store } = await make();
        await store.set('t', 'v', { ttlMs: 60_000 });
        assert.equal(await store.get('t'), 'v');
      });
    }

    if (target.copies) {
      it('stores a copy: mutating the value after set does not change the cached one', async () => {
        const { store } = await make();
        const value = { list: [1] };
        await store.set('k', value, {});
        value.list.push(2);
        assert.deepEqual(await store.get('k'), { list: [1] });
      });

      it('does not cache a value that cannot be serialized, reports it, and still works', async () => {
        const { store, probe } = await make();
        await store.set('fn', { f: () => 1 }, {});
        assert.equal(await store.get('fn'), MISS);
        class Point { constructor(readonly x: number) {} }
        await store.set('cls', new Point(1), {});
        assert.equal(await store.get('cls'), MISS);
        assert.deepEqual(probe.errors.map((e) => (e as Error & { code?: string }).code), ['CACHELENS_VALUE_NOT_SERIALIZABLE', 'CACHELENS_VALUE_NOT_SERIALIZABLE']);
        await store.set('ok', 1, {});
        assert.equal(await store.get('ok'), 1);
      });
    }
  });
}
