import { mix32 } from '../key-hash.js';

/**
 * A count-min sketch of 4-bit-capped counters (4 rows) estimating how often a hash was seen
 * recently. After `10 * capacity` increments every counter is halved, so old popularity fades
 * (the aging of TinyLFU, Einziger et al. 2017).
 */
export class FrequencySketch {
  readonly #table: Uint8Array;
  readonly #mask: number;
  readonly #width: number;
  readonly #period: number;
  #additions = 0;

  constructor(capacity: number) {
    let width = 16;
    while (width < 2 * capacity) width *= 2;
    this.#width = width;
    this.#mask = width - 1;
    this.#table = new Uint8Array(4 * width);
    this.#period = 10 * Math.max(1, capacity);
  }

  increment(hash: number): void {
    const t = this.#table;
    const m = this.#mask;
    const w = this.#width;
    let h = hash;
    for (let row = 0; row < 4; row++) {
      h = mix32(h + 0x2545f491 * (row + 1));
      const i = row * w + (h & m);
      if (t[i]! < 15) t[i]!++;
    }
    if (++this.#additions >= this.#period) this.#age();
  }

  frequency(hash: number): number {
    const t = this.#table;
    const m = this.#mask;
    const w = this.#width;
    let h = hash;
    let f = 15;
    for (let row = 0; row < 4; row++) {
      h = mix32(h + 0x2545f491 * (row + 1));
      const v = t[row * w + (h & m)]!;
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
