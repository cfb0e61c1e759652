/** The what-if curve: sizes, the sentence, the panel messages that carry it, and the panel's state. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHostToPanel, parsePanelToHost, type WhatIfCurve } from '../../../protocol/panel.js';
import { encodeHashes } from '../../../runtime/src/protocol.js';
import { TraceRecorder } from '../../../runtime/src/simulate/recorder.js';
import { whatIf } from '../../../runtime/src/simulate/whatif.js';
import { computeCurve, curveSizes, sentence } from '../../../extension/src/whatif/curve.js';
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
