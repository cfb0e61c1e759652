import { FreeSlots, grown, INITIAL_POOL, Lists, nextPool, slotBound } from './lists.js';
import { FrequencySketch } from './sketch.js';
import type { SlotPolicy } from './slot-policy.js';

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;

/** Hill climbing constants of the adaptive window (the published design's, not tuned here). */
const STEP_FRACTION = 0.0625;
const STEP_DECAY = 0.98;
const RESTART_THRESHOLD = 0.05;
/** Candidates at least this popular are admitted at random 1 time in 128 (hash-flooding defence). */
const RANDOM_ADMIT_FREQUENCY = 6;

/**
 * W-TinyLFU (Einziger, Friedman & Manes, 2017) with the adaptive window of Caffeine 3: new keys
 * enter an LRU window; an entry leaving the window competes with the main region's victim and
 * stays only when the frequency sketch says it is more popular. The main region is a segmented
 * LRU (probation, protected = 80%). Every `10 * capacity` accesses a hill climber moves the
 * window size in the direction that raised the hit ratio. `adaptive = false` keeps a 1% window.
 */
export class WTinyLfuPolicy implements SlotPolicy {
  readonly capacity: number;
  readonly #adaptive: boolean;
  readonly #lists: Lists;
  readonly #free: FreeSlots;
  #list: Uint8Array;
  /** The sketch's four row hashes of each slot's key (`FrequencySketch.rows`), at 4 * slot. */
  #rows: Int32Array;
  /** The row hashes of the key a miss is placing. */
  readonly #newRows = new Int32Array(4);
  readonly #sketch: FrequencySketch;
  /** One count per list (WINDOW, PROBATION, PROTECTED = 0..2), so `#size[list]!` is always in range. */
  readonly #size = new Int32Array(3);
  #windowMax = 0;
  #protectedMax = 0;
  #random = 0x9e3779b9;
  // hill climber
  #hits = 0;
  #misses = 0;
  #previousRate = 0;
  #step = 0;

  constructor(capacity: number, adaptive = true) {
    this.capacity = capacity;
    this.#adaptive = adaptive;
    const pool = Math.min(capacity, INITIAL_POOL);
    this.#lists = new Lists(pool, 3);
    this.#free = new FreeSlots(pool);
    this.#list = new Uint8Array(pool);
    this.#rows = new Int32Array(4 * pool);
    this.#sketch = new FrequencySketch(capacity);
    this.#resetSizes();
  }

