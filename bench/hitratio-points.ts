/**
 * The benchmark's points: every shared trace at the sizes ANCHORS.md measures, with the
 * anchor figures (percent) of the reference policies, to check our implementations against.
 */
export interface TracePoint {
  file: string;
  format: 'lirs' | 'i32be';
  sizes: number[];
  /** ANCHORS.md figures per policy, one per size (percent). */
  anchors: Record<'lru' | 'arc' | 'lirs' | 'sieve' | 's3fifo' | 'wtinylfu', number[]>;
}

export const TRACES: TracePoint[] = [
  {
    file: 'lirs-2_pools.trace.gz', format: 'lirs', sizes: [100, 500, 1000, 2500, 5000],
    anchors: {
      lru: [21.95, 51.06, 54.41, 61.65, 72.95], arc: [46.88, 51.88, 54.33, 61.61, 72.87], lirs: [44.89, 51.96, 54.39, 61.55, 73.02],
      sieve: [47.90, 51.86, 54.36, 61.66, 73.05], s3fifo: [44.60, 51.91, 54.38, 61.68, 73.00], wtinylfu: [46.96, 51.92, 54.48, 61.68, 73.13],
    },
  },
  {
    file: 'lirs-cpp.trace.gz', format: 'lirs', sizes: [20, 35, 50, 80, 100, 300, 500],
    anchors: {
      lru: [0.62, 0.86, 9.26, 44.24, 69.71, 83.49, 84.78], arc: [17.68, 24.65, 33.82, 67.43, 77.04, 85.55, 85.83],
      lirs: [24.21, 42.41, 55.05, 72.83, 77.55, 85.05, 85.91], sieve: [8.50, 17.00, 44.30, 63.79, 69.54, 85.53, 85.78],
      s3fifo: [5.36, 34.29, 46.28, 69.75, 76.57, 85.34, 85.60], wtinylfu: [19.97, 40.96, 55.52, 71.96, 76.11, 85.31, 85.67],
    },
  },
  {
    file: 'lirs-cs.trace.gz', format: 'lirs', sizes: [100, 200, 400, 700, 1000],
    anchors: {
      lru: [1.83, 1.83, 1.83, 1.83, 1.83], arc: [1.83, 1.83, 1.83, 1.83, 1.83], lirs: [7.09, 13.01, 24.60, 42.13, 59.53],
      sieve: [1.83, 1.83, 1.83, 1.83, 1.83], s3fifo: [1.83, 1.83, 1.83, 16.75, 36.48], wtinylfu: [2.08, 10.15, 23.06, 41.82, 57.16],
    },
  },
  {
    file: 'lirs-gli.trace.gz', format: 'lirs', sizes: [250, 500, 1000, 1500, 2000],
    anchors: {
      lru: [0.91, 0.95, 11.21, 36.56, 57.41], arc: [1.38, 1.38, 21.31, 50.44, 57.41], lirs: [17.17, 33.60, 50.72, 53.55, 57.95],
      sieve: [1.38, 1.38, 31.34, 51.85, 57.41], s3fifo: [1.21, 16.13, 35.05, 47.73, 52.14], wtinylfu: [15.56, 28.43, 42.13, 53.20, 57.95],
    },
  },
  {
    file: 'lirs-loop.trace.gz', format: 'lirs', sizes: [128, 256, 512, 768, 1000],
    anchors: {
      lru: [0, 0, 0, 0, 0], arc: [0, 0, 0, 0, 0], lirs: [12.44, 25.07, 50.05, 75.12, 97.73],
      sieve: [0, 0, 0, 0, 0], s3fifo: [0, 0, 0, 60.54, 89.62], wtinylfu: [6.93, 23.75, 49.77, 70.28, 97.06],
    },
  },
  {
    file: 'lirs-multi1.trace.gz', format: 'lirs', sizes: [100, 250, 500, 1000, 2000],
    anchors: {
      lru: [18.17, 42.86, 46.51, 48.23, 83.21], arc: [41.54, 48.18, 49.40, 49.75, 83.23], lirs: [44.25, 49.26, 55.65, 68.40, 83.41],
      sieve: [25.34, 45.10, 49.27, 49.74, 83.23], s3fifo: [43.09, 48.08, 48.90, 57.82, 83.24], wtinylfu: [42.66, 47.62, 55.28, 68.24, 83.38],
    },
  },
  {
    file: 'lirs-ps.trace.gz', format: 'lirs', sizes: [100, 250, 500, 1000, 2000],
    anchors: {
      lru: [7.37, 13.05, 48.55, 48.55, 70.48], arc: [9.34, 16.80, 52.59, 52.59, 61.46], lirs: [30.30, 52.65, 57.39, 66.86, 70.49],
      sieve: [9.34, 16.80, 52.59, 52.59, 52.59], s3fifo: [16.62, 50.61, 50.80, 52.59, 61.54], wtinylfu: [26.28, 51.84, 57.46, 65.06, 70.48],
    },
  },
  {
    file: 'lirs-sprite.trace.gz', format: 'lirs', sizes: [100, 200, 400, 600, 800, 1000],
    anchors: {
      lru: [21.58, 39.88, 70.77, 83.19, 88.55, 90.64], arc: [25.66, 42.78, 70.02, 82.08, 87.68, 89.70], lirs: [25.10, 44.74, 69.53, 80.89, 85.61, 87.62],
      sieve: [24.86, 42.42, 64.43, 77.78, 83.53, 86.97], s3fifo: [29.36, 46.64, 71.39, 83.31, 87.49, 89.35], wtinylfu: [28.86, 48.88, 70.09, 80.72, 84.67, 86.77],
    },
  },
  {
    file: 'cache2k-orm-busy.trace.xz', format: 'i32be', sizes: [625, 1250, 2500, 5000, 10000, 20000],
    anchors: {
      lru: [70.84, 79.60, 82.19, 85.46, 89.49, 93.59], arc: [71.23, 79.57, 82.35, 85.74, 89.68, 93.59], lirs: [69.03, 75.18, 80.01, 85.18, 89.56, 93.76],
      sieve: [68.29, 77.11, 81.58, 85.52, 89.81, 93.94], s3fifo: [72.83, 79.13, 83.07, 86.63, 90.52, 94.13], wtinylfu: [69.98, 76.89, 82.79, 85.96, 89.98, 94.00],
    },
  },
  {
    file: 'cache2k-web12.trace.xz', format: 'i32be', sizes: [75, 300, 1200, 3000, 6000],
    anchors: {
      lru: [33.23, 49.01, 66.85, 76.48, 82.07], arc: [33.66, 51.41, 69.40, 77.94, 82.91], lirs: [29.60, 48.38, 68.74, 77.58, 82.21],
      sieve: [31.71, 51.84, 70.18, 78.19, 82.68], s3fifo: [31.99, 53.36, 70.89, 78.62, 82.61], wtinylfu: [33.21, 51.95, 68.95, 75.54, 81.67],
    },
  },
];

/** The reference policies of the per-point best, in table order. */
export const REFERENCES = ['lru', 'arc', 'lirs', 'sieve', 's3fifo', 'wtinylfu'] as const;
