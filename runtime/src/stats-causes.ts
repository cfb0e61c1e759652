/**
 * Why each miss missed, counted per function (`MISS_CAUSES` in protocol.ts), from a bounded log of
 * this function's own writes: key hash -> when it was written and what happened to it since
 * (invalidated, refused by `cacheIf`, not cacheable, its write failed).
 *
 * Nothing here runs on a hit: the log is touched on a miss (one lookup) and on the write that
 * follows it (one update). On an in-process store (`exact`) the only way for a key this process
 * wrote, that is not expired nor invalidated, to be gone is eviction, so the causes are exact
 * (while the log remembers the key: a table of up to twice `capacity` slots, 4-way set associative,
 * that forgets nothing until it is that large, where a new key then takes the place of the key
 * that came to its four longest ago). On a shared store
 * (Redis, Memcached, disk, two tiers) a nil looks the same whatever happened: what our own writes
 * explain (expired, invalidated...) is counted as such, a key we never wrote as `cold` (first use
 * by this process), and the rest as `unknown`.
 *
 * Expiration misses also feed the TTL what-if: how long after our write the key was asked for
 * again (`reuse`, in `REUSE_BUCKET_BOUNDS_MS` buckets) and, for longer TTLs (`LONGER_TTL_FACTORS`),
 * whether the entry would still have been alive. That replay sees misses only (hits are never
 * observed), so it counts the expiration misses a longer TTL would have served; the exact replay
 * of a recorded trace, hits included, is `simulate/ttl-whatif.ts`.
 */
import { hashKey, mix32 } from './key-hash.js';
import { LONGER_TTL_FACTORS, MISS_CAUSES, REUSE_BUCKET_BOUNDS_MS, type MissCauseCounts } from './protocol.js';

/**
 * Indexes into `MISS_CAUSES`: what the cells pass for a cause they know at the miss. Local
 * constants exported by name: compiled CommonJS reads an exported `const` off `exports` at every
 * use, and the log uses them on every miss.
 */
const COLD = 0;
const EXPIRED = 1;
const EVICTED = 2;
const INVALIDATED = 3;
const BYPASSED = 4;
const NOT_CACHEABLE = 5;
const UNAVAILABLE = 6;
const UNKNOWN = 7;
export { BYPASSED, COLD, EVICTED, EXPIRED, INVALIDATED, NOT_CACHEABLE, UNAVAILABLE, UNKNOWN };

/** What the log says happened to a key after this process last wrote or tried to write it. */
const WRITTEN = 15;

const FACTORS = LONGER_TTL_FACTORS.length;
const BUCKETS = REUSE_BUCKET_BOUNDS_MS.length + 1;
/** Slots a key may take: the four of its bucket (`hash & mask`, its two low bits cleared). */
const WAYS_LOG2 = 2;
const WAYS = 1 << WAYS_LOG2;
/**
 * Slots of the first table (one bucket): small, since most functions never see more than a few
 * keys. The table doubles as keys come: when a new key finds its bucket full, until the table has
 * `#maxSlots`. Doubling splits each bucket in two (one more bit of the hash), so every key it held
 * fits: the table forgets nothing until it has all its slots, and keeps in each bucket the keys in
 * the order they came. So it is, at every size, laid out as a table made at that size from the
 * start would be, and counts as one made with all its slots.
 */
const FIRST_SLOTS = WAYS;
/** The smallest bound of the table, in slots. */
const MIN_MAX_SLOTS = 64;
/**
 * A slot is one int32 of `#keys`: the key's `hashOf` above `STATE_BITS` bits of state (`WRITTEN`
 * or the cause its next miss is counted as, never 0 once the key is written or lost; the word is 0
 * when the slot is empty); with a TTL, also one number of `#times` (when it was last written, ms).
 * One word, not a hash and a state side by side: at the default 1000 entries the log remembers
 * 4,000 keys in 8,192 slots, 32 KB instead of 64 (no faster within noise: a 16 KB table, which
 * stays in the first-level cache, saved ~8 ns a miss, but it would remember a quarter of the keys).
 * Typed arrays at every size: columns that were arrays of numbers while small and typed arrays
 * once large made every access site polymorphic in a process with both (44 -> 29 ns per miss and
 * write measured).
 */
const STATE_BITS = 4;
const STATE_MASK = (1 << STATE_BITS) - 1;
/** The hash bits of a slot's word. */
const TAG_MASK = ~STATE_MASK;
/** Shared by every table not yet grown (never written: a write needs a slot, which growth makes). */
const NO_KEYS = new Int32Array(0);
const NO_BYTES = new Uint8Array(0);
const NO_TIMES = new Float64Array(0);

