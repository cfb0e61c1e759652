/**
 * Why a miss missed, on the in-process backends (memory, lru), where the causes are exact: every
 * cause the classification knows, each made happen on purpose, and the counts add up to `misses`.
 * The clock is injected: TTLs pass without sleeping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheOf, memoize, registry } from '../../../runtime/src/index.js';
import { LONGER_TTL_FACTORS, MISS_CAUSES, type MissCauseCounts } from '../../../runtime/src/protocol.js';
import { MissCauses, MAX_LOGGED_KEYS } from '../../../runtime/src/stats-causes.js';
import { hashKey, mix32 } from '../../../runtime/src/key-hash.js';

function causesOf(f: (...args: never[]) => unknown): MissCauseCounts {
  const s = cacheOf(f).stats();
  const c = s.missCauses;
  assert.ok(c, 'missCauses present after a miss');
  assert.equal(MISS_CAUSES.reduce((sum, cause) => sum + c[cause], 0), s.misses, 'the causes add up to the misses');
  return c;
}

/** The causes that are not zero. */
function nonZero(c: MissCauseCounts): Record<string, number> {
  return Object.fromEntries(MISS_CAUSES.filter((cause) => c[cause] !== 0).map((cause) => [cause, c[cause]]));
}

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

for (const backend of ['memory', 'lru'] as const) {
  describe(`miss causes on ${backend}`, () => {
    it('no miss yet: no causes', () => {
      const f = memoize((x: number) => x, { backend, max: 10 });
      assert.equal(cacheOf(f).stats().missCauses, undefined);
    });

    it('first use is cold', () => {
      const f = memoize((x: number) => x, { backend, max: 10 });
      f(1); f(2); f(1);
      assert.deepEqual(nonZero(causesOf(f)), { cold: 2 });
    });

    it('a key asked for after its TTL is expired, with its reuse interval and the longer TTLs that would have served it', () => {
      const { now, advance } = clock();
      const f = memoize((x: number) => x, { backend, max: 10, ttl: '30s', clock: now });
      f(1);
      advance(48_000); // past 30 s: 48 s after the write
      f(1);
      advance(200_000); // 200 s after the second write: only 16 x 30 s = 480 s would have kept it
      f(1);
      const c = causesOf(f);
      assert.deepEqual(nonZero(c), { cold: 1, expired: 2 });
      assert.equal(c.ttlMs, 30_000);
      // 48 s: 2 x (60 s), 4 x, 8 x, 16 x keep it. 200 s more: the entries kept since 0 are 248 s old
      // with those TTLs: 60 s and 120 s would have expired (and rewritten at 248 s), 240 s too, 480 s keeps it.
      assert.deepEqual(c.longerTtl, [1, 1, 1, 2]);
      const reuse = c.reuse!;
      assert.equal(reuse.reduce((a, b) => a + b, 0), 2);
    });

    it('a key removed for capacity is evicted: a second pass over 10 keys in a cache of 2', () => {
      const f = memoize((x: number) => x, { backend, max: 2 });
      for (let round = 0; round < 2; round++) for (let i = 0; i < 10; i++) f(i);
      const c = causesOf(f);
      const s = cacheOf(f).stats();
      assert.equal(c.cold, 10);
      assert.ok(c.evicted >= 8, `evicted ${c.evicted}`);
      assert.equal(c.evicted, s.misses - 10);
    });

    it('delete, clear and a clear from the panel (the registry entry) are invalidations', async () => {
      const f = memoize((x: number) => x, { backend, max: 10, id: `miss-causes-clear-${backend}` });
      f(1); f(2); f(3);
      await cacheOf(f).delete(1);
      f(1);
      await cacheOf(f).clear();
      f(2);
      f(1);
      await registry.get(`miss-causes-clear-${backend}`)!.clear(); // what the panel's Clear calls
      f(3);
      assert.deepEqual(nonZero(causesOf(f)), { cold: 3, invalidated: 4 });
    });

    it('a result cacheIf refused, and a refresh, are bypassed', () => {
      const f = memoize((x: number) => x, { backend, max: 10, cacheIf: (r: number) => r > 0 });
      f(0); f(0); // refused twice: the second miss is bypassed
      f(5);
      cacheOf(f).refresh(5);
      assert.deepEqual(nonZero(causesOf(f)), { cold: 2, bypassed: 2 });
    });

    it('a result that could not be cached (a throw, an unreadable value) is not cacheable', () => {
      const unreadable = new Proxy({}, { ownKeys: () => { throw new Error('no'); } });
      const f = memoize((x: number) => {
        if (x === 1) throw new Error('fails');
        return x === 2 ? unreadable : x;
      }, { backend, max: 10 });
      for (let i = 0; i < 2; i++) {
        assert.throws(() => f(1));
        f(2);
      }
      assert.deepEqual(nonZero(causesOf(f)), { cold: 2, notCacheable: 2 });
    });

    it('a rejected promise is not cacheable; a resolved one is written', async () => {
      const f = memoize(async (x: number) => { if (x === 1) throw new Error('fails'); return x; }, { backend, max: 10 });
      for (let i = 0; i < 2; i++) {
        await assert.rejects(f(1));
        await f(2);
      }
      assert.deepEqual(nonZero(causesOf(f)), { cold: 2, notCacheable: 1 });
    });
  });
}

