import { mix32 } from '../key-hash.js';

/**
 * Entries a sketch is made for at once: 65,536 (512 KB of counters). A larger one starts at this
 * size and grows with the entries its policy holds (`fit`): sized for `capacity` up front, a
 * W-TinyLFU of 100 million entries took 1 GB at its first insertion. Not smaller: a widened table
 * keeps the counts of the narrower one, hashes that shared a counter included, until aging halves
 * them, and grown from 4,096 entries W-TinyLFU lost up to 0.45 points of hit ratio at 5,000 to
 * 70,000 entries on the benchmarks' traces and workloads (and won up to 0.4 on a few); every
 * simulation of the adaptive policy and every cache up to 65,536 entries counts exactly as before.
 */
const EAGER_ENTRIES = 65_536;

/**
 * What each row adds to the hash before mixing it: 0x2545f491 times the row's number (1-4), as
 * int32s. Written as `h + 0x2545f491 * (row + 1)`, the sum passed 2^31 for rows 2 to 4 and reached
 * `mix32` as a double outside the int32 range, which V8 truncates to 32 bits out of line (W-TinyLFU
 * alone ran 6-11% faster per access with the sum kept in int32). `mix32` reads its argument modulo
 * 2^32, so adding these wrapped (`| 0`) gives every row the same column as before.
 */
const SEEDS = new Int32Array([0x2545f491, 0x2545f491 * 2, 0x2545f491 * 3, 0x2545f491 * 4]);

/** The table width (counters per row) for `entries` entries: a power of two, at least 16 and at least twice `entries`. */
function widthFor(entries: number): number {
  let width = 16;
  while (width < 2 * entries) width *= 2;
  return width;
}

/**
 * A count-min sketch of 4-bit-capped counters (4 rows) estimating how often a hash was seen
 * recently. After `10 * capacity` increments every counter is halved, so old popularity fades
 * (the aging of TinyLFU, Einziger et al. 2017).
 *
 * Its width follows the entries held, up to `capacity` (the first 65,536 at once): doubling the
 * width copies each row into both halves, so every hash's estimate is what it was (counters for
 * the hashes that share a column at the narrower width stay shared until aging halves them), and
 * counting goes on at the new width. Caffeine's sketch likewise grows with the cache
 * (`ensureCapacity`), but starts over empty.
 */
export class FrequencySketch {
  #table: Uint8Array;
  #mask: number;
  #width: number;
  readonly #maxWidth: number;
  readonly #period: number;
  #additions = 0;

  constructor(capacity: number) {
    this.#maxWidth = widthFor(capacity);
    this.#width = Math.min(this.#maxWidth, widthFor(EAGER_ENTRIES));
    this.#mask = this.#width - 1;
    this.#table = new Uint8Array(4 * this.#width);
    this.#period = 10 * Math.max(1, capacity);
  }

  /** Widens the table for `entries` entries held (up to the capacity); estimates are unchanged. */
  fit(entries: number): void {
    const width = Math.min(this.#maxWidth, widthFor(entries));
    if (width <= this.#width) return;
    const old = this.#table;
    const w = this.#width;
    const table = new Uint8Array(4 * width);
    for (let row = 0; row < 4; row++) {
      const from = old.subarray(row * w, (row + 1) * w);
      for (let at = row * width; at < (row + 1) * width; at += w) table.set(from, at);
    }
    this.#table = table;
    this.#width = width;
    this.#mask = width - 1;
  }

  /**
   * Writes the four row hashes of `hash` (30 bits each; row r's counter is at column
   * `rows[at + r] & mask`) to `rows[at .. at + 4)`. Each is mixed from the one before, a chain of
   * four dependent mixes: W-TinyLFU keeps them per entry (`incrementRows`, `frequencyRows`; 16
   * bytes a slot) rather than mixing twelve times on every miss (the new key's increment and two
   * estimates) and four on every hit.
   */
  rows(hash: number, rows: Int32Array, at: number): void {
    let h = hash;
    for (let row = 0; row < 4; row++) {
      h = mix32((h + SEEDS[row]!) | 0);
      rows[at + row] = h;
    }
  }

  /** Counts one more access of the hash whose row hashes are at `rows[at .. at + 4)` (from `rows`). */
  incrementRows(rows: Int32Array, at: number): void {
    const t = this.#table;
    const m = this.#mask;
    const w = this.#width;
    for (let row = 0; row < 4; row++) {
      const i = row * w + (rows[at + row]! & m);
      if (t[i]! < 15) t[i]!++;
    }
    if (++this.#additions >= this.#period) this.#age();
  }

  /** The estimate (0-15) for the hash whose row hashes are at `rows[at .. at + 4)`. */
  frequencyRows(rows: Int32Array, at: number): number {
    const t = this.#table;
    const m = this.#mask;
    const w = this.#width;
    let f = 15;
    for (let row = 0; row < 4; row++) {
      const v = t[row * w + (rows[at + row]! & m)]!;
      if (v < f) f = v;
    }
    return f;
  }

  #age(): void {
    const t = this.#table;
    for (let i = 0; i < t.length; i++) t[i] = t[i]! >>> 1;
    this.#additions >>>= 1;
  }

  clear(): void {
    this.#table.fill(0);
    this.#additions = 0;
  }
}
