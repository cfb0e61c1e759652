import { test } from 'node:test';
import assert from 'node:assert/strict';
import { why, warnings } from '../../../webview/src/candidates.js';
import { emptySnapshot, parseHostToPanel, type CandidateRow } from '../../../protocol/panel.js';

const row: CandidateRow = { id: 'dist/prices.js#pricesByRegion', file: 'dist/prices.js', line: 15, calls: 200, repeats: 195, unkeyable: 0, totalMs: 7400, savedMsPerMinute: 30_800, processes: 1 };

test('a candidate says why it ranks where it does, and what may make caching it wrong', () => {
  assert.equal(why(row), '200 calls, 97% with arguments seen before, 37 ms each');
  assert.equal(warnings(row), '');
  assert.equal(warnings({ ...row, hints: [{ kind: 'time', text: 'reads Date.now()' }, { kind: 'io', text: 'uses node:fs' }] }), 'reads Date.now(), uses node:fs');
  assert.equal(warnings({ ...row, unkeyable: 50 }), '25% of calls with arguments that cannot be a cache key');
});

test('the panel keeps valid candidate rows, drops and counts invalid ones, and accepts snapshots without any', () => {
  const state = { ...emptySnapshot(1), candidates: [row, { ...row, id: '', calls: -1 }, { ...row, id: 'a.js#f', hints: [{ kind: 'clock', text: 'x' }] }] };
  const parsed = parseHostToPanel({ v: 1, type: 'update', state });
  assert.ok(parsed && parsed.type === 'update');
  assert.deepEqual(parsed.state.candidates, [row]);
  assert.equal(parsed.state.droppedRows, 2);
  const plain = parseHostToPanel({ v: 1, type: 'update', state: emptySnapshot(1) });
  assert.ok(plain && plain.type === 'update' && plain.state.candidates === undefined);
});
