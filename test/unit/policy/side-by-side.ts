import assert from 'node:assert/strict';
import { SlotCache, type SlotPolicy } from '../../../runtime/src/policy/index.js';
import { random, zipf } from './random.js';

/** An adaptive policy as the side-by-side comparison reads it. */
export interface Led extends SlotPolicy {
  readonly active: string;
  readonly switches: number;
}

/** Wraps a policy and records every slot it hands out (the whole of what storage learns from it). */
export class Recorded<P extends Led> implements SlotPolicy {
  readonly slots: number[] = [];
  constructor(readonly inner: P) {}
  get capacity(): number { return this.inner.capacity; }
  hit(slot: number): void { this.inner.hit(slot); }
  miss(hash: number): number {
    const slot = this.inner.miss(hash);
    this.slots.push(slot);
    return slot;
  }
  remove(slot: number): void { this.inner.remove(slot); }
  clear(): void { this.inner.clear(); }
  rank(out: Int32Array): number { return this.inner.rank(out); }
  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void { this.inner.load(slots, hashes, count, keep); }
}

/** One operation of a stream run through two caches. */
export interface Op { op: 'get' | 'delete' | 'clear'; key: number | string }

/**
 * Runs `ops` through `a` (over `lazy`) and `b` (over `eager`): a get that misses is followed by a
 * set, as a memo does. Asserts the same hits, deletes, sizes, leaders and changes of leader after
 * every operation, then the same slots handed out and the same keys held.
 */
export function sideBySide<P extends Led, Q extends Led>(
  label: string, a: SlotCache<number | string, number>, lazy: Recorded<P>, b: SlotCache<number | string, number>, eager: Recorded<Q>, ops: readonly Op[],
): void {
  for (let i = 0; i < ops.length; i++) {
    const { op, key } = ops[i]!;
    if (op === 'clear') {
      a.clear();
      b.clear();
    } else if (op === 'delete') {
      assert.equal(a.delete(key), b.delete(key), `${label}, op ${i}: delete`);
    } else {
      const hit = a.get(key);
      assert.equal(hit, b.get(key), `${label}, op ${i}: hit or miss`);
      if (hit === undefined) {
        a.set(key, i);
        b.set(key, i);
      }
    }
    assert.equal(lazy.inner.active, eager.inner.active, `${label}, op ${i}: leader`);
    assert.equal(lazy.inner.switches, eager.inner.switches, `${label}, op ${i}: changes of leader`);
    assert.equal(a.size, b.size, `${label}, op ${i}: size`);
  }
  assert.deepEqual(lazy.slots, eager.slots, `${label}: the slots handed out`);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${label}: the keys held`);
}

/**
 * A seeded operation stream for a cache of `max` entries: a warm-up (the first `warm.share` of the
 * stream, on `warm.keys` keys: the lazy phase), then phases that fill the cache and make candidates
 * disagree (a loop longer than the cache, Zipf over four times its size, a scan over a hot set),
 * with deletes and, rarely, a clear; numbers and strings as keys.
 */
export function phasedStream(seed: number, max: number, length: number, warm: { share: number; keys: number }): Op[] {
  const next = random(seed);
  const hot = zipf(4 * max + 4, 0.9, next);
  const ops: Op[] = [];
  for (let i = 0; i < length; i++) {
    const phase = i < length * warm.share ? -1 : Math.floor((i * 4) / length) % 4;
    let k: number;
    if (phase === -1) k = Math.floor(next() * warm.keys);
    else if (phase === 0 || phase === 3) k = hot();
    else if (phase === 1) k = 10_000_000 + (i % (Math.ceil(1.3 * max) + 1));
    else k = next() < 0.5 ? hot() : 20_000_000 + i;
    const key = next() < 0.5 ? k : `k${k}`;
    const x = next();
    ops.push({ op: x < 0.02 ? 'delete' : x < 0.02 + 2 / length ? 'clear' : 'get', key });
  }
  return ops;
}
