import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MISS, type EvictionCause, type StoreContext } from '../../../runtime/src/index.js';
import { MemoryStore, LruStore } from '../../../runtime/src/internal.js';

function context(): { ctx: StoreContext; events: [EvictionCause, number, number][]; advance(ms: number): void } {
  let t = 5000;
  const events: [EvictionCause, number, number][] = [];
  return { ctx: { namespace: 'ns', now: () => t, events: { evicted: (c, n, b) => { events.push([c, n, b]); } } }, events, advance: (ms) => { t += ms; } };
}

test('MemoryStore: get/set/has/delete/clear, undefined values, entries and bytes, eviction events by cause', () => {
  const { ctx, events, advance } = context();
  const s = new MemoryStore({ max: 100 }, ctx);
  assert.equal(s.get('a'), MISS);
  s.set('a', undefined, { bytes: 10 });
  s.set(1, 'one', { bytes: 20, ttlMs: 100 });
  assert.equal(s.get('a'), undefined);
  assert.equal(s.get(1), 'one');
  assert.equal(s.get('1'), MISS, 'number and string keys differ');
  assert.deepEqual([s.size, s.bytes], [2, 30]);
  s.set('a', 'again', { bytes: 5 });
  assert.deepEqual([s.size, s.bytes], [2, 25], 'replacing is not an eviction');
  advance(100);
  assert.equal(s.has(1), false);
  assert.equal(s.size, 1, 'size drops expired entries');
  assert.equal(s.delete('a'), true);
  assert.equal(s.delete('a'), false);
  s.set('x', 1, {});
  s.set('y', 2, {});
  s.clear();
  assert.deepEqual(events, [['expired', 1, 20], ['explicit', 1, 5], ['explicit', 2, 0]]);
  assert.deepEqual([s.size, s.bytes], [0, 0]);
});

test('MemoryStore: the policy keeps it within max; hits reach the policy (the recently read entry survives under lru)', () => {
  const { ctx, events } = context();
  const s = new MemoryStore({ max: 3, policy: 'lru' }, ctx);
  s.set('a', 1, {}); s.set('b', 2, {}); s.set('c', 3, {});
  assert.equal(s.get('a'), 1); // replayed into the policy before the next insertion
  s.set('d', 4, {});
  assert.equal(s.size, 3);
  assert.equal(s.has('a'), true, 'a was read, so b (least recently used) left');
  assert.equal(s.has('b'), false);
  assert.deepEqual(events, [['size', 1, 0]]);
  for (let i = 0; i < 1000; i++) s.set(`k${i}`, i, {});
  assert.equal(s.size, 3);
});

test('MemoryStore: maxBytes evicts the oldest insertions first, and refuses a value larger than the bound', () => {
  const { ctx, events } = context();
  const s = new MemoryStore({ max: 100, maxBytes: 100 }, ctx);
  s.set('a', 1, { bytes: 40 }); s.set('b', 2, { bytes: 40 }); s.set('c', 3, { bytes: 40 });
  assert.deepEqual([s.has('a'), s.has('b'), s.has('c'), s.bytes], [false, true, true, 80]);
  s.set('huge', 4, { bytes: 1000 });
  assert.ok(s.bytes <= 100);
  assert.equal(s.has('huge'), false);
  assert.deepEqual(events.map((e) => e[0]), ['size', 'size']);
});

test('MemoryStore: byte counts stay exact when sizes start after unsized entries (replacement, delete, eviction)', () => {
  const { ctx, events } = context();
  const s = new MemoryStore<number>({ max: 5000 }, ctx);
  s.set('a', 1, {});
  s.set('b', 2, {});
  assert.equal(s.bytes, 0);
  s.set('c', 3, { bytes: 30 });
  s.set('a', 4, { bytes: 5 });
  assert.equal(s.bytes, 35);
  s.set('a', 6, {});
  assert.equal(s.bytes, 30, 'a replacement without a size drops the old size');
  s.set('a', 4, { bytes: 5 });
  assert.equal(s.bytes, 35);
  s.delete('c');
  assert.equal(s.bytes, 5);
  assert.deepEqual(events.at(-1), ['explicit', 1, 30]);
  for (let i = 0; i < 6000; i++) s.set(`k${i}`, i, { bytes: 1 });
  assert.equal(s.size, 5000);
  let held = 0;
  for (let i = 0; i < 6000; i++) if (s.has(`k${i}`)) held++;
  const expected = held + (s.has('a') ? 5 : 0);
  assert.equal(s.bytes, expected, 'bytes = sizes of the entries held');
  const evictedBytes = events.filter((e) => e[0] === 'size').reduce((sum, e) => sum + e[2], 0);
  assert.equal(evictedBytes + s.bytes, 5 + 6000, 'every byte stored is held or reported evicted');
});

test('MemoryStore: max Infinity is unbounded', () => {
  const { ctx } = context();
  const s = new MemoryStore({ max: Infinity }, ctx);
  for (let i = 0; i < 5000; i++) s.set(i, i, {});
  assert.equal(s.size, 5000);
});

