/**
 * Why each miss missed, counted per function (`MISS_CAUSES` in protocol.ts), from a bounded log of
 * this function's own writes: key hash -> when it was written and what happened to it since
 * (invalidated, refused by `cacheIf`, not cacheable, its write failed).
 *
 * Nothing here runs on a hit: the log is touched on a miss (one lookup) and on the write that
 * follows it (one update). On an in-process store (`exact`) the only way for a key this process
 * wrote, that is not expired nor invalidated, to be gone is eviction, so the causes are exact
 * (while the log remembers the key: it keeps the last `capacity` keys written). On a shared store
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
import { hashKey } from './policy/index.js';
import { LONGER_TTL_FACTORS, MISS_CAUSES, REUSE_BUCKET_BOUNDS_MS, type MissCauseCounts } from './protocol.js';

/** Indexes into `MISS_CAUSES`: what the cells pass for a cause they know at the miss. */
export const COLD = 0;
export const EXPIRED = 1;
export const EVICTED = 2;
export const INVALIDATED = 3;
export const BYPASSED = 4;
export const NOT_CACHEABLE = 5;
export const UNAVAILABLE = 6;
export const UNKNOWN = 7;

/** What the log says happened to a key after this process last wrote or tried to write it. */
const WRITTEN = 255;

const FACTORS = LONGER_TTL_FACTORS.length;
const BUCKETS = REUSE_BUCKET_BOUNDS_MS.length + 1;
const FIRST_CAPACITY = 64;
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
  readonly counts = new Float64Array(MISS_CAUSES.length);
  readonly #exact: boolean;
  /** After how long (ms) a key written here may have expired: the store's TTL less its slack. */
  readonly #ttl: number | undefined;
  /** The store's TTL, what the longer TTLs multiply. */
  readonly #storeTtl: number;
  readonly #maxCapacity: number;
  readonly #slots = new Map<number, number>();
  #hashes = new Int32Array(0);
  #written = new Float64Array(0);
  #state = new Uint8Array(0);
  /** Per slot, `FACTORS` virtual write times: when the entry would have been written with each longer TTL. */
  #virtual = new Float64Array(0);
  /** Per slot, the longer TTLs under which the last expiration miss would have been a hit (bit i: factor i). */
  #alive = new Uint8Array(0);
  #next = 0;
  /** The ring went round: each slot taken now held an older key. */
  #wrapped = false;
  #cells = 0;
  #reuse: Float64Array | undefined;
  #longer: Float64Array | undefined;

  constructor(options: MissCausesOptions) {
    this.#exact = options.exact;
    this.#storeTtl = options.storeTtlMs ?? 0;
    this.#ttl = options.storeTtlMs === undefined ? undefined : Math.max(0, options.storeTtlMs - (options.ttlSlackMs ?? 0));
    this.#maxCapacity = Math.max(1, Math.min(options.capacity ?? MAX_LOGGED_KEYS, MAX_LOGGED_KEYS));
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
    const slot = this.#slots.get((hashKey(key) ^ salt) & 0x3fffffff);
    if (slot === undefined) {
      this.counts[COLD]!++;
      return;
    }
    const state = this.#state[slot]!;
    if (state !== WRITTEN) {
      this.counts[state]!++;
      return;
    }
    const ttl = this.#ttl;
    if (ttl !== undefined && now - this.#written[slot]! >= ttl) {
      this.counts[EXPIRED]!++;
      this.#expired(slot, now, this.#storeTtl);
      return;
    }
    this.counts[this.#exact ? EVICTED : UNKNOWN]!++;
  }

  /** An expiration miss at `now`: its reuse interval, and which longer TTLs would have served it. */
  #expired(slot: number, now: number, ttl: number): void {
    const interval = now - this.#written[slot]!;
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

  /** This process wrote `key` at `now` (after a miss). */
  wrote(key: unknown, now: number, salt = 0): void {
    const hash = (hashKey(key) ^ salt) & 0x3fffffff;
    let slot = this.#slots.get(hash);
    if (slot === undefined) {
      slot = this.#take(hash);
      this.#alive[slot] = 0;
    }
    this.#state[slot] = WRITTEN;
    this.#written[slot] = now;
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
    const hash = (hashKey(key) ^ salt) & 0x3fffffff;
    let slot = this.#slots.get(hash);
    if (slot === undefined) {
      if (cause === INVALIDATED) return; // never written here: its next miss is a first use
      slot = this.#take(hash);
      this.#alive[slot] = 0;
    }
    this.#state[slot] = cause;
  }

  /**
   * The classification as one cell (one store) uses it: its keys salted apart from other cells' (a
   * method's instances on in-process stores), times read from `now`.
   */
  forCell(now: () => number): CellCauses {
    const salt = Math.imul(this.#cells++, 0x9e3779b1) & 0x3fffffff;
    return {
      miss: (key, cause) => this.miss(key, now(), cause, salt),
      wrote: (key) => this.wrote(key, now(), salt),
      lost: (key, cause) => this.lost(key, cause, salt),
      cleared: () => this.cleared(),
    };
  }

  /** Every entry was dropped (`clear`, the panel's Clear): every key written counts as invalidated. */
  cleared(): void {
    const state = this.#state;
    for (let i = 0; i < state.length; i++) if (state[i] === WRITTEN) state[i] = INVALIDATED;
  }

  /** A slot for a new key: the next of the ring (grown up to the capacity), else the oldest key's. */
  #take(hash: number): number {
    if (this.#next === this.#hashes.length) {
      if (this.#next < this.#maxCapacity) this.#grow(Math.min(this.#maxCapacity, Math.max(FIRST_CAPACITY, this.#next * 2)));
      else {
        this.#next = 0;
        this.#wrapped = true;
      }
    }
    const slot = this.#next++;
    if (this.#wrapped) {
      const old = this.#hashes[slot]!;
      if (this.#slots.get(old) === slot) this.#slots.delete(old);
    }
    this.#hashes[slot] = hash;
    this.#slots.set(hash, slot);
    return slot;
  }

  #grow(capacity: number): void {
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(from: T, make: (n: number) => T, per = 1): T => {
      const to = make(capacity * per);
      to.set(from);
      return to;
    };
    this.#hashes = grown(this.#hashes, (n) => new Int32Array(n));
    this.#written = grown(this.#written, (n) => new Float64Array(n));
    this.#state = grown(this.#state, (n) => new Uint8Array(n));
    this.#alive = grown(this.#alive, (n) => new Uint8Array(n));
    this.#virtual = grown(this.#virtual, (n) => new Float64Array(n), FACTORS);
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