  #resetSizes(): void {
    this.#setWindow(Math.max(capacity1(this.capacity), 1));
    this.#step = -STEP_FRACTION * this.capacity;
    this.#hits = 0;
    this.#misses = 0;
    this.#previousRate = 0;
  }

  #setWindow(windowMax: number): void {
    this.#windowMax = windowMax;
    this.#protectedMax = Math.floor(0.8 * (this.capacity - windowMax));
  }

  hit(slot: number): void {
    this.#sketch.incrementRows(this.#rows, 4 * slot);
    const lists = this.#lists;
    const list = this.#list[slot]!;
    if (list === PROBATION) {
      lists.unlink(slot);
      this.#list[slot] = PROTECTED;
      this.#size[PROBATION]!--;
      this.#size[PROTECTED]!++;
      lists.pushFront(PROTECTED, slot);
      this.#trimProtected();
    } else {
      lists.moveToFront(list, slot);
    }
    if (this.#adaptive) {
      this.#hits++;
      this.#climb();
    }
  }

  miss(hash: number): number {
    this.#sketch.rows(hash, this.#newRows, 0);
    this.#sketch.incrementRows(this.#newRows, 0);
    if (this.#adaptive) {
      this.#misses++;
      this.#climb();
    }
    const size = this.#size;
    let slot = this.#free.take();
    if (slot < 0 && this.#lists.nodes < this.capacity) slot = this.#grow(nextPool(this.#lists.nodes, this.capacity));
    let into = WINDOW;
    if (slot >= 0) {
      // Not full: admit, then keep the window within its target.
      this.#place(slot, WINDOW);
      if (size[WINDOW]! > this.#windowMax) this.#move(this.#lists.last(WINDOW), PROBATION);
      return slot;
    }
    if (size[WINDOW]! + 1 > this.#windowMax) {
      const fromWindow = size[WINDOW]! > 0;
      const candidate = fromWindow ? this.#lists.last(WINDOW) : -1;
      const victim = this.#mainVictim();
      if (victim >= 0 && !this.#admit(fromWindow ? this.#rows : this.#newRows, fromWindow ? 4 * candidate : 0, 4 * victim)) {
        if (!fromWindow) return -1;
        slot = this.#detach(candidate);
      } else if (victim < 0) {
        slot = this.#detach(candidate);
      } else {
        slot = this.#detach(victim);
        if (fromWindow) this.#move(candidate, PROBATION);
        else into = PROBATION;
      }
    } else {
      const victim = this.#mainVictim();
      slot = this.#detach(victim >= 0 ? victim : this.#lists.last(WINDOW));
    }
    this.#place(slot, into);
    return slot;
  }

  #mainVictim(): number {
    const lists = this.#lists;
    if (!lists.isEmpty(PROBATION)) return lists.last(PROBATION);
    if (!lists.isEmpty(PROTECTED)) return lists.last(PROTECTED);
    return -1;
  }

  /** Whether the candidate (row hashes at `rows[at]`) may replace the main region's victim (at `4 * victim` of `#rows`). */
  #admit(rows: Int32Array, at: number, victim: number): boolean {
    const c = this.#sketch.frequencyRows(rows, at);
    const v = this.#sketch.frequencyRows(this.#rows, victim);
    if (c > v) return true;
    if (c < RANDOM_ADMIT_FREQUENCY) return false;
    // xorshift32: deterministic, so simulations repeat exactly.
    let r = this.#random;
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    this.#random = r;
    return (r & 127) === 0;
  }

  /** Puts the key of the running miss (its row hashes in `#newRows`) in `slot`, at the front of `list`. */
  #place(slot: number, list: number): void {
    const rows = this.#rows;
    const from = this.#newRows;
    const at = 4 * slot;
    rows[at] = from[0]!;
    rows[at + 1] = from[1]!;
    rows[at + 2] = from[2]!;
    rows[at + 3] = from[3]!;
    this.#list[slot] = list;
    this.#size[list]!++;
    this.#lists.pushFront(list, slot);
  }

  #detach(slot: number): number {
    this.#lists.unlink(slot);
    this.#size[this.#list[slot]!]!--;
    return slot;
  }

  #move(slot: number, list: number): void {
    this.#detach(slot);
    this.#list[slot] = list;
    this.#size[list]!++;
    this.#lists.pushFront(list, slot);
  }

  #trimProtected(): void {
    while (this.#size[PROTECTED]! > this.#protectedMax) this.#move(this.#lists.last(PROTECTED), PROBATION);
  }

  #climb(): void {
    const requests = this.#hits + this.#misses;
    if (requests < 10 * this.capacity) return;
    const rate = this.#hits / requests;
    const change = rate - this.#previousRate;
    const amount = change >= 0 ? this.#step : -this.#step;
    this.#step = Math.abs(change) >= RESTART_THRESHOLD ? STEP_FRACTION * this.capacity * (amount >= 0 ? 1 : -1) : STEP_DECAY * amount;
    this.#previousRate = rate;
    this.#hits = 0;
    this.#misses = 0;
    this.#resizeWindow(Math.trunc(amount));
  }

  #resizeWindow(delta: number): void {
    const target = Math.min(this.capacity - 1, Math.max(0, this.#windowMax + delta));
    if (target === this.#windowMax) return;
    this.#setWindow(target);
    const lists = this.#lists;
    const size = this.#size;
    while (size[WINDOW]! > target) this.#move(lists.last(WINDOW), PROBATION);
    while (size[WINDOW]! < target) {
      const from = this.#mainVictim();
      if (from < 0) break;
      this.#move(from, WINDOW);
    }
    this.#trimProtected();
  }

  /** Enlarges the pool to `nodes` slots and returns a free slot: the full-size policy would have taken the same one. */
  #grow(nodes: number): number {
    this.#sketch.fit(nodes);
    this.#lists.grow(nodes);
    this.#free.grow(nodes);
    this.#list = grown(this.#list, new Uint8Array(nodes));
    this.#rows = grown(this.#rows, new Int32Array(4 * nodes));
    return this.#free.take();
  }

  remove(slot: number): void {
    this.#detach(slot);
    this.#free.free(slot);
  }

  clear(): void {
    this.#lists.reset();
    this.#free.reset();
    this.#sketch.clear();
    this.#size.fill(0);
    this.#resetSizes();
  }

  rank(out: Int32Array): number {
    const lists = this.#lists;
    let n = 0;
    for (const l of [PROTECTED, WINDOW, PROBATION]) {
      const s = lists.sentinel(l);
      for (let i = lists.first(l); i !== s; i = lists.nextOf(i)) out[n++] = i;
    }
    return n;
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    const bound = slotBound(slots, count);
    if (this.#lists.nodes < bound) this.#grow(bound);
    this.clear();
    const used = new Uint8Array(bound);
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      used[slot] = 1;
      const list = i < this.#protectedMax && i < keep ? PROTECTED : PROBATION;
      this.#sketch.rows(hashes[i]!, this.#rows, 4 * slot);
      this.#list[slot] = list;
      this.#size[list]!++;
      this.#lists.pushBack(list, slot);
      if (i < keep) this.#sketch.incrementRows(this.#rows, 4 * slot);
    }
    this.#free.loaded(used);
  }
}

/** 1% of the capacity (the initial window). */
function capacity1(capacity: number): number {
  return Math.round(capacity / 100);
}