test('LruStore: lru order, ttl with the injected clock, maxBytes, eviction causes', () => {
  const { ctx, events, advance } = context();
  const s = new LruStore({ max: 2, maxBytes: 100 }, ctx);
  s.set('a', 1, { bytes: 10 }); s.set('b', 2, { bytes: 10, ttlMs: 50 });
  s.get('a');
  s.set('c', undefined, { bytes: 10 });
  assert.deepEqual([s.has('a'), s.has('b'), s.get('c')], [true, false, undefined]);
  assert.equal(s.bytes, 20);
  s.set('d', 1, { bytes: 10, ttlMs: 10 });
  advance(11);
  assert.equal(s.get('d'), MISS);
  assert.equal(s.delete('c'), true);
  assert.deepEqual(events.map((e) => e[0]), ['size', 'size', 'expired', 'explicit']);
});

test('MemoryStore: integer keys (indexed by an array) behave like every other key', () => {
  const { ctx } = context();
  const s = new MemoryStore({ max: 3, policy: 'lru' }, ctx);
  for (const k of [5, 3.5, -1]) s.set(k, `v${k}`, {});
  assert.deepEqual([s.get(5), s.get(3.5), s.get(-1), s.get('5'), s.get(6)], ['v5', 'v3.5', 'v-1', MISS, MISS]);
  s.set(2000, 'big', {}); // evicts 5, the least recently used
  assert.deepEqual([s.get(5), s.has(5), s.get(2000)], [MISS, false, 'big']);
  s.set(7, 'seven', { ttlMs: 10 });
  assert.equal(s.delete(7), true);
  assert.equal(s.get(7), MISS);
  s.set(8, 'eight', {});
  s.clear();
  assert.equal(s.get(8), MISS);
  s.set(8, 'again', {});
  assert.equal(s.get(8), 'again');
});

test('MemoryStore: random operations agree with a model (values, TTL, deletes, clears), stay within max, and count every eviction', () => {
  // adaptive at 300 entries defers hits (its exact regime); above 4096 it and the others take them directly.
  for (const [policy, max] of [['adaptive', 300], ['adaptive', 5000], ['lru', 300], ['sieve', 300], ['lirs', 300]] as const) {
    let t = 0;
    let evicted = 0;
    const keys = (max * 20) / 3;
    const s = new MemoryStore<number>({ max, policy }, { namespace: 'ns', now: () => t, events: { evicted: (_c, n) => { evicted += n; } } });
    // What the store may hold: key -> [value, expiry]; an entry the store lacks must have been evicted.
    const model = new Map<string | number, [number, number]>();
    let seed = 99;
    const next = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
    let inserted = 0;
    for (let i = 0; i < 40_000; i++) {
      const r = next();
      const key = next() < 0.5 ? Math.floor(next() ** 2 * keys) : `k${Math.floor(next() ** 2 * keys)}`;
      if (r < 0.5) {
        const got = s.get(key);
        const m = model.get(key);
        if (got !== MISS) {
          assert.ok(m !== undefined && m[0] === got && (m[1] === 0 || m[1] > t), `${policy}: ${String(key)} returned a value the model does not hold`);
        }
      } else if (r < 0.9) {
        const ttl = next() < 0.3 ? 50 : undefined;
        if (!model.has(key) || s.get(key) === MISS) inserted++;
        s.set(key, i, ttl === undefined ? {} : { ttlMs: ttl });
        model.set(key, [i, ttl === undefined ? 0 : t + ttl]);
      } else if (r < 0.98) {
        s.delete(key);
        model.delete(key);
      } else if (r < 0.985) {
        s.clear();
        model.clear();
      } else {
        t += 20;
      }
      assert.ok(s.size <= max, `${policy}: size ${s.size} exceeds max`);
    }
    assert.ok(inserted > max && evicted > 0, `${policy}: the run filled the store (${inserted} insertions, ${evicted} evictions)`);
  }
});

test('MemoryStore: grows past its first arrays up to max, and hits queued before a delete never reach a reused slot', () => {
  const { ctx, events } = context();
  const s = new MemoryStore<number>({ max: 5000, policy: 'lru' }, ctx);
  for (let i = 0; i < 5000; i++) s.set(`k${i}`, i, {});
  assert.equal(s.size, 5000);
  for (let i = 0; i < 5000; i += 7) assert.equal(s.get(`k${i}`), i);
  assert.equal(events.length, 0, 'nothing evicted below max');
  // k0 is hit (queued for the policy), then deleted; the next insertion replays the queue first.
  assert.equal(s.get('k0'), 0);
  s.delete('k0');
  s.set('fresh', 1, {});
  s.set('another', 2, {});
  assert.equal(s.size, 5000);
  assert.equal(s.get('fresh'), 1);
  assert.equal(s.get('k7'), 7, 'k7 was read recently, so it is not the lru victim');
  assert.equal(s.get('k1'), MISS, 'k1 (never read) was');
});
