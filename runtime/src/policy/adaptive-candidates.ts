/**
 * The candidates of the adaptive policy: their names, in the order the policy indexes them, and
 * how each is made. Apart from the adaptive policy itself so that its parts (shadows, regimes)
 * can make candidates without depending on one another.
 */
import { ArcPolicy } from './arc.js';
import { LirsPolicy } from './lirs.js';
import { LruPolicy } from './lru.js';
import { S3FifoPolicy } from './s3fifo.js';
import { SievePolicy } from './sieve.js';
import type { SlotPolicy } from './slot-policy.js';
import { WTinyLfuPolicy } from './wtinylfu.js';

/** The policies the adaptive policy chooses among, in the order of `AdaptivePolicy.candidates`. */
export const CANDIDATES = ['lru', 'arc', 'lirs', 'sieve', 's3fifo', 'wtinylfu'] as const;
export type CandidateName = (typeof CANDIDATES)[number];

export function createCandidate(name: CandidateName, capacity: number): SlotPolicy {
  switch (name) {
    case 'lru': return new LruPolicy(capacity);
    case 'arc': return new ArcPolicy(capacity);
    case 'lirs': return new LirsPolicy(capacity);
    case 'sieve': return new SievePolicy(capacity);
    case 's3fifo': return new S3FifoPolicy(capacity);
    case 'wtinylfu': return new WTinyLfuPolicy(capacity);
  }
}
