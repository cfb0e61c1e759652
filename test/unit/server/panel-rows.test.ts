/** Updates to the panel carry only the rows that changed (a patch), computed against what was sent. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Aggregator } from '../../../extension/src/server/aggregator.js';
import { FULL_UPDATE_EVERY, PanelRows } from '../../../extension/src/server/panel-rows.js';
import type { FunctionStats, HelloMessage } from '../../../runtime/src/protocol.js';

const hello = (instance: string, pid: number): HelloMessage => ({ v: 1, type: 'hello', instance, pid, app: 'a', runtime: 'r', runtimeVersion: '1', hostname: 'h', startedAt: 0 });
const stats = (id: string, hits: number): FunctionStats => ({
  id, hits, misses: 1, errors: 0, evictions: { size: 0, expired: 0, explicit: 0 }, entries: 1, bytes: 0, computeMs: 1, savedMs: hits, staleServed: 0, backendErrors: 0, health: 'ok',
});

describe('panel rows', () => {
  test('of 20,000 rows, one changed function puts one row in the next update; a forgotten process\'s ids are removed', () => {
    const agg = new Aggregator({ maxGoneProcesses: 0 });
    agg.connect(hello('big', 1), 1);
    agg.connect(hello('big', 3), 3); // two OS processes: 10,000 functions each (the budget per stream)
    for (let i = 0; i < 20_000; i += 500) agg.update(i < 10_000 ? 1 : 3, Array.from({ length: 500 }, (_, k) => stats(`src/f.ts#f${i + k}`, 1)));
    agg.connect(hello('small', 2), 2);
    agg.update(2, [stats('src/g.ts#g', 3)]);
    const rows = new PanelRows();
    assert.equal(rows.fullDue, true, 'the first update is whole');
    rows.full(agg.functions());
    assert.equal(rows.lastSentRows, 20_001);

    agg.update(1, [stats('src/f.ts#f42', 9)]);
    const patch = rows.patch(agg.functions());
    assert.deepEqual([patch.changed.map((r) => [r.id, r.hits]), patch.removed, rows.lastSentRows], [[['src/f.ts#f42', 9]], [], 1]);
    assert.deepEqual(rows.patch(agg.functions()), { changed: [], removed: [] }, 'nothing changed, nothing sent');

    agg.disconnect(2, 5); // gone, and forgotten at once (maxGoneProcesses 0)
    assert.deepEqual(rows.patch(agg.functions()), { changed: [], removed: ['src/g.ts#g'] });
  });

  test('a whole update is due every FULL_UPDATE_EVERY updates, so a lost patch heals', () => {
    const rows = new PanelRows();
    rows.full([]);
    for (let i = 0; i < FULL_UPDATE_EVERY - 1; i++) rows.patch([]);
    assert.equal(rows.fullDue, false);
    rows.patch([]);
    assert.equal(rows.fullDue, true);
  });
});