/**
 * The key's hash in the table: 28 bits (what a slot's word holds above its state), never 0, the
 * cell's salt mixed in, and mixed again: the store's hash of 0 is 0, that of 1 ends in 000000 and
 * that of 2 in 000001, so the commonest keys, 0, 1 and 2, fell in one bucket at every size up to 64.
 */
function hashOf(key: unknown, salt: number): number {
  return (mix32(hashKey(key) ^ salt ^ 0x2545f491) & (TAG_MASK >>> STATE_BITS)) || 1;
}
/** `MissCauses.#lastSlot` when the slot of the last miss's key must be looked up again. */
const UNKNOWN_SLOT = -2;
/** Most keys remembered per function. */
export const MAX_LOGGED_KEYS = 65_536;

/**
 * Whether a store failure was about the value (not serializable, too large, unreadable when read
 * back), not about the backend being down, slow or its breaker open.
 */
export function isValueProblem(error: Error | undefined): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'CACHELENS_VALUE_NOT_SERIALIZABLE' || code === 'CACHELENS_VALUE_TOO_LARGE' || code === 'CACHELENS_VALUE_UNREADABLE';
}

export interface MissCausesOptions {
  /** True for in-process stores: a key written, live and not invalidated that misses was evicted. */
  exact: boolean;
  /** How long the store keeps an entry (ttl plus the stale window), in ms; undefined: no expiry. */
  storeTtlMs: number | undefined;
  /**
   * How much earlier than the TTL the backend may expire an entry, in ms (Memcached counts whole
   * seconds: an entry may leave up to one second early). Default 0.
   */
  ttlSlackMs?: number;
  /** Keys remembered at most (the store's `max` times a few, for in-process stores). Default `MAX_LOGGED_KEYS`. */
  capacity?: number;
}

/** What a cell tells the classification (see `MissCauses`); `key` is the store key. */
export interface CellCauses {
  /** A miss (before computing); `cause` when the caller knows it. */
  miss(key: unknown, cause?: number): void;
  /** The computed value was written. */
  wrote(key: unknown): void;
  /** The value was not written, or was removed, for `cause`. */
  lost(key: unknown, cause: number): void;
  /** Every entry was dropped. */
  cleared(): void;
}

export class MissCauses {
  /** Misses per cause, in `MISS_CAUSES` order. */
  readonly counts: number[] = MISS_CAUSES.map(() => 0);
  readonly #exact: boolean;
  /** After how long (ms) a key written here may have expired: the store's TTL less its slack. */
  readonly #ttl: number | undefined;
  /** The store's TTL, what the longer TTLs multiply. */
  readonly #storeTtl: number;
  /** Slots of the table at most: a power of two, twice the keys remembered. */
  readonly #maxSlots: number;
  /** Per slot, the key's hash and its state in one word (see `STATE_BITS`). */
  #keys = NO_KEYS;
  /** Per slot, when its key was last written (ms). With a TTL only. */
  #times = NO_TIMES;
  /**
   * Per bucket, which of its slots a new key takes next (0-3): its keys in the order they came,
   * round and round. Made when the table reaches its bound (until then no key is replaced). A
   * bucket's oldest write was the alternative, but finding it was four unpredictable comparisons
   * per new key (~12 ns of a ~30 ns miss and write), and no key's place depended on the clock.
   */
  #next = NO_BYTES;
  /** The table's slots less one (-1: no table yet). */
  #mask = -1;
  /**
   * Per slot, `FACTORS` virtual write times: when the entry would have been written with each
   * longer TTL. Only with a TTL (the TTL what-if): without one they stay empty.
   */
  #virtual = NO_TIMES;
  /** Per slot, the longer TTLs under which the last expiration miss would have been a hit (bit i: factor i). With a TTL only. */
  #alive = NO_BYTES;
  #cells = 0;
  /** The key of the last miss classified by the log, its cell's salt and its hash (reused by its write). */
  #lastKey: unknown = undefined;
  #lastSalt = 0;
  #lastHash = 0;
  /**
   * Where that miss found its key: its slot, -1 when the table lacked it, `UNKNOWN_SLOT` once the
   * table changed since (a key took a slot, the table grew).
   */
  #lastSlot = UNKNOWN_SLOT;
  #reuse: Float64Array | undefined;
  #longer: Float64Array | undefined;

  constructor(options: MissCausesOptions) {
    this.#exact = options.exact;
    this.#storeTtl = options.storeTtlMs ?? 0;
    this.#ttl = options.storeTtlMs === undefined ? undefined : Math.max(0, options.storeTtlMs - (options.ttlSlackMs ?? 0));
    const capacity = Math.max(1, Math.min(options.capacity ?? MAX_LOGGED_KEYS, MAX_LOGGED_KEYS));
    this.#maxSlots = Math.max(MIN_MAX_SLOTS, 2 ** Math.ceil(Math.log2(2 * capacity)));
  }

