/** The extension <-> webview protocol, and the number formats both sides share. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBytes, formatCount, formatDuration, formatPercent, hintText, lensFigures, lensTooltip } from '../../../protocol/format.js';
import { emptySnapshot, MAX_ROWS, parseHostToPanel, parsePanelToHost } from '../../../protocol/panel.js';

describe('panel protocol', () => {
  test('accepts what each side sends', () => {
    for (const m of [
      { v: 1, type: 'init', state: emptySnapshot(5) },
      { v: 1, type: 'update', state: { ...emptySnapshot(5), workspaceFunctions: [{ id: 'a#b', file: 'a.ts', line: 3 }] } },
      { v: 1, type: 'notice', level: 'error', text: 'no' },
    ]) assert.deepEqual(parseHostToPanel(m), m);
    for (const m of [
      { v: 1, type: 'ready' }, { v: 1, type: 'open', file: 'src/a.ts', line: 4 }, { v: 1, type: 'clear', id: 'a#b' },
      { v: 1, type: 'open', id: 'src/a.ts#f' }, { v: 1, type: 'open', file: 'dist/a.js', line: 4, id: 'src/a.ts#f' },
      { v: 1, type: 'clear', process: 'p1' }, { v: 1, type: 'select', id: null }, { v: 1, type: 'select', id: 'a#b' }, { v: 1, type: 'start-server' },
    ]) assert.deepEqual(parsePanelToHost(m), m);
  });

  test('drops every malformed class', () => {
    for (const m of [
      null, 'ready', [], { type: 'ready' }, { v: 2, type: 'ready' }, { v: 1, type: 'explode' }, { v: 1, type: 'constructor' },
      { v: 1, type: 'open', file: '', line: 1 }, { v: 1, type: 'open', file: 'a', line: -1 }, { v: 1, type: 'clear' },
      { v: 1, type: 'open' }, { v: 1, type: 'open', file: 'a.ts', id: 'a#b' }, { v: 1, type: 'open', line: 3, id: 'a#b' }, { v: 1, type: 'open', id: '' },
      { v: 1, type: 'select' }, { v: 1, type: 'select', id: 3 },
    ]) assert.equal(parsePanelToHost(m), undefined, JSON.stringify(m));
    for (const m of [
      { v: 1, type: 'update' }, { v: 1, type: 'update', state: { ...emptySnapshot(), server: 'on' } },
      { v: 1, type: 'update', state: { ...emptySnapshot(), functions: {} } }, { v: 1, type: 'notice', level: 'warn', text: '' },
    ]) assert.equal(parseHostToPanel(m), undefined, JSON.stringify(m));
  });

  test('a row that breaks its rule is left out alone; the rest of the update is kept', () => {
    const good = {
      id: 'honest#f', backend: 'memory', backendType: 'memory', processes: 1, health: 'ok', hits: 7, misses: 3, errors: 0, evictionsSize: 0,
      evictionsExpired: 0, evictionsExplicit: 0, computeMs: 30, savedMs: 70, staleServed: 0, backendErrors: 0, entries: 3, bytes: 300,
    };
    const state = { ...emptySnapshot(5), functions: [{ ...good, id: 'bad#f', hits: Infinity }, { id: 'x' }, good, { ...good, id: 'bad#g', savedMs: NaN }] };
    const parsed = parseHostToPanel({ v: 1, type: 'update', state });
    assert.equal(parsed?.type, 'update');
    assert.deepEqual(parsed.type === 'update' && parsed.state.functions, [good]);
    assert.equal(parsed.type === 'update' && parsed.state.droppedRows, 3);
    const many = parseHostToPanel({ v: 1, type: 'update', state: { ...emptySnapshot(5), functions: Array.from({ length: MAX_ROWS + 5 }, () => good) } });
    assert.deepEqual(many?.type === 'update' && [many.state.functions.length, many.state.droppedRows], [MAX_ROWS, 5], 'rows past MAX_ROWS are cut, not the update');
  });
});

describe('formats', () => {
  test('the inline hint', () => {
    assert.equal(hintText({ hits: 1128, misses: 72, savedMs: 3100 }), '⚡ 94% hits · 1.2k calls · 3.1 s saved');
    assert.equal(hintText({ hits: 0, misses: 0, savedMs: 0 }), '⚡ no calls yet');
    // The CodeLens above a cached function (issue 15, item 10): the hit ratio and the time saved.
    assert.equal(lensFigures({ hits: 1152, misses: 48, savedMs: 1200 }), '96% hits · 1.2 s saved');
    assert.equal(lensFigures({ hits: 0, misses: 0, savedMs: 0 }), 'no calls yet');
    const tooltip = lensTooltip({
      id: 'src/a.ts#f', backend: 'shared', backendType: 'redis', health: 'degraded', processes: 2, hits: 1152, misses: 48, errors: 0, evictionsSize: 0,
      evictionsExpired: 0, evictionsExplicit: 0, computeMs: 4800, savedMs: 115_200, staleServed: 0, backendErrors: 3, entries: 48, bytes: 4096,
    }).split('\n');
    assert.deepEqual(tooltip, [
      'CacheLens · src/a.ts#f · shared (redis) · degraded: calls are answered as misses',
      'Hit ratio 96% · 1.2k hits · 48 misses · 0 errors',
      'Time saved 1.9 min · mean miss 100 ms',
      'Holds 48 entries · 4 KB · 2 processes',
      'Click to open the CacheLens panel.',
    ]);
    assert.equal(formatPercent(0.996), '99%');
  });
  test('counts, durations and bytes', () => {
    assert.deepEqual([0, 999, 1000, 1250, 999_999, 2_500_000, 3e9].map(formatCount), ['0', '999', '1k', '1.3k', '1M', '2.5M', '3G']);
    assert.deepEqual([undefined, 0.25, 12.4, 3100, 90_000, 5_400_000].map(formatDuration), ['—', '0.25 ms', '12 ms', '3.1 s', '1.5 min', '1.5 h']);
    assert.deepEqual([10, 2048, 5 * 1024 ** 2].map(formatBytes), ['10 B', '2 KB', '5 MB']);
  });
});
