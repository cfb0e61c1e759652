/**
 * The decision interface every eviction policy implements. A policy never sees keys or values:
 * it sees slot indices (0..capacity-1, where the storage keeps the entry) and a 30-bit hash of
 * each key (for ghost history and frequency sketches). The storage (`SlotCache`) owns the
 * key -> slot map and the values; a policy only says which slot to fill and which entry leaves.
 */
export interface SlotPolicy {
  /** Capacity in entries (slots 0..capacity-1). */
  readonly capacity: number;
  /**
   * True when `hit` costs enough that storage should defer and deduplicate hits (the adaptive
   * policy's exact regime simulates six policies per access): the memory store then passes on
   * only the first hit on each entry between two insertions. Default false: every hit is passed on.
   */
  readonly deferHits?: boolean;
  /**
   * False when `miss` never reads its hash (LRU, SIEVE): storage then passes 0 instead of hashing
   * the key (a string key's hash is a pass over its characters). Default true.
   */
  readonly needsHash?: boolean;
  /** Records an access to the entry held in `slot`. */
  hit(slot: number): void;
  /**
   * Offers a key that is not resident (its hash, from `hashKey`). Returns the slot to store it
   * in, or -1 when the policy refuses to admit it. When the returned slot is occupied, the
   * storage evicts the entry held there first.
   */
  miss(hash: number): number;
  /** Forgets the entry held in `slot` (explicit delete); the slot becomes free. */
  remove(slot: number): void;
  /** Forgets everything, ghosts included. */
  clear(): void;
  /**
   * Writes the occupied slots into `out`, most valuable first (the policy's own notion), and
   * returns how many. Used when the adaptive policy hands its entries to another policy.
   */
  rank(out: Int32Array): number;
  /**
   * Starts over holding exactly `count` entries: `slots[i]` (hash `hashes[i]`), most valuable
   * first. The first `keep` are known to be worth keeping; the rest should leave first. The
   * other slots are free.
   */
  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void;
}
