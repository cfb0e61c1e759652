/**
 * Shadows: the candidate policies simulated on key hashes alone (which keys each would hold, not
 * their values), replayed access by access or in batches. The adaptive policy runs one per
 * candidate and compares their hits; the exact regime also mirrors its leader's shadow.
 *
 * The shadows of one adaptive policy share one index (`ShadowIndex`): a hash is looked up once
 * per access, not once per shadow, and gives a record number; each shadow then finds the key in
 * an array indexed by record. A record lives while some shadow holds its key or some access
 * still to be replayed names it (its references).
 */
import { IntMap } from './int-map.js';
import { doubledLength, FreeSlots, grown } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

/** Slots a shadow's own arrays start with; they double as its policy hands out higher ones. */
const INITIAL_SLOTS = 64;
/** Most entries a shadow can hold (its slots are kept in 16 bits). */
const MAX_SHADOW = 0x7fff;
/** Records the index starts with; it doubles as more keys are held or pending. */
const INITIAL_RECORDS = 64;

/**
 * Replays accesses into a shadow's policy: the only place the simulations call `policy.hit` and
 * `policy.miss`, six times per access in the exact regime. One function replaying every candidate
 * would see six policy classes at those calls, and V8 would dispatch each call through a generic
 * lookup instead of inlining the policy's method; so every policy class gets its own compiled copy
 * (`replayerFor`: 7-12% of a miss at the default `max`, 1000, in alternated runs). Where code generation from
 * strings is disabled, all classes share `SHARED_REPLAYER`, the same code as a plain object.
 */
export interface Replayer {
  /** `Shadow.replay`: up to 32 accesses; bit j of the result is set when access j hit. */
  replay(shadow: Shadow, policy: SlotPolicy, records: Int32Array, count: number): number;
  /** `Shadow.access`: one access; the shadow slot now holding the key, or -1. */
  access(shadow: Shadow, policy: SlotPolicy, record: number): number;
}

/** The replayer's source, compiled once per policy class; `SHARED_REPLAYER` is the same code. */
const REPLAYER_SOURCE = `return {
  replay(shadow, policy, records, count) {
    let mask = 0;
    for (let j = 0; j < count; j++) {
      const record = records[j];
      const slot = shadow.slotIn(record);
      if (slot >= 0) {
        policy.hit(slot);
        mask |= 1 << j;
      } else {
        const fresh = policy.miss(shadow.hashOfRecord(record));
        if (fresh >= 0) shadow.fill(record, fresh);
      }
    }
    return mask;
  },
  access(shadow, policy, record) {
    let slot = shadow.slotIn(record);
    shadow.evictedLink = -1;
    if (slot >= 0) {
      policy.hit(slot);
      shadow.lastHit = true;
      return slot;
    }
    shadow.lastHit = false;
    slot = policy.miss(shadow.hashOfRecord(record));
    if (slot >= 0) shadow.evictedLink = shadow.fill(record, slot);
    return slot;
  },
};`;

/** `REPLAYER_SOURCE` as ordinary code: where code generation is disabled, and for the tests to compare with. */
export const SHARED_REPLAYER: Replayer = {
  replay(shadow, policy, records, count) {
    let mask = 0;
    for (let j = 0; j < count; j++) {
      const record = records[j]!;
      const slot = shadow.slotIn(record);
      if (slot >= 0) {
        policy.hit(slot);
        mask |= 1 << j;
      } else {
        const fresh = policy.miss(shadow.hashOfRecord(record));
        if (fresh >= 0) shadow.fill(record, fresh);
      }
    }
    return mask;
  },
  access(shadow, policy, record) {
    let slot = shadow.slotIn(record);
    shadow.evictedLink = -1;
    if (slot >= 0) {
      policy.hit(slot);
      shadow.lastHit = true;
      return slot;
    }
    shadow.lastHit = false;
    slot = policy.miss(shadow.hashOfRecord(record));
    if (slot >= 0) shadow.evictedLink = shadow.fill(record, slot);
    return slot;
  },
};

