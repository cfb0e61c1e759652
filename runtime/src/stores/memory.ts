/**
 * The `memory` backend: an index from key to slot (a `Map`; for number keys, unless `maxBytes` is
 * set, `NumberSlots`: see there why), and the entries in arrays indexed by slot (keys, values,
 * expiry times, sizes, a state byte), with a slot policy (`policy/`) deciding which
 * slot a new key takes and so which entry leaves when the store is full. No object per entry.
 *
 * A hit costs one index lookup, a state byte and the policy's own `hit` (a bit set for SIEVE, a
 * list move for LRU). When the policy's hits are costly (`deferHits`: the adaptive policy's exact
 * regime, up to 4096 entries, simulates six policies per access), they are not handed over one by
 * one: the first hit on an entry since the last insertion marks it and queues its slot, and the
 * queue is replayed into the policy just before the next insertion (the only moment the policy
 * has to decide anything). Further hits on a marked entry cost one byte load. The policy thus
 * sees, per interval between two insertions, which entries were used (not how often, nor in
 * which final order): the same kind of lossy read recording Caffeine does with its read buffers.
 */
import { hashKey } from '../key-hash.js';
import { NumberSlots } from './number-slots.js';
import { createSlotPolicy, isPolicyName, POLICY_NAMES, type PolicyName, type SlotPolicy } from '../policy/index.js';
import { OptionsError } from '../errors.js';
import { MISS, type Miss, type SetOptions, type StoreContext, type StoreEvents, type SyncStore } from './types.js';

/** Options of the `memory` backend (the `backends.NAME` entry, merged with the function's options). */
export interface MemoryStoreOptions {
  /** Capacity in entries; `Infinity` for unbounded. Required here (memoize supplies its default, 1000). */
  max: number;
  /** Approximate capacity in bytes; oldest-inserted entries leave first when exceeded. Default: none. */
  maxBytes?: number;
  /** Eviction policy when `max` is reached. Default `'adaptive'`. */
  policy?: PolicyName;
}

type Key = string | number;
/**
 * Integer keys below this are also indexed by an array (slot + 1; 0 = absent): an element load
 * costs about half a `Map` lookup, and one small number is the most common argument there is.
 */
const INT_INDEX_LIMIT = 1024;
/** A module-local binding: compiled CommonJS would otherwise read MISS off the imported module object on every miss. */
const miss: Miss = MISS;

/** State byte of a slot. */
const OCCUPIED = 1;
/** Used since the last replay into the policy (set at insertion when there is no policy). */
const TOUCHED = 2;
/** Has an expiry time. */
const TIMED = 4;
/** Hits go to the policy as they happen (its `deferHits` is false). */
const DIRECT = 8;
/** A hit needs no work beyond returning the value: the first check on the hot path. */
const IDLE = OCCUPIED | TOUCHED;
/** A hit only tells the policy: the second check. */
const DIRECT_IDLE = OCCUPIED | DIRECT;
/**
 * Slots allocated up front; the arrays double as the store fills (up to `max`). Small: most
 * memoized functions hold a few entries, and every slot costs ~21 bytes before it is used.
 */
const INITIAL_SLOTS = 8;
/**
 * The expiry array until an entry needs it: most stores never see a TTL, and it would cost 8
 * bytes per slot (an eighth of an entry at 100,000 entries). Sizes likewise wait for a size.
 */
const EMPTY_TIMES = new Float64Array(0);
/** The integer index until the first small integer key (shared, never written: a write grows it first). */
const NO_INTS = new Int32Array(0);
/** The sizes until the first entry with a size (shared, never written: `#account` replaces it first). */
const NO_SIZES: readonly number[] = [];
/**
 * `length` zeros, then `old`'s numbers over them: an array of exactly `length` numbers. The sizes
 * are such an array rather than a `Float64Array`: 8 bytes per slot either way (a small integer
 * takes a word), without the ~230 bytes a typed array costs before its first element.
 */
function zerosWith(old: readonly number[], length: number): number[] {
  const out = new Array<number>(length).fill(0);
  for (let i = 0; i < old.length; i++) out[i] = old[i]!;
  return out;
}

