/** Aggregation by function id across processes, with per-process detail and gone processes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FunctionStats, HelloMessage } from '../../../runtime/src/protocol.js';
import { Aggregator } from '../../../extension/src/server/aggregator.js';

const hello = (instance: string, pid: number): HelloMessage => ({ v: 1, type: 'hello', instance, pid, app: 'shop', runtime: 'cachelens-js', runtimeVersion: '0.1.0', hostname: 'h', startedAt: 0 });
const stats = (id: string, hits: number, misses: number, entries = 1): FunctionStats => ({
  id, hits, misses, errors: 0, evictions: { size: 1, expired: 0, explicit: 0 }, entries, bytes: entries * 10,
  computeMs: misses * 10, savedMs: hits * 10, staleServed: 0, backendErrors: 0, health: 'ok',
});
const fn = (id: string) => ({ id, backend: 'memory', backendType: 'memory', options: {}, location: { file: 'src/a.ts', line: 4 } });

describe('aggregator', () => {
  test('sums cumulative totals by function id across processes; a re-sent batch changes nothing', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.connect(hello('p2', 2), 2);
    agg.announce('p1', [fn('f'), fn('g')]);
    agg.announce('p2', [fn('f')]);
    agg.update('p1', [stats('f', 10, 2), stats('g', 1, 1)]);
    agg.update('p2', [stats('f', 5, 5)]);
    agg.update('p2', [stats('f', 5, 5)]);
    const f = agg.functions().find((r) => r.id === 'f')!;
    assert.deepEqual([f.hits, f.misses, f.entries, f.bytes, f.savedMs, f.evictionsSize, f.processes], [15, 7, 2, 20, 150, 2, 2]);
    assert.deepEqual(f.location, { file: 'src/a.ts', line: 4 });
    assert.deepEqual(agg.functionByProcess('f').map((p) => [p.pid, p.hits]), [[1, 10], [2, 5]]);
    assert.deepEqual(agg.processes().map((p) => [p.pid, p.functions, p.totals.hits]), [[1, 2, 11], [2, 1, 5]]);
  });

  test('a disconnected process is gone: its counters stay in the totals, its held entries do not', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.connect(hello('p2', 2), 2);
    agg.update('p1', [stats('f', 10, 2, 4)]);
    agg.update('p2', [stats('f', 1, 1, 3)]);
    agg.disconnect('p2', 2, 99);
    assert.equal(agg.connectedCount, 1);
    const p2 = agg.processes().find((p) => p.key === 'p2')!;
    assert.deepEqual([p2.connected, p2.goneAt, p2.totals.hits, p2.totals.entries], [false, 99, 1, 0]);
    const f = agg.functions()[0]!;
    assert.deepEqual([f.hits, f.entries], [11, 4]);
  });

  test('a reconnect resumes the same process; the old connection closing late does not mark it gone', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.update('p1', [stats('f', 10, 2)]);
    agg.connect(hello('p1', 1), 2);
    agg.disconnect('p1', 1, 5);
    assert.equal(agg.connectedCount, 1);
    agg.update('p1', [stats('f', 12, 2)]);
    assert.equal(agg.functions()[0]!.hits, 12);
    assert.equal(agg.processes().length, 1);
  });

  test('degraded health shows when any live process reports it; revision and listeners track changes', () => {
    const agg = new Aggregator();
    let calls = 0;
    agg.onChange(() => calls++);
    agg.connect(hello('p1', 1), 1);
    const r = agg.revision;
    agg.update('p1', [{ ...stats('f', 1, 1), health: 'degraded' }]);
    assert.equal(agg.functions()[0]!.health, 'degraded');
    assert.ok(agg.revision > r);
    assert.equal(calls, 2);
  });

  test('keeps at most maxGoneProcesses gone processes, forgetting the oldest', () => {
    const agg = new Aggregator({ maxGoneProcesses: 2 });
    for (let i = 1; i <= 4; i++) {
      agg.connect(hello(`p${i}`, i), i);
      agg.disconnect(`p${i}`, i, i);
    }
    assert.deepEqual(agg.processes().map((p) => p.key), ['p3', 'p4']);
  });
});
