/**
 * The TTL what-if against a trace computed by hand, the recorder's access times (read from the
 * memoized function's clock), and how the live counters (misses only) relate to the exact replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoize, registry } from '../../../runtime/src/index.js';
import { TraceRecorder } from '../../../runtime/src/simulate/recorder.js';
import { ttlWhatIf, ttlWhatIfTrace } from '../../../runtime/src/simulate/ttl-whatif.js';
import { MissCauses } from '../../../runtime/src/stats-causes.js';

const s = 1000;
// Keys A = 1 and B = 2; TTL 30 s, asked about 60 s. By hand:
//   A@0 cold, B@5 cold, A@10 hit under both.
//   A@40: 40 s after its write: expired (reuse 40 s); 60 s keeps it (turned into a hit).
//   B@50: 45 s: expired; 60 s keeps it.
//   A@65: 25 s after the rewrite at 40: a hit; with 60 s, the entry kept since 0 is 65 s old: lost hit, rewritten at 65.
//   A@100: 60 s after 40: expired; with 60 s, 35 s after 65: a hit.
//   B@200: 150 s: expired under both.
// Expiration misses 4 (reuse 40, 45, 60, 150: median 52.5 s), turned into hits 3, lost hits 1.
const HASHES = [1, 2, 1, 1, 2, 1, 1, 2];
const TIMES = [0, 5, 10, 40, 50, 65, 100, 200].map((t) => t * s);

describe('TTL what-if', () => {
  it('answers a hand-computed trace', () => {
    assert.deepEqual(ttlWhatIfTrace(HASHES, TIMES, 30 * s, 60 * s), {
      ttlMs: 30 * s, candidateTtlMs: 60 * s, accesses: 8, expirationMisses: 4, turnedIntoHits: 3, lostHits: 1, medianReuseMs: 52.5 * s,
    });
  });

  it('a shorter TTL loses hits and turns nothing into a hit', () => {
    const r = ttlWhatIfTrace(HASHES, TIMES, 30 * s, 8 * s);
    assert.equal(r.turnedIntoHits, 0);
    assert.equal(r.lostHits, 2); // A@10 (10 s after 0) and A@65 (25 s after 40)
  });

  it('refuses a TTL that is not > 0 and times that do not match the hashes, naming them', () => {
    assert.throws(() => ttlWhatIfTrace(HASHES, TIMES, 0, 60 * s), /ttlMs must be a number of ms > 0/);
    assert.throws(() => ttlWhatIfTrace(HASHES, TIMES.slice(1), 30 * s, 60 * s), /8 hashes but 7 times/);
  });

  it('the recorder keeps each access time, from the function clock, hashes only', () => {
    let t = 5_000_000;
    const f = memoize((x: string) => x.length, { id: 'ttl-whatif-recorded', ttl: '30s', trace: {}, clock: () => t });
    const keys = ['a', 'b', 'a', 'a', 'b', 'a', 'a', 'b'];
    keys.forEach((k, i) => { t = 5_000_000 + TIMES[i]!; f(k); });
    const recorder = registry.get('ttl-whatif-recorded')!.trace as TraceRecorder;
    assert.deepEqual(Array.from(recorder.times()), TIMES.map((x) => 5_000_000 + x));
    const r = ttlWhatIf(recorder, 30 * s, 60 * s);
    assert.deepEqual([r.expirationMisses, r.turnedIntoHits, r.lostHits, r.medianReuseMs], [4, 3, 1, 52.5 * s]);
  });

  it('keeps the times aligned with the hashes when the ring wraps', () => {
    let t = 0;
    const recorder = new TraceRecorder({ maxEntries: 3 }, () => t);
    for (let i = 0; i < 5; i++) { t = i * 10; recorder.record(i); }
    assert.deepEqual(Array.from(recorder.times()), [20, 30, 40]);
    assert.equal(recorder.snapshot().length, 3);
  });

  it('the live counters, which see misses only, count 2 of the replay 3 at twice the TTL: the hit at 65 s is not seen', () => {
    const live = new MissCauses({ exact: true, storeTtlMs: 30 * s });
    const written = new Map<number, number>();
    for (let i = 0; i < HASHES.length; i++) {
      const w = written.get(HASHES[i]!);
      if (w !== undefined && TIMES[i]! - w < 30 * s) continue; // a hit: nothing runs
      live.miss(HASHES[i], TIMES[i]!);
      live.wrote(HASHES[i], TIMES[i]!);
      written.set(HASHES[i]!, TIMES[i]!);
    }
    const snap = live.snapshot(30 * s)!;
    assert.equal(snap.expired, 4);
    assert.equal(snap.longerTtl![0], 2);
  });
});