export class MemoryStore<V = unknown> implements SyncStore<V> {
  readonly sync = true;
  readonly kind: string;
  readonly #slots = new Map<Key, number>();
  /**
   * The slots of number keys (NaN aside), made at the first; never made for a sized store
   * (`maxBytes`), which keeps every key in `#slots`, whose insertion order is the order `#shrinkToBytes` evicts in.
   */
  #numbers: NumberSlots | undefined;
  /** slot + 1 of integer keys in [0, INT_INDEX_LIMIT); 0 = absent. */
  #ints = NO_INTS;
  #keys: Key[];
  #values: (V | undefined)[];
  #state: Uint8Array;
  /** Expiry time (clock ms) of TIMED slots; empty until the first entry with an expiry time. */
  #expires = EMPTY_TIMES;
  /** Size (bytes) of each slot's entry; empty until the first entry with a size (`#sized`). */
  #sizes = NO_SIZES as number[];
  /** Slots hit since the last insertion, not yet replayed into the policy (only when hits are deferred). */
  #touched: Int32Array;
  #touchedCount = 0;
  readonly #policy: SlotPolicy | undefined;
  /** State of a newly stored entry: IDLE without a policy, DIRECT_IDLE or OCCUPIED (hits deferred) with one. */
  readonly #fresh: number;
  /** The policy reads the key hashes it is given (`SlotPolicy.needsHash`). */
  readonly #hashed: boolean;
  /**
   * The key of the last `get` that found nothing, until the next `set`: only a `set` adds a key, so
   * a `set` of that key (a miss's write, the common case) need not look it up again.
   */
  #absent: Key | undefined;
  /** Without a policy (unbounded): slots freed by deletes, and the next never-used slot. */
  readonly #free: number[] = [];
  #nextSlot = 0;
  readonly #maxBytes: number;
  readonly #events: StoreEvents;
  readonly #now: () => number;
  #bytes = 0;
  /** Some entry was stored with a size (until then every size is 0 and `#sizes` is not written). */
  #sized = false;
  /** Entries with an expiry time (0 = `size` need not look for expired entries). */
  #timed = 0;
  /** No timed entry expires before this (a lower bound: exact after each purge). */
  #nextExpiry = Infinity;

  constructor(options: MemoryStoreOptions, context: StoreContext, kind = 'memory') {
    this.kind = kind;
    this.#events = context.events;
    this.#now = context.now;
    this.#maxBytes = options.maxBytes ?? Infinity;
    const max = options.max;
    if (max !== Infinity && !(Number.isInteger(max) && max >= 1)) {
      throw new OptionsError('max', `of the memory store must be an integer >= 1 (entries) or Infinity, got ${String(max)}.`);
    }
    const policy = options.policy ?? 'adaptive';
    if (!isPolicyName(policy)) {
      throw new OptionsError('policy', `of the memory store is unknown: ${JSON.stringify(policy)}; use one of ${POLICY_NAMES.join(', ')}.`);
    }
    this.#policy = max === Infinity ? undefined : createSlotPolicy(policy, max, (slot) => hashKey(this.#keys[slot]));
    this.#fresh = this.#policy === undefined ? IDLE : this.#policy.deferHits === true ? OCCUPIED : DIRECT_IDLE;
    this.#hashed = this.#policy?.needsHash !== false;
    const slots = Math.min(INITIAL_SLOTS, max);
    this.#keys = new Array<Key>(slots);
    this.#values = new Array<V | undefined>(slots);
    this.#state = new Uint8Array(slots);
    this.#touched = new Int32Array(this.#fresh === OCCUPIED ? slots : 0);
  }

  get(key: Key): V | Miss {
    const slot = typeof key === 'number' ? this.#numberSlot(key) : this.#slots.get(key);
    if (slot === undefined) {
      this.#absent = key;
      return miss;
    }
    const state = this.#state[slot];
    if (state === IDLE) return this.#values[slot] as V;
    if (state === DIRECT_IDLE) {
      this.#policy!.hit(slot);
      return this.#values[slot] as V;
    }
    return this.#busyHit(slot);
  }