const replayers = new Map<unknown, Replayer>();
let codegenAllowed = true;

/** The replayer of `policy`'s class: compiled for it on first use (see `Replayer`). */
export function replayerFor(policy: SlotPolicy): Replayer {
  const kind = policy.constructor;
  let replayer = replayers.get(kind);
  if (replayer !== undefined) return replayer;
  replayer = SHARED_REPLAYER;
  if (codegenAllowed) {
    try {
      // The comment makes each class's source unique, so V8's compilation cache cannot share it.
      replayer = new Function(`// cachelens shadow replay: ${replayers.size} ${kind.name}\n${REPLAYER_SOURCE}`)() as Replayer;
    } catch (error) {
      // EvalError: code generation from strings is disallowed in this process.
      if (error instanceof EvalError) codegenAllowed = false;
    }
  }
  replayers.set(kind, replayer);
  return replayer;
}

/** The hashes the shadows of one adaptive policy hold or have yet to see, numbered (records). */
export class ShadowIndex {
  readonly #records = new IntMap();
  readonly #free = new FreeSlots(INITIAL_RECORDS);
  #hashOf = new Int32Array(INITIAL_RECORDS);
  /**
   * Per record: the shadows holding its key, plus the accesses naming it not yet replayed
   * everywhere. A byte: six shadows and at most one batch of 32 accesses.
   */
  #refs = new Uint8Array(INITIAL_RECORDS);

  /** Hashes with a record now: those some shadow holds, and those named by accesses not yet replayed everywhere. */
  get size(): number {
    return this.#records.size;
  }

  /** Records allocated so far (every record number is below it). */
  get capacity(): number {
    return this.#hashOf.length;
  }

  /** The record of `hash` (made when new), with one more reference: an access to replay, until `leave`. */
  enter(hash: number): number {
    let record = this.#records.getOrReserve(hash);
    if (record < 0) {
      record = this.#free.take();
      if (record < 0) {
        // Every record is in use: double them (the shadows grow their arrays when they first see a new one).
        const length = 2 * this.#hashOf.length;
        this.#hashOf = grown(this.#hashOf, new Int32Array(length));
        this.#refs = grown(this.#refs, new Uint8Array(length));
        this.#free.grow(length);
        record = this.#free.take();
      }
      this.#hashOf[record] = hash;
      this.#records.fillReserved(record);
    }
    this.#refs[record]!++;
    return record;
  }

  /** Drops the references `enter` gave `count` accesses, once every shadow has replayed them. */
  leave(records: Int32Array, count: number): void {
    for (let i = 0; i < count; i++) this.release(records[i]!);
  }

  /** The record of `hash`, or -1 when no shadow holds it and no access names it. */
  recordOf(hash: number): number {
    return this.#records.get(hash);
  }

  hashOf(record: number): number {
    return this.#hashOf[record]!;
  }

  retain(record: number): void {
    this.#refs[record]!++;
  }

  release(record: number): void {
    if (--this.#refs[record]! === 0) {
      this.#records.delete(this.#hashOf[record]!);
      this.#free.free(record);
    }
  }

  clear(): void {
    this.#records.clear();
    this.#free.reset();
    this.#refs.fill(0);
  }
}

/**
 * One candidate simulated on the records of a `ShadowIndex`. `link` ties a shadow slot to the
 * real cache's slot holding the same key (kept for the leader only).
 */
export class Shadow {
  readonly policy: SlotPolicy;
  /** Grows (with `#recordIn`) as the policy hands out higher slots: most caches never fill. */
  link: Int32Array;
  /** After `access`: whether it was a hit, and the real slot linked to the entry it evicted (or -1). */
  lastHit = false;
  evictedLink = -1;
  readonly #index: ShadowIndex;
  readonly #replayer: Replayer;
  /**
   * Per record: the shadow slot holding its key, or -1 (grows with the index). 16 bits: shadows
   * hold at most 4,096 entries (the exact regime's bound; sampled ones about 192), and this array
   * is the one that grows with every key any shadow holds.
   */
  #slotOf: Int16Array;
  /** Per shadow slot: the record of the key it holds, or -1. */
  #recordIn: Int32Array;

