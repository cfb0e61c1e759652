/** The what-if curve: sizes, the sentence, the panel messages that carry it, and the panel's state. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHostToPanel, parsePanelToHost, type WhatIfCurve } from '../../../protocol/panel.js';
import { encodeHashes, encodeTimes } from '../../../runtime/src/protocol.js';
import { TraceRecorder } from '../../../runtime/src/simulate/recorder.js';
import { whatIf } from '../../../runtime/src/simulate/whatif.js';
import { computeCurve, curveSizes, sentence, ttlRows } from '../../../extension/src/whatif/curve.js';
import { initialState, reduce } from '../../../webview/src/state.js';

describe('what-if curve', () => {
  test('sizes: from 1 to the top on a log scale, the marks included, ascending and distinct', () => {
    const sizes = curveSizes(4000, [1000, 2000]);
    assert.equal(sizes[0], 1);
    assert.equal(sizes[sizes.length - 1], 4000);
    assert.ok(sizes.includes(1000) && sizes.includes(2000));
    assert.deepEqual(sizes, [...new Set(sizes)].sort((a, b) => a - b));
    assert.ok(sizes.length <= 64);
  });

  test('the sentence says what doubling max would do, or that it would not help', () => {
    assert.equal(sentence([1, 10, 1000, 2000], [0, 0.2, 0.71, 0.83], 1000, 5000), 'Doubling max (1,000 → 2,000) would raise hits from 71% to 83%.');
    assert.equal(sentence([1, 5, 100, 200], [0, 0.99, 0.99, 0.99], 100, 5), 'Doubling max (100 → 200) would not raise hits above 99%: 5 entries already give that much.');
    assert.match(sentence([1, 50, 100], [0, 0.9, 0.9], null, 50), /^The cache is unbounded; 50 entries would already give 90% hits/);
  });

  test('the curve equals whatIf on the same recording, and marks max and 2 × max', () => {
    const recorder = new TraceRecorder({ sampleRate: 0.5 });
    let x = 7;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      recorder.record(Math.floor(((x / 2 ** 32) ** 3) * 3000));
    }
    const curve = computeCurve({ hashes: encodeHashes(recorder.snapshot()), sampleRate: 0.5, seen: recorder.seen, max: 200 });
    assert.ok(curve.sizes.includes(200) && curve.sizes.includes(400) && curve.sizes.at(-1) === 800);
    const direct = whatIf(recorder, curve.sizes);
    for (const series of curve.series) {
      assert.deepEqual(series.hitRatios, direct.filter((p) => p.policy === series.policy).map((p) => p.hitRatio));
    }
    const at = (size: number) => curve.series[0]!.hitRatios[curve.sizes.indexOf(size)]!;
    assert.ok(at(400) > at(200), 'a skewed stream over 3000 keys hits more with more room');
    assert.equal(curve.sentence, `Doubling max (200 → 400) would raise hits from ${Math.round(at(200) * 100)}% to ${Math.round(at(400) * 100)}%.`);
    assert.equal(curve.accesses, recorder.size);
  });
});

describe('what-if curve: the TTL question', () => {
  const s = 1000;
  // Keys A = 1 and B = 2, TTL 30 s (the trace of test/unit/simulate/ttl-whatif.test.ts). By hand:
  //   A@0, B@5 cold; A@10 a hit under every TTL.
  //   A@40 (40 s after its write), B@50 (45 s), A@100 (60 s after the rewrite at 40), B@200 (150 s): expired at 30 s.
  //   2x (60 s): A@40, B@50, A@100 kept (+3); A@65 is 65 s after A's first write: lost (-1); B@200 expired.
  //   4x (120 s): A@40, B@50, A@100 kept (+3), nothing lost; B@200 195 s after B's write: expired.
  //   8x and 16x: all four kept (+4), nothing lost. Median reuse of the four misses at 30 s: (45 + 60) / 2 = 52.5 s.
  const HASHES = Int32Array.from([1, 2, 1, 1, 2, 1, 1, 2]);
  const TIMES = [0, 5, 10, 40, 50, 65, 100, 200].map((t) => t * s);
  const job = { hashes: encodeHashes(HASHES), sampleRate: 1, seen: 8, max: 100 };

  test('a hand-made trace with times, at the TTL and at 2x, 4x, 8x, 16x: rows, median reuse, the sentence', () => {
    const curve = computeCurve({ ...job, times: encodeTimes(TIMES), ttlMs: 30 * s });
    assert.deepEqual(curve.ttl, {
      ttlMs: 30 * s, accesses: 8, medianReuseMs: 52.5 * s,
      rows: [{ ttlMs: 60 * s, gained: 3, lost: 1 }, { ttlMs: 120 * s, gained: 3, lost: 0 }, { ttlMs: 240 * s, gained: 4, lost: 0 }, { ttlMs: 480 * s, gained: 4, lost: 0 }],
      sentence: 'With a TTL of 4 min instead of 30 s: +4 hits (-0 lost), from this recording of 8 calls; median reuse 52.5 s.',
    });
    // The times travel as offsets from the first one: a recording that started late replays the same.
    assert.deepEqual(computeCurve({ ...job, times: encodeTimes(TIMES.map((t) => t + 1_700_000_000_000)), ttlMs: 30 * s }).ttl, curve.ttl);
    assert.ok(parseHostToPanel({ v: 1, type: 'whatif', id: 'x', requestId: 1, view: { state: 'ready', text: 't', curve } }), 'the panel accepts it');
  });

  test('times for the most recent lookups only: the older hashes are left out of the TTL replay', () => {
    const older = Int32Array.from([9, 9, 9, ...HASHES]);
    assert.equal(ttlRows(older, encodeTimes(TIMES), 30 * s).accesses, 8);
    assert.deepEqual(ttlRows(older, encodeTimes(TIMES), 30 * s).rows, ttlRows(HASHES, encodeTimes(TIMES), 30 * s).rows);
  });

  test('a TTL long enough already: the sentence says a longer one would not add hits', () => {
    assert.equal(ttlRows(HASHES, encodeTimes(TIMES), 1000 * s).sentence, 'A longer TTL than 16.7 min would not add hits, from this recording of 8 calls; no lookup found its entry expired.');
  });

  test('without times or without a TTL: no rows, one line that says so', () => {
    const noTimes = computeCurve({ ...job, ttlMs: 30 * s }).ttl!;
    assert.deepEqual(noTimes.rows, []);
    assert.match(noTimes.sentence, /^No TTL what-if: this recording has no times/);
    const noTtl = computeCurve({ ...job, times: encodeTimes(TIMES) }).ttl!;
    assert.deepEqual(noTtl.rows, []);
    assert.equal(noTtl.ttlMs, null);
    assert.equal(noTtl.sentence, 'No TTL what-if: this function has no TTL.');
  });
});

describe('what-if messages between host and panel', () => {
  const curve: WhatIfCurve = {
    sizes: [1, 10, 100], series: [{ policy: 'default', label: 'default (adaptive)', hitRatios: [0, 0.5, 0.9] }],
    max: 10, sentence: 's', accesses: 100, seen: 100, sampleRate: 1,
  };
  test('good messages pass', () => {
    assert.ok(parsePanelToHost({ v: 1, type: 'whatif', id: 'src/a.ts#f', requestId: 1 }));
    for (const view of [{ state: 'computing', text: '' }, { state: 'off', text: 'turn it on' }, { state: 'error', text: 'x' }, { state: 'ready', text: 't', curve }]) {
      assert.ok(parseHostToPanel({ v: 1, type: 'whatif', id: 'src/a.ts#f', requestId: 7, view }), JSON.stringify(view));
    }
  });
  test('bad messages are dropped', () => {
    assert.equal(parsePanelToHost({ v: 1, type: 'whatif' }), undefined);
    assert.equal(parsePanelToHost({ v: 1, type: 'whatif', id: '', requestId: 1 }), undefined);
    // Every question and answer carries its request id (an integer >= 1).
    for (const requestId of [undefined, 0, -1, 1.5, '1', null]) {
      assert.equal(parsePanelToHost({ v: 1, type: 'whatif', id: 'x', requestId }), undefined, String(requestId));
      assert.equal(parseHostToPanel({ v: 1, type: 'whatif', id: 'x', requestId, view: { state: 'off', text: 't' } }), undefined, String(requestId));
    }
    const bad = [
      { state: 'ready', text: 't' },
      { state: 'ready', text: 't', curve: { ...curve, series: [{ ...curve.series[0], hitRatios: [0, 0.5] }] } },
      { state: 'ready', text: 't', curve: { ...curve, series: [{ ...curve.series[0], hitRatios: [0, 0.5, 1.5] }] } },
      { state: 'ready', text: 't', curve: { ...curve, sizes: [0, 10, 100] } },
      { state: 'ready', text: 't', curve: { ...curve, max: 0 } },
      { state: 'ready', text: 't', curve: { ...curve, sampleRate: 0 } },
      { state: 'ready', text: 't', curve: { ...curve, sizes: Array.from({ length: 65 }, (_, i) => i + 1) } },
      { state: 'done', text: 't' },
      { state: 'off' },
      { state: 'ready', text: 't', curve: { ...curve, ttl: { ttlMs: 0, accesses: 1, medianReuseMs: null, rows: [], sentence: 's' } } },
      { state: 'ready', text: 't', curve: { ...curve, ttl: { ttlMs: 1, accesses: 1, medianReuseMs: null, rows: [{ ttlMs: 2, gained: -1, lost: 0 }], sentence: 's' } } },
      { state: 'ready', text: 't', curve: { ...curve, ttl: { ttlMs: 1, accesses: 1, medianReuseMs: null, rows: [] } } },
    ];
    for (const view of bad) assert.equal(parseHostToPanel({ v: 1, type: 'whatif', id: 'x', requestId: 1, view }), undefined, JSON.stringify(view));
  });
  // Item 7 of issue 14: answers are matched to questions by request id (before: by function id only).
  test('the panel keeps the view it asked for last: a late answer for another function does not replace it', () => {
    let state = reduce(initialState(), { type: 'whatif-ask', id: 'a', requestId: 1 });
    state = reduce(state, { type: 'whatif-ask', id: 'b', requestId: 2 });
    state = reduce(state, { type: 'whatif', id: 'a', requestId: 1, view: { state: 'ready', text: 't', curve } });
    assert.equal(state.whatIf?.id, 'b');
    assert.equal(state.whatIf?.view.state, 'computing');
    state = reduce(state, { type: 'whatif', id: 'b', requestId: 2, view: { state: 'off', text: 'how' } });
    assert.deepEqual(state.whatIf, { id: 'b', requestId: 2, view: { state: 'off', text: 'how' } });
    assert.equal(reduce(state, { type: 'close-whatif' }).whatIf, undefined);
  });

  test('a stale answer for the same function is ignored: asked twice, the first answer arriving last does not replace the second', () => {
    let state = reduce(initialState(), { type: 'whatif-ask', id: 'a', requestId: 1 });
    state = reduce(state, { type: 'whatif-ask', id: 'a', requestId: 2 });
    state = reduce(state, { type: 'whatif', id: 'a', requestId: 2, view: { state: 'ready', text: 'second', curve } });
    state = reduce(state, { type: 'whatif', id: 'a', requestId: 1, view: { state: 'error', text: 'first, late' } });
    assert.deepEqual(state.whatIf, { id: 'a', requestId: 2, view: { state: 'ready', text: 'second', curve } });
    // The host's own "computing" for the first question, arriving late, does not hide the answer either.
    state = reduce(state, { type: 'whatif', id: 'a', requestId: 1, view: { state: 'computing', text: 'asking' } });
    assert.equal(state.whatIf?.view.text, 'second');
  });

  test('an answer after the view was closed does not reopen it', () => {
    let state = reduce(initialState(), { type: 'whatif-ask', id: 'a', requestId: 1 });
    state = reduce(state, { type: 'close-whatif' });
    state = reduce(state, { type: 'whatif', id: 'a', requestId: 1, view: { state: 'off', text: 'how' } });
    assert.equal(state.whatIf, undefined);
  });
});