  /** The slot of number key `key`, or undefined. */
  #numberSlot(key: number): number | undefined {
    if (key >>> 0 === key && key < INT_INDEX_LIMIT) return this.#intSlot(key);
    const numbers = this.#numbers;
    if (numbers === undefined || key !== key) return this.#slots.get(key);
    const slot = numbers.get(key);
    return slot < 0 ? undefined : slot;
  }

  /** The slot of `key`, or undefined. */
  #slotOf(key: Key): number | undefined {
    return typeof key === 'number' ? this.#numberSlot(key) : this.#slots.get(key);
  }

  /** Indexes `key` (not held) at `slot`. */
  #index(key: Key, slot: number): void {
    if (typeof key !== 'number') {
      this.#slots.set(key, slot);
      return;
    }
    if (key === key && this.#maxBytes === Infinity) (this.#numbers ??= new NumberSlots()).set(key, slot);
    else this.#slots.set(key, slot);
    if (key >>> 0 === key && key < INT_INDEX_LIMIT) this.#indexInt(key, slot + 1);
  }

  #intSlot(key: number): number | undefined {
    const ints = this.#ints;
    const s = key < ints.length ? ints[key]! : 0;
    return s === 0 ? undefined : s - 1;
  }

  /** A hit on an entry that may have expired or must be queued for the policy. */
  #busyHit(slot: number): V | Miss {
    const state = this.#state[slot]!;
    if ((state & TIMED) !== 0 && this.#expires[slot]! <= this.#now()) {
      const bytes = this.#sizeOf(slot);
      this.#remove(slot);
      this.#events.evicted('expired', 1, bytes);
      return miss;
    }
    if ((state & DIRECT) !== 0) {
      this.#policy!.hit(slot);
    } else if ((state & TOUCHED) === 0) {
      this.#state[slot] = state | TOUCHED;
      this.#touched[this.#touchedCount++] = slot;
    }
    return this.#values[slot] as V;
  }

  has(key: Key): boolean {
    const slot = this.#slotOf(key);
    return slot !== undefined && ((this.#state[slot]! & TIMED) === 0 || this.#expires[slot]! > this.#now());
  }

  set(key: Key, value: V, options: SetOptions): void {
    const policy = this.#policy;
    if (this.#touchedCount > 0) this.#replay(policy!);
    // Entries past their expiry are gone before anything is written: overwriting one, or evicting
    // one for room, counts it as expired, as a reading of the statistics in between would have.
    if (this.#timed > 0 && this.#nextExpiry <= this.#now()) this.#purgeExpired();
    const ttl = options.ttlMs;
    const expires = ttl !== undefined && ttl > 0 && ttl !== Infinity ? this.#now() + ttl : 0;
    const bytes = options.bytes ?? 0;
    let slot = key === this.#absent ? undefined : this.#slotOf(key);
    this.#absent = undefined;
    if (slot !== undefined) {
      // A new value for a held key: in place, and an access for the policy.
      this.#bytes -= this.#sizeOf(slot);
      if ((this.#state[slot]! & TIMED) !== 0) this.#timed--;
      policy?.hit(slot);
    } else {
      slot = policy !== undefined ? policy.miss(this.#hashed ? hashKey(key) : 0) : (this.#free.pop() ?? this.#nextSlot++);
      if (slot < 0) {
        // The policy refused the new entry: as if it was stored and evicted at once.
        this.#events.evicted('size', 1, bytes);
        return;
      }
      if (slot >= this.#state.length) this.#grow(slot);
      else if (this.#state[slot] !== 0) this.#evictSlot(slot);
      this.#keys[slot] = key;
      this.#index(key, slot);
    }
    this.#values[slot] = value;
    this.#state[slot] = this.#fresh | (expires !== 0 ? TIMED : 0);
    // Expiry times are read only for TIMED slots, sizes only once some entry had a size.
    if (expires !== 0) {
      if (this.#expires.length === 0) this.#expires = new Float64Array(this.#state.length);
      this.#expires[slot] = expires;
      this.#timed++;
      if (expires < this.#nextExpiry) this.#nextExpiry = expires;
    }
    if (bytes !== 0 || this.#sized) this.#account(slot, bytes);
  }

  #account(slot: number, bytes: number): void {
    if (!this.#sized) this.#sizes = zerosWith(this.#sizes, this.#state.length);
    this.#sized = true;
    this.#sizes[slot] = bytes;
    this.#bytes += bytes;
    if (this.#bytes > this.#maxBytes) this.#shrinkToBytes();
  }

  delete(key: Key): boolean {
    const slot = this.#slotOf(key);
    if (slot === undefined) return false;
    const bytes = this.#sizeOf(slot);
    const expired = (this.#state[slot]! & TIMED) !== 0 && this.#expires[slot]! <= this.#now();
    this.#remove(slot);
    // An entry past its expiry was not there to delete: it counts as expired.
    this.#events.evicted(expired ? 'expired' : 'explicit', 1, bytes);
    return !expired;
  }

  clear(): void {
    if (this.#timed > 0) this.#purgeExpired();
    const count = this.#slots.size + (this.#numbers?.size ?? 0);
    const bytes = this.#bytes;
    this.#slots.clear();
    this.#numbers?.clear();
    this.#ints = NO_INTS;
    this.#keys.fill(undefined as unknown as Key);
    this.#values.fill(undefined);
    this.#state.fill(0);
    this.#policy?.clear();
    this.#free.length = 0;
    this.#nextSlot = 0;
    this.#bytes = 0;
    this.#timed = 0;
    this.#nextExpiry = Infinity;
    this.#touchedCount = 0;
    if (count > 0) this.#events.evicted('explicit', count, bytes);
  }

  /**
   * Live entries; drops expired ones first (so statistics never count dead entries). Every other
   * path counts an entry past its expiry as expired too, so this purge changes no figure.
   */
  get size(): number {
    if (this.#timed > 0 && this.#nextExpiry <= this.#now()) this.#purgeExpired();
    return this.#slots.size + (this.#numbers?.size ?? 0);
  }

  get bytes(): number {
    return this.#bytes;
  }

  #indexInt(key: number, value: number): void {
    if (key >= this.#ints.length) {
      if (value === 0) return;
      const grown = new Int32Array(Math.min(INT_INDEX_LIMIT, Math.max(16, key + 1, this.#ints.length * 2)));
      grown.set(this.#ints);
      this.#ints = grown;
    }
    this.#ints[key] = value;
  }

  /** Makes room for `slot` (slots are handed out densely, so doubling keeps up). */
  #grow(slot: number): void {
    const length = Math.max(slot + 1, this.#state.length * 2);
    const capacity = this.#policy === undefined ? length : Math.min(length, this.#policy.capacity);
    const widen = <T extends Uint8Array | Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#state = widen(this.#state, (n) => new Uint8Array(n));
    // The optional arrays stay empty until used.
    if (this.#expires.length > 0) this.#expires = widen(this.#expires, (n) => new Float64Array(n));
    if (this.#sized) this.#sizes = zerosWith(this.#sizes, capacity);
    if (this.#touched.length > 0) this.#touched = widen(this.#touched, (n) => new Int32Array(n));
    this.#keys.length = capacity;
    this.#values.length = capacity;
  }

  /** Size (bytes) of the entry in `slot`; 0 while no entry had one. */
  #sizeOf(slot: number): number {
    return this.#sized ? this.#sizes[slot]! : 0;
  }

  /** Forgets the entry in `slot` (index, counters); the policy and the slot's owner are handled by the caller. */
  #unlink(slot: number): void {
    const key = this.#keys[slot]!;
    if (typeof key !== 'number') this.#slots.delete(key);
    else {
      if (this.#numbers !== undefined && key === key) this.#numbers.delete(key);
      else this.#slots.delete(key);
      if (key >>> 0 === key && key < INT_INDEX_LIMIT) this.#indexInt(key, 0);
    }
    this.#keys[slot] = undefined as unknown as Key;
    this.#values[slot] = undefined;
    if (this.#sized) this.#bytes -= this.#sizes[slot]!;
    if ((this.#state[slot]! & TIMED) !== 0) this.#timed--;
    this.#state[slot] = 0;
  }

  /** Removes the entry in `slot` and frees the slot (delete, expiry, byte bound). */
  #remove(slot: number): void {
    this.#unlink(slot);
    if (this.#policy !== undefined) this.#policy.remove(slot);
    else this.#free.push(slot);
  }

  /** The policy gave an occupied slot to a new key: its entry leaves. */
  #evictSlot(slot: number): void {
    const bytes = this.#sizeOf(slot);
    this.#unlink(slot);
    this.#events.evicted('size', 1, bytes);
  }

  #replay(policy: SlotPolicy): void {
    const touched = this.#touched;
    const state = this.#state;
    for (let i = 0; i < this.#touchedCount; i++) {
      const slot = touched[i]!;
      const s = state[slot]!;
      // A slot deleted since its hit has state 0 (and is not reused before this replay).
      if ((s & TOUCHED) !== 0) {
        state[slot] = s & ~TOUCHED;
        policy.hit(slot);
      }
    }
    this.#touchedCount = 0;
  }

  #shrinkToBytes(): void {
    let count = 0;
    let bytes = 0;
    // Map order is insertion order: oldest-inserted first (a sized store keeps number keys there too).
    for (const slot of this.#slots.values()) {
      if (this.#bytes <= this.#maxBytes) break;
      bytes += this.#sizeOf(slot);
      count++;
      this.#remove(slot);
    }
    if (count > 0) this.#events.evicted('size', count, bytes);
  }

  #purgeExpired(): void {
    const now = this.#now();
    let count = 0;
    let bytes = 0;
    let next = Infinity;
    const visit = (slot: number): void => {
      if ((this.#state[slot]! & TIMED) === 0) return;
      const expires = this.#expires[slot]!;
      if (expires <= now) {
        bytes += this.#sizeOf(slot);
        count++;
        this.#remove(slot);
      } else if (expires < next) {
        next = expires;
      }
    };
    for (const slot of this.#slots.values()) visit(slot);
    if (this.#numbers !== undefined) for (const slot of this.#numbers.storeSlots()) visit(slot);
    this.#nextExpiry = next;
    if (count > 0) this.#events.evicted('expired', count, bytes);
  }
}
