import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CANDIDATES, createCandidate, type CandidateName } from '../../../runtime/src/policy/adaptive-candidates.js';
import { Shadow, ShadowIndex } from '../../../runtime/src/policy/adaptive-shadow.js';
import type { SlotPolicy } from '../../../runtime/src/policy/slot-policy.js';
import { random, zipf } from './random.js';

/** The model: one policy driven on its own, with its own map from hash to slot (what a shadow was before sharing an index). */
class Alone {
  readonly #policy: SlotPolicy;
  readonly #slotOf = new Map<number, number>();
  readonly #hashIn = new Map<number, number>();
  constructor(name: CandidateName, capacity: number) {
    this.#policy = createCandidate(name, capacity);
  }
  /** The slot now holding `hash` (or -1), whether it hit, and the hash it evicted (or -1). */
  access(hash: number): { slot: number; hit: boolean; evicted: number } {
    const held = this.#slotOf.get(hash);
    if (held !== undefined) {
      this.#policy.hit(held);
      return { slot: held, hit: true, evicted: -1 };
    }
    const slot = this.#policy.miss(hash);
    if (slot < 0) return { slot, hit: false, evicted: -1 };
    const old = this.#hashIn.get(slot);
    if (old !== undefined) this.#slotOf.delete(old);
    this.#hashIn.set(slot, hash);
    this.#slotOf.set(hash, slot);
    return { slot, hit: false, evicted: old ?? -1 };
  }
  get hashes(): Set<number> {
    return new Set(this.#slotOf.keys());
  }
  slotOf(hash: number): number {
    return this.#slotOf.get(hash) ?? -1;
  }
}

/** Hashes of a stream that makes the candidates disagree: Zipf over four times the capacity, then a loop longer than it, then a scan. */
function stream(seed: number, capacity: number, length: number): number[] {
  const next = random(seed);
  const hot = zipf(4 * capacity, 0.8, next);
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const phase = Math.floor((3 * i) / length);
    const key = phase === 0 ? hot() : phase === 1 ? (i % Math.ceil(1.3 * capacity)) + 10 * capacity : next() < 0.5 ? hot() : 20 * capacity + i;
    // Distinct keys, distinct 30-bit hashes (the index maps hashes, as the policies see them).
    out.push((Math.imul(key + 1, 0x9e3779b1) >>> 2) & 0x3fffffff);
  }
  return out;
}

for (const capacity of [1, 7, 64, 300]) {
  test(`shadows sharing one index answer as each policy alone, access by access and in lagged batches (capacity ${capacity})`, () => {
    const hashes = stream(capacity, capacity, 40 * capacity + 500);
    const index = new ShadowIndex();
    const shadows = CANDIDATES.map((name) => new Shadow(createCandidate(name, capacity), index));
    const models = CANDIDATES.map((name) => new Alone(name, capacity));
    // The first shadow replays each access at once (as the exact regime's leader does), the others in batches of up to 32.
    const pending = new Int32Array(32);
    const expectedMasks = new Array<number>(CANDIDATES.length).fill(0);
    let count = 0;
    const catchUp = (): void => {
      for (let i = 1; i < shadows.length; i++) assert.equal(shadows[i]!.replay(pending, count), expectedMasks[i], `${CANDIDATES[i]} hits in the batch`);
      index.leave(pending, count);
      count = 0;
      expectedMasks.fill(0);
    };
    for (let t = 0; t < hashes.length; t++) {
      const hash = hashes[t]!;
      const record = index.enter(hash);
      const leader = shadows[0]!;
      const want = models[0]!.access(hash);
      // A link on every slot the leader holds, to see which one the eviction reports.
      const slot = leader.access(record);
      assert.equal(slot, want.slot, `step ${t}: ${CANDIDATES[0]} slot`);
      assert.equal(leader.lastHit, want.hit, `step ${t}: ${CANDIDATES[0]} hit`);
      assert.equal(leader.evictedLink, want.evicted >= 0 ? want.evicted % 1000 : -1, `step ${t}: link of the evicted entry`);
      if (slot >= 0) leader.link[slot] = hash % 1000;
      for (let i = 1; i < models.length; i++) if (models[i]!.access(hash).hit) expectedMasks[i]! |= 1 << count;
      pending[count++] = record;
      if (count === 32 || t % 97 === 0) catchUp();
    }
    catchUp();
    // Every shadow holds what its model holds, and the index holds exactly their union (nothing pending: no record leaked).
    const union = new Set<number>();
    shadows.forEach((shadow, i) => {
      const held = models[i]!.hashes;
      assert.deepEqual(new Set(shadow.ranks().keys()), held, `${CANDIDATES[i]} holds its model's keys`);
      for (const hash of held) {
        assert.equal(shadow.slotOf(hash), models[i]!.slotOf(hash), `${CANDIDATES[i]} slot of a held key`);
        union.add(hash);
      }
    });
    assert.equal(index.size, union.size);
    for (const hash of hashes) if (!union.has(hash)) assert.equal(index.recordOf(hash), -1);
    // Cleared, everything is forgotten and works again from the start.
    for (const shadow of shadows) shadow.clear();
    index.clear();
    assert.equal(index.size, 0);
    const again = new Alone(CANDIDATES[0]!, capacity);
    for (const hash of hashes.slice(0, 50)) assert.equal(shadows[0]!.access(index.enter(hash)), again.access(hash).slot);
  });
}

test('a shadow refuses a policy larger than its 16-bit slots hold', () => {
  assert.throws(() => new Shadow(createCandidate('lru', 40_000), new ShadowIndex()), RangeError);
});
