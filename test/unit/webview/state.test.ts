/** The panel's state reducer: sorting, filtering, selection, the chart's series, persistence. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FunctionRow, LiveSnapshot } from '../../../protocol/panel.js';
import { chartData, WINDOW_SECONDS } from '../../../webview/src/chart-data.js';
import { GAP_MS, initialState, MAX_POINTS, persist, reduce, restore, visibleRows, type ViewState } from '../../../webview/src/state.js';

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

describe('the calls-per-second chart (issue 15, item 13)', () => {
  test('a silence longer than GAP_MS makes no point: the calls over it are not averaged into one', () => {
    let s = reduce(initialState(), { type: 'snapshot', snapshot: snap(1000, [row('a', 0, 0)]) });
    s = reduce(s, { type: 'snapshot', snapshot: snap(2000, [row('a', 10, 0)]) });
    // The first run ends; the panel hears nothing for a minute; the second run has made 600 calls.
    s = reduce(s, { type: 'snapshot', snapshot: snap(62_000, [row('a', 610, 0)]) });
    assert.deepEqual(s.series, [{ t: 2000, hits: 10, misses: 0 }], 'no point over the gap');
    s = reduce(s, { type: 'snapshot', snapshot: snap(63_000, [row('a', 630, 0)]) });
    assert.deepEqual(s.series, [{ t: 2000, hits: 10, misses: 0 }, { t: 63_000, hits: 20, misses: 0 }], 'the series goes on from the new baseline');
    assert.ok(63_000 - 2000 > GAP_MS);
  });

  test('the line breaks between points further apart than GAP_MS, and only there', () => {
    const points = [{ t: 1000, hits: 1, misses: 0 }, { t: 2000, hits: 2, misses: 1 }, { t: 2000 + GAP_MS, hits: 3, misses: 0 }, { t: 9000 + GAP_MS, hits: 4, misses: 0 }];
    const data = chartData(points, 9000 + GAP_MS);
    assert.deepEqual(data.hits, [1, 2, 3, null, 4]);
    assert.deepEqual(data.misses, [0, 1, 0, null, 0]);
    assert.deepEqual(data.xs, [1, 2, 2 + GAP_MS / 1000, (2000 + GAP_MS + 9000 + GAP_MS) / 2000, 9 + GAP_MS / 1000]);
  });

  test('the time window is the last minute up to now, with no point yet too (never 1970)', () => {
    const now = Date.UTC(2026, 11, 6, 14, 0, 0);
    assert.deepEqual(chartData([], now), { xs: [], hits: [], misses: [], window: [now / 1000 - WINDOW_SECONDS, now / 1000] });
    // A point newer than the host's last snapshot time (clocks differ a little): the window ends at the point.
    assert.deepEqual(chartData([{ t: now + 2000, hits: 1, misses: 1 }], now).window, [(now + 2000) / 1000 - WINDOW_SECONDS, (now + 2000) / 1000]);
  });
});