describe('the log of writes', () => {
  it('a key never written that misses on a shared store is cold; written, live and gone is unknown', () => {
    const c = new MissCauses({ exact: false, storeTtlMs: 1000 });
    c.miss('a', 0);
    c.wrote('a', 0);
    c.miss('a', 500);
    c.miss('a', 1000);
    assert.deepEqual(Array.from(c.counts), [1, 1, 0, 0, 0, 0, 0, 1]);
  });

  it('remembers the keys written lately, within its capacity; an old one forgotten counts as cold again', () => {
    const c = new MissCauses({ exact: true, storeTtlMs: undefined, capacity: 100 });
    for (let i = 0; i < 2000; i++) c.wrote(i, i);
    c.miss(0, 3000); // forgotten: 2,000 keys through 256 slots
    c.miss(1999, 3000); // remembered: live and gone, so evicted
    assert.deepEqual(Array.from(c.counts).slice(0, 3), [1, 0, 1]);
    const small = new MissCauses({ exact: true, storeTtlMs: undefined, capacity: 100 });
    for (let i = 0; i < 100; i++) small.wrote(i, i);
    for (let i = 0; i < 100; i++) small.miss(i, 200);
    assert.ok(small.counts[2]! >= 90, `of 100 keys within the capacity, ${small.counts[2]} remembered`);
    assert.ok(MAX_LOGGED_KEYS >= 65_536);
  });

  it('a table that starts small and doubles counts exactly as one made with all its slots (a model of it), with and without a TTL', () => {
    // The model: a 4-way set-associative table made at its bound from the start, exact; a new key
    // takes the first free slot of its bucket, else the slot whose key came to the bucket longest
    // ago (the bucket's slots in turn). Which key is forgotten depends on the slot each sits in,
    // so the layouts must agree, not just the keys. A write may come long after its miss, other
    // keys' misses and writes in between (an asynchronous function): the log must not reuse where
    // it found the key when the table changed.
    class Model {
      readonly hashes: Int32Array;
      readonly state: Uint8Array;
      readonly written: Float64Array;
      readonly next: Uint8Array;
      counts = [0, 0, 0, 0, 0, 0, 0, 0];
      constructor(slots: number, readonly ttl: number | undefined) {
        this.hashes = new Int32Array(slots);
        this.state = new Uint8Array(slots);
        this.written = new Float64Array(slots);
        this.next = new Uint8Array(slots / 4);
      }
      bucket(h: number): number {
        return h & (this.hashes.length - 1) & ~3;
      }
      find(h: number): number {
        const b = this.bucket(h);
        for (let i = b; i < b + 4; i++) if (this.hashes[i] === h) return i;
        return -1;
      }
      take(h: number): number {
        const b = this.bucket(h);
        let slot = -1;
        for (let i = b; i < b + 4 && slot < 0; i++) if (this.hashes[i] === 0) slot = i;
        if (slot < 0) {
          slot = b + this.next[b / 4]!;
          this.next[b / 4] = (this.next[b / 4]! + 1) % 4;
        }
        this.hashes[slot] = h;
        return slot;
      }
      miss(key: unknown, now: number): void {
        const slot = this.find(hashOf(key));
        const expired = slot >= 0 && this.ttl !== undefined && now - this.written[slot]! >= this.ttl;
        this.counts[slot < 0 ? 0 : this.state[slot] !== 255 ? this.state[slot]! : expired ? 1 : 2]!++;
      }
      wrote(key: unknown, now: number): void {
        const h = hashOf(key);
        let slot = this.find(h);
        if (slot < 0) slot = this.take(h);
        this.state[slot] = 255;
        this.written[slot] = now;
      }
      lost(key: unknown, cause: number): void {
        const h = hashOf(key);
        let slot = this.find(h);
        if (slot < 0) {
          if (cause === 3) return;
          slot = this.take(h);
        }
        this.state[slot] = cause;
      }
    }
    const hashOf = (key: unknown): number => (mix32(hashKey(key) ^ 0x2545f491) & 0x3fffffff) | 0x40000000;
    let seed = 7;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    // With a TTL the write times move with the keys when the table grows: a short one expires
    // keys during the run (the clock moves every ~20 operations), a long one never.
    for (const storeTtlMs of [undefined, 40, 1e9]) for (const capacity of [1, 16, 40, 100, 700, 65_536]) {
      for (let round = 0; round < 30; round++) {
        const causes = new MissCauses({ exact: true, storeTtlMs, capacity });
        const model = new Model(Math.max(64, 2 ** Math.ceil(Math.log2(2 * capacity))), storeTtlMs);
        const keys = 2 + Math.floor(random() * 3000);
        let now = 0;
        const pending: (string | number)[] = [];
        for (let i = 0; i < 3000; i++) {
          if (random() < 0.05) now++; // most operations share their millisecond with others
          if (pending.length > 0 && random() < 0.2) {
            const key = pending.splice(Math.floor(random() * pending.length), 1)[0]!;
            causes.wrote(key, now);
            model.wrote(key, now);
          }
          const key = random() < 0.5 ? Math.floor(random() * keys) : `k${Math.floor(random() * keys)}`;
          const r = random();
          if (r < 0.8) {
            causes.miss(key, now);
            model.miss(key, now);
            if (r < 0.45) {
              causes.wrote(key, now);
              model.wrote(key, now);
            } else if (r < 0.6) {
              pending.push(key); // written later
            }
          } else if (r < 0.9) {
            const cause = 3 + Math.floor(random() * 3); // invalidated, bypassed, not cacheable
            causes.lost(key, cause);
            model.lost(key, cause);
          } else {
            causes.wrote(key, now);
            model.wrote(key, now);
          }
        }
        assert.deepEqual(Array.from(causes.counts), model.counts, `TTL ${storeTtlMs}, capacity ${capacity}, round ${round}`);
      }
    }
  });

  it('longer TTL factors are 2, 4, 8 and 16', () => {
    assert.deepEqual(LONGER_TTL_FACTORS, [2, 4, 8, 16]);
  });
});
