import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashKey } from '../../../runtime/src/key-hash.js';
import { TraceRecorder, TraceRecorderOptionError, traceOptionsFromEnv } from '../../../runtime/src/simulate/recorder.js';
import { whatIf } from '../../../runtime/src/simulate/whatif.js';

describe('trace recorder', () => {
  it('keeps the most recent maxEntries key hashes, oldest first', () => {
    const recorder = new TraceRecorder({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) recorder.record(key);
    assert.equal(recorder.seen, 5);
    assert.equal(recorder.size, 3);
    assert.deepEqual([...recorder.snapshot()], ['c', 'd', 'e'].map(hashKey));
  });

  it('grows its ring as it fills, up to maxEntries, keeping the order and the times across every growth', () => {
    let t = 1_000;
    // 3000 is not 1024 times a power of two: the last growth stops at maxEntries.
    const recorder = new TraceRecorder({ maxEntries: 3_000 }, () => t);
    const keys = Array.from({ length: 7_500 }, (_, i) => i);
    for (const key of keys) {
      recorder.record(key);
      t += 2;
      if (key === 2_000) {
        assert.equal(recorder.size, 2_001);
        assert.deepEqual([...recorder.snapshot()], keys.slice(0, 2_001).map(hashKey));
      }
    }
    assert.equal(recorder.size, 3_000);
    assert.deepEqual([...recorder.snapshot()], keys.slice(-3_000).map(hashKey));
    assert.deepEqual([...recorder.times()], keys.slice(-3_000).map((i) => 1_000 + 2 * i));
    recorder.clear();
    for (const key of keys.slice(0, 10)) recorder.record(key);
    assert.deepEqual([...recorder.snapshot()], keys.slice(0, 10).map(hashKey));
  });

  it('costs what it holds: a recorder of 16 million accesses starts small', () => {
    const before = process.memoryUsage().arrayBuffers;
    const recorders = Array.from({ length: 20 }, () => new TraceRecorder({ maxEntries: 2 ** 24 }));
    for (const r of recorders) r.record('x');
    const grown = process.memoryUsage().arrayBuffers - before;
    // At maxEntries up front: 128 MB each.
    assert.ok(grown < 1 << 20, `${grown} bytes of typed arrays for 20 recorders`);
  });

  it('samples by key: a key is recorded on every access or never, at about the rate asked', () => {
    const recorder = new TraceRecorder({ sampleRate: 0.25, maxEntries: 100_000 });
    for (let round = 0; round < 3; round++) for (let key = 0; key < 4000; key++) recorder.record(`k${key}`);
    const counts = new Map<number, number>();
    for (const hash of recorder.snapshot()) counts.set(hash, (counts.get(hash) ?? 0) + 1);
    assert.ok([...counts.values()].every((n) => n === 3), 'every sampled key appears in every round');
    assert.ok(counts.size > 800 && counts.size < 1200, `sampled keys: ${counts.size} of 4000`);
  });

  it('writes an i32be trace of its hashes', () => {
    const recorder = new TraceRecorder();
    recorder.record(1);
    recorder.record('x');
    const buffer = recorder.toBuffer();
    assert.equal(buffer.length, 8);
    assert.equal(buffer.readInt32BE(4), hashKey('x'));
  });

  it('answers what-if questions: a loop of 500 keys hits only once the cache holds it', () => {
    const recorder = new TraceRecorder();
    for (let i = 0; i < 5000; i++) recorder.record(i % 500);
    const points = whatIf(recorder, [250, 500]);
    const lru = points.filter((p) => p.policy === 'lru');
    assert.deepEqual(lru.map((p) => [p.size, p.hits]), [[250, 0], [500, 4500]]);
    const adaptive = points.find((p) => p.policy === 'default' && p.size === 250)!;
    assert.ok(adaptive.hitRatio > 0.3, `default policy on a loop twice its size: ${adaptive.hitRatio}`);
  });

  it('scales the simulated size by the sample rate', () => {
    const recorder = new TraceRecorder({ sampleRate: 0.5 });
    for (let i = 0; i < 20000; i++) recorder.record(i % 1000);
    const [full] = whatIf(recorder, [1200], ['lru']);
    assert.equal(full!.size, 1200);
    assert.ok(full!.hitRatio > 0.85, `a cache larger than the key set (simulated at 600 entries for about 500 sampled keys) hits after the first pass: ${full!.hitRatio}`);
  });

  it('reads CACHELENS_TRACE: off by default, on, or with options; bad values name the variable', () => {
    assert.equal(traceOptionsFromEnv(undefined), undefined);
    assert.equal(traceOptionsFromEnv('0'), undefined);
    assert.equal(traceOptionsFromEnv('off'), undefined);
    assert.deepEqual(traceOptionsFromEnv('1'), {});
    assert.deepEqual(traceOptionsFromEnv('maxEntries=5000,sampleRate=0.1'), { maxEntries: 5000, sampleRate: 0.1 });
    assert.throws(() => traceOptionsFromEnv('yes please'), { name: 'TraceRecorderOptionError', message: /CACHELENS_TRACE="yes please"/ });
    assert.throws(() => traceOptionsFromEnv('sampleRate=2'), TraceRecorderOptionError);
    assert.throws(() => new TraceRecorder({ maxEntries: 0 }), /maxEntries must be an integer >= 1/);
  });
});