  /**
   * Whether the log reads the clock: only with a TTL (expiration misses, the TTL what-if).
   * Without one, `now` is not read and may be passed as 0.
   */
  get timed(): boolean {
    return this.#ttl !== undefined;
  }

  /** Total misses classified. */
  get total(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }

  /**
   * Counts one miss of `key` at `now` (ms). `cause`: what the caller knows (a failed read, a fresh
   * call, a stale entry); otherwise the log decides.
   */
  miss(key: unknown, now: number, cause?: number, salt = 0): void {
    if (cause !== undefined) {
      this.counts[cause]!++;
      return;
    }
    const hash = hashOf(key, salt);
    this.#lastKey = key;
    this.#lastSalt = salt;
    this.#lastHash = hash;
    const slot = this.#find(hash);
    this.#lastSlot = slot;
    if (slot < 0) {
      this.counts[COLD]!++;
      return;
    }
    const state = this.#keys[slot]! & STATE_MASK;
    if (state !== WRITTEN) {
      this.counts[state]!++;
      return;
    }
    const ttl = this.#ttl;
    if (ttl !== undefined && now - this.#times[slot]! >= ttl) {
      this.counts[EXPIRED]!++;
      this.#expired(slot, now, this.#storeTtl);
      return;
    }
    this.counts[this.#exact ? EVICTED : UNKNOWN]!++;
  }

  /** An expiration miss at `now`: its reuse interval, and which longer TTLs would have served it. */
  #expired(slot: number, now: number, ttl: number): void {
    const interval = now - this.#times[slot]!;
    let bucket = 0;
    while (bucket < BUCKETS - 1 && interval >= REUSE_BUCKET_BOUNDS_MS[bucket]!) bucket++;
    (this.#reuse ??= new Float64Array(BUCKETS))[bucket]!++;
    const longer = (this.#longer ??= new Float64Array(FACTORS));
    let alive = 0;
    for (let i = 0, o = slot * FACTORS; i < FACTORS; i++) {
      if (now - this.#virtual[o + i]! < ttl * LONGER_TTL_FACTORS[i]!) {
        longer[i]!++;
        alive |= 1 << i;
      }
    }
    this.#alive[slot] = alive;
  }

  /** This process wrote `key` at `now` (after a miss; ms, read only when `timed`). */
  wrote(key: unknown, now: number, salt = 0): void {
    // The write follows its miss: the key's hash is the one just computed (a string key's hash is
    // most of what classifying a miss costs), and its slot the one found then if the table has
    // not changed since.
    const last = key === this.#lastKey && salt === this.#lastSalt;
    const hash = last ? this.#lastHash : hashOf(key, salt);
    let slot = last && this.#lastSlot !== UNKNOWN_SLOT ? this.#lastSlot : this.#find(hash);
    if (slot < 0) {
      slot = this.#take(hash);
      if (this.#ttl !== undefined) this.#alive[slot] = 0;
    }
    this.#keys[slot] = (this.#keys[slot]! & TAG_MASK) | WRITTEN;
    if (this.#ttl === undefined) return;
    this.#times[slot] = now;
    // With a longer TTL, an entry that would still have been alive keeps its older write time.
    const alive = this.#alive[slot]!;
    for (let i = 0, o = slot * FACTORS; i < FACTORS; i++) if ((alive & (1 << i)) === 0) this.#virtual[o + i] = now;
    this.#alive[slot] = 0;
  }

  /**
   * The key's value was not stored, or was removed, for `cause` (`INVALIDATED`, `BYPASSED`,
   * `NOT_CACHEABLE`, `UNAVAILABLE`): its next miss is counted so.
   */
  lost(key: unknown, cause: number, salt = 0): void {
    const hash = hashOf(key, salt);
    let slot = this.#find(hash);
    if (slot < 0) {
      if (cause === INVALIDATED) return; // never written here: its next miss is a first use
      slot = this.#take(hash);
      if (this.#ttl !== undefined) this.#alive[slot] = 0;
    }
    this.#keys[slot] = (this.#keys[slot]! & TAG_MASK) | cause;
  }

  /**
   * The classification as one cell (one store) uses it: its keys salted apart from other cells' (a
   * method's instances on in-process stores), times read from `now`.
   */
  forCell(now: () => number): CellCauses {
    return new SaltedCauses(this, now, Math.imul(this.#cells++, 0x9e3779b1) & 0x3fffffff);
  }

  /** Every entry was dropped (`clear`, the panel's Clear): every key written counts as invalidated. */
  cleared(): void {
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) if ((keys[i]! & STATE_MASK) === WRITTEN) keys[i] = (keys[i]! & TAG_MASK) | INVALIDATED;
  }

  /**
   * The table is 4-way set associative (no Map, nothing allocated per miss): a key lives in one of
   * the four slots of its bucket. -1 when it is not there.
   */
  #find(hash: number): number {
    const mask = this.#mask;
    if (mask < 0) return -1;
    const keys = this.#keys;
    const tag = hash << STATE_BITS;
    const b = hash & mask & ~(WAYS - 1);
    if ((keys[b]! & TAG_MASK) === tag) return b;
    if ((keys[b + 1]! & TAG_MASK) === tag) return b + 1;
    if ((keys[b + 2]! & TAG_MASK) === tag) return b + 2;
    return (keys[b + 3]! & TAG_MASK) === tag ? b + 3 : -1;
  }

  /**
   * A slot for a new key: the first free one of its bucket, else (the table doubled up to its
   * bound) the one whose key came to the bucket longest ago.
   */
  #take(hash: number): number {
    this.#lastSlot = UNKNOWN_SLOT;
    for (;;) {
      const keys = this.#keys;
      const slots = this.#mask + 1;
      if (slots > 0) {
        const b = hash & (slots - 1) & ~(WAYS - 1);
        for (let i = b; i < b + WAYS; i++) {
          if (keys[i] === 0) {
            keys[i] = hash << STATE_BITS;
            return i;
          }
        }
        if (slots >= this.#maxSlots) {
          if (this.#next.length === 0) this.#next = new Uint8Array(slots / WAYS);
          const bucket = b >>> WAYS_LOG2;
          const turn = this.#next[bucket]!;
          this.#next[bucket] = (turn + 1) & (WAYS - 1);
          keys[b + turn] = hash << STATE_BITS;
          return b + turn;
        }
      }
      this.#grow(Math.max(FIRST_SLOTS, slots * 2));
    }
  }

  /**
   * Doubles the table: each key moves, in slot order, to the first free slot of its bucket in the
   * new table. A bucket's keys go to two buckets there (the hash's next bit), so all of them fit,
   * in the order they were.
   */
  #grow(size: number): void {
    const from = this.#keys;
    const fromTimes = this.#times;
    const alive = this.#alive;
    const virtual = this.#virtual;
    const timed = this.#ttl !== undefined;
    const keys = (this.#keys = new Int32Array(size));
    const mask = (this.#mask = size - 1);
    if (timed) {
      this.#times = new Float64Array(size);
      this.#alive = new Uint8Array(size);
      this.#virtual = new Float64Array(size * FACTORS);
    }
    for (let slot = 0; slot < from.length; slot++) {
      const word = from[slot]!;
      if (word === 0) continue;
      const bucket = (word >>> STATE_BITS) & mask & ~(WAYS - 1);
      let to = bucket;
      while (to < bucket + WAYS && keys[to] !== 0) to++;
      if (to === bucket + WAYS) continue; // cannot happen (see above); forgotten rather than misplaced
      keys[to] = word;
      if (timed) {
        this.#times[to] = fromTimes[slot]!;
        this.#alive[to] = alive[slot]!;
        this.#virtual.set(virtual.subarray(slot * FACTORS, slot * FACTORS + FACTORS), to * FACTORS);
      }
    }
  }

  /** The counters as the live protocol carries them; undefined before the first miss. */
  snapshot(ttlMs: number | undefined): MissCauseCounts | undefined {
    if (this.total === 0) return undefined;
    const out = Object.fromEntries(MISS_CAUSES.map((cause, i) => [cause, this.counts[i]!])) as unknown as MissCauseCounts;
    if (ttlMs !== undefined) out.ttlMs = ttlMs;
    if (this.#reuse !== undefined) out.reuse = Array.from(this.#reuse);
    if (this.#longer !== undefined) out.longerTtl = Array.from(this.#longer);
    return out;
  }
}

/** `MissCauses.forCell`: one object per cell, its methods shared (no closures per cell). */
class SaltedCauses implements CellCauses {
  readonly #causes: MissCauses;
  readonly #now: () => number;
  readonly #salt: number;
  /** `causes.timed`: without a TTL the clock is not read (a reading costs as much as the rest of a miss's classification). */
  readonly #timed: boolean;

  constructor(causes: MissCauses, now: () => number, salt: number) {
    this.#causes = causes;
    this.#now = now;
    this.#salt = salt;
    this.#timed = causes.timed;
  }

  miss(key: unknown, cause?: number): void {
    this.#causes.miss(key, this.#timed ? this.#now() : 0, cause, this.#salt);
  }

  wrote(key: unknown): void {
    this.#causes.wrote(key, this.#timed ? this.#now() : 0, this.#salt);
  }

  lost(key: unknown, cause: number): void {
    this.#causes.lost(key, cause, this.#salt);
  }

  cleared(): void {
    this.#causes.cleared();
  }
}