  /** `replayer`: the policy class's own (tests pass `SHARED_REPLAYER` to compare). */
  constructor(policy: SlotPolicy, index: ShadowIndex, replayer: Replayer = replayerFor(policy)) {
    if (policy.capacity > MAX_SHADOW) throw new RangeError(`a shadow holds at most ${MAX_SHADOW} entries, got ${policy.capacity}`);
    this.policy = policy;
    this.#index = index;
    this.#replayer = replayer;
    const slots = Math.min(policy.capacity, INITIAL_SLOTS);
    this.link = new Int32Array(slots).fill(-1);
    this.#recordIn = new Int32Array(slots).fill(-1);
    this.#slotOf = new Int16Array(index.capacity).fill(-1);
  }

  /**
   * Replays one access (its record, from `ShadowIndex.enter`); returns the shadow slot now holding
   * the key, or -1 when refused. `lastHit` and `evictedLink` tell the rest.
   */
  access(record: number): number {
    return this.#replayer.access(this, this.policy, record);
  }

  /** Replays up to 32 accesses (their records); bit j of the result is set when access j hit. */
  replay(records: Int32Array, count: number): number {
    return this.#replayer.replay(this, this.policy, records, count);
  }

  /** The hash of `record` (for the replayer). */
  hashOfRecord(record: number): number {
    return this.#index.hashOf(record);
  }

  /**
   * Records `record` in `slot` (the policy's answer to a miss); returns the real slot linked to
   * the entry it replaced, or -1. For the replayer.
   */
  fill(record: number, slot: number): number {
    if (slot >= this.#recordIn.length) this.#grow(slot);
    if (record >= this.#slotOf.length) this.#slotOf = grown(this.#slotOf, new Int16Array(this.#index.capacity).fill(-1));
    let evicted = -1;
    const old = this.#recordIn[slot]!;
    if (old >= 0) {
      this.#slotOf[old] = -1;
      this.#index.release(old);
      evicted = this.link[slot]!;
    }
    this.#recordIn[slot] = record;
    this.#slotOf[record] = slot;
    this.#index.retain(record);
    this.link[slot] = -1;
    return evicted;
  }

  /** Makes room for `slot` (doubling, up to the policy's capacity). */
  #grow(slot: number): void {
    const length = doubledLength(this.#recordIn.length, slot + 1, this.policy.capacity);
    this.link = grown(this.link, new Int32Array(length).fill(-1));
    this.#recordIn = grown(this.#recordIn, new Int32Array(length).fill(-1));
  }

  /** The shadow slot holding `hash`, or -1. */
  slotOf(hash: number): number {
    const record = this.#index.recordOf(hash);
    return record >= 0 ? this.slotIn(record) : -1;
  }

  /** The shadow slot holding the key of `record`, or -1 (records newer than `#slotOf` are held by no shadow yet). For the replayer. */
  slotIn(record: number): number {
    return record < this.#slotOf.length ? this.#slotOf[record]! : -1;
  }

  /** Rank (0 = most valuable) of every hash the shadow holds. */
  ranks(): Map<number, number> {
    const slots = new Int32Array(this.policy.capacity);
    const count = this.policy.rank(slots);
    const ranks = new Map<number, number>();
    for (let i = 0; i < count; i++) ranks.set(this.#index.hashOf(this.#recordIn[slots[i]!]!), i);
    return ranks;
  }

  /** Forgets everything (the index is cleared with every shadow, by its owner). */
  clear(): void {
    this.policy.clear();
    this.#slotOf.fill(-1);
    this.#recordIn.fill(-1);
    this.link.fill(-1);
  }
}
