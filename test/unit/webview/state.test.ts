/** The panel's state reducer: sorting, filtering, selection, the chart's series, persistence. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FunctionRow, LiveSnapshot } from '../../../protocol/panel.js';
import { initialState, MAX_POINTS, persist, reduce, restore, visibleRows, type ViewState } from '../../../webview/src/state.js';

const row = (id: string, hits: number, misses: number, over: Partial<FunctionRow> = {}): FunctionRow => ({
  id, backend: 'memory', backendType: 'memory', processes: 1, health: 'ok', hits, misses, errors: 0, evictionsSize: 0,
  evictionsExpired: 0, evictionsExplicit: 0, computeMs: misses * 10, savedMs: hits * 10, staleServed: 0, backendErrors: 0,
  entries: 0, bytes: 0, ...over,
});
const snap = (at: number, functions: FunctionRow[]): LiveSnapshot => ({ at, server: 'listening', processes: [], functions, breakdown: [], workspaceFunctions: [] });

describe('panel state reducer', () => {
  test('sorts by hits (largest first) by default; a click on a column toggles its direction; ties by id', () => {
    let s = reduce(initialState(), { type: 'snapshot', snapshot: snap(1000, [row('b', 5, 0), row('a', 5, 1), row('c', 9, 9)]) });
    assert.deepEqual(visibleRows(s).map((r) => r.id), ['c', 'a', 'b']);
    s = reduce(s, { type: 'sort', column: 'id' });
    assert.deepEqual(visibleRows(s).map((r) => r.id), ['a', 'b', 'c']);
    s = reduce(s, { type: 'sort', column: 'id' });
    assert.deepEqual(visibleRows(s).map((r) => r.id), ['c', 'b', 'a']);
    s = reduce(s, { type: 'sort', column: 'ratio' });
    assert.deepEqual(visibleRows(s).map((r) => r.id), ['b', 'a', 'c']);
  });

  test('filters case-insensitively on id, backend and file', () => {
    let s = reduce(initialState(), { type: 'snapshot', snapshot: snap(1, [row('src/a.ts#Prices', 1, 1), row('src/b.ts#users', 1, 1, { backend: 'shared', location: { file: 'lib/users.ts', line: 3 } })]) });
    s = reduce(s, { type: 'filter', text: 'PRICES' });
    assert.deepEqual(visibleRows(s).map((r) => r.id), ['src/a.ts#Prices']);
    s = reduce(s, { type: 'filter', text: 'shared' });
    assert.deepEqual(visibleRows(s).map((r) => r.id), ['src/b.ts#users']);
    s = reduce(s, { type: 'filter', text: 'lib/' });
    assert.equal(visibleRows(s).length, 1);
  });

  test('turns successive totals into calls per second, over at least a second, for all functions or the selected one', () => {
    let s = reduce(initialState(), { type: 'snapshot', snapshot: snap(1000, [row('a', 10, 2), row('b', 0, 0)]) });
    assert.deepEqual(s.series, []);
    s = reduce(s, { type: 'snapshot', snapshot: snap(1250, [row('a', 15, 3), row('b', 1, 0)]) });
    assert.deepEqual(s.series, [], 'a quarter of a second is too short a span for a rate');
    assert.equal(s.snapshot.at, 1250, 'the table still shows the newest figures');
    s = reduce(s, { type: 'snapshot', snapshot: snap(2000, [row('a', 20, 4), row('b', 5, 0)]) });
    assert.deepEqual(s.series, [{ t: 2000, hits: 15, misses: 2 }]);
    s = reduce(s, { type: 'select', id: 'b' });
    assert.deepEqual(s.series, [], 'a new selection starts a new series');
    s = reduce(s, { type: 'snapshot', snapshot: snap(3000, [row('a', 30, 4), row('b', 5, 0)]) });
    s = reduce(s, { type: 'snapshot', snapshot: snap(5000, [row('a', 40, 4), row('b', 6, 1)]) });
    assert.deepEqual(s.series, [{ t: 5000, hits: 0.5, misses: 0.5 }]);
  });

  test('a total that goes down (a process forgotten) gives zero, never negative rates; the series is bounded', () => {
    let s: ViewState = initialState();
    for (let i = 0; i <= MAX_POINTS + 10; i++) s = reduce(s, { type: 'snapshot', snapshot: snap(1000 + i * 1000, [row('a', i % 7 === 0 ? 0 : i * 4, 0)]) });
    assert.equal(s.series.length, MAX_POINTS);
    assert.ok(s.series.every((p) => p.hits >= 0 && p.misses >= 0));
  });

  test('the reducer never mutates its input', () => {
    const s = reduce(initialState(), { type: 'snapshot', snapshot: snap(1, [row('a', 1, 1)]) });
    const frozen = structuredClone(s);
    reduce(s, { type: 'sort', column: 'misses' });
    reduce(s, { type: 'filter', text: 'x' });
    reduce(s, { type: 'select', id: 'a' });
    reduce(s, { type: 'snapshot', snapshot: snap(2, [row('a', 5, 1)]) });
    assert.deepEqual(s, frozen);
  });

  test('persisted state survives a reload; anything unrecognised falls back to defaults', () => {
    let s = reduce(initialState(), { type: 'snapshot', snapshot: snap(1, [row('a', 1, 1)]) });
    s = reduce(s, { type: 'sort', column: 'misses' });
    s = reduce(s, { type: 'filter', text: 'a' });
    s = reduce(s, { type: 'select', id: 'a' });
    const restored = restore(JSON.parse(JSON.stringify(persist(s))));
    assert.deepEqual(persist(restored), persist(s));
    const junk = restore({ sort: { column: 'drop table', descending: 'yes' }, filter: 3, series: [{ t: 'x' }], snapshot: { functions: [{ id: 1 }] } });
    assert.deepEqual(junk, initialState());
    assert.deepEqual(restore(undefined), initialState());
  });
});
