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
    agg.announce(1, [fn('f'), fn('g')]);
    agg.announce(2, [fn('f')]);
    agg.update(1, [stats('f', 10, 2), stats('g', 1, 1)]);
    agg.update(2, [stats('f', 5, 5)]);
    agg.update(2, [stats('f', 5, 5)]);
    const f = agg.functions().find((r) => r.id === 'f')!;
    assert.deepEqual([f.hits, f.misses, f.entries, f.bytes, f.savedMs, f.evictionsSize, f.processes], [15, 7, 2, 20, 150, 2, 2]);
    assert.deepEqual(f.location, { file: 'src/a.ts', line: 4 });
    assert.deepEqual(agg.functionByProcess('f').map((p) => [p.pid, p.hits]), [[1, 10], [2, 5]]);
    assert.deepEqual(agg.processes().map((p) => [p.pid, p.functions, p.totals.hits]), [[1, 2, 11], [2, 1, 5]]);
  });

  test('the per-process breakdown names each process\'s runtime (a Python and a JS process caching one id)', () => {
    const agg = new Aggregator();
    agg.connect({ ...hello('py', 7), runtime: 'cachelens-py' }, 1);
    agg.connect(hello('js', 8), 2);
    agg.update(1, [stats('f', 9, 1)]);
    agg.update(2, [stats('f', 2, 1)]);
    assert.deepEqual(agg.functionByProcess('f').map((p) => [p.pid, p.runtime, p.hits]), [[7, 'cachelens-py', 9], [8, 'cachelens-js', 2]]);
  });

  test('a disconnected process is gone: its counters stay in the totals, its held entries do not', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.connect(hello('p2', 2), 2);
    agg.update(1, [stats('f', 10, 2, 4)]);
    agg.update(2, [stats('f', 1, 1, 3)]);
    agg.disconnect(2, 99);
    assert.equal(agg.connectedCount, 1);
    const p2 = agg.processes().find((p) => p.key === 'p2')!;
    assert.deepEqual([p2.connected, p2.goneAt, p2.totals.hits, p2.totals.entries], [false, 99, 1, 0]);
    const f = agg.functions()[0]!;
    assert.deepEqual([f.hits, f.entries], [11, 4]);
  });

  test('a reconnect resumes the same process; the old connection closing late does not mark it gone', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.update(1, [stats('f', 10, 2)]);
    agg.connect(hello('p1', 1), 2);
    agg.disconnect(1, 5);
    assert.equal(agg.connectedCount, 1);
    agg.update(2, [stats('f', 12, 2)]);
    assert.equal(agg.functions()[0]!.hits, 12);
    assert.equal(agg.processes().length, 1);
  });

  test('degraded health shows when any live process reports it; revision and listeners track changes', () => {
    const agg = new Aggregator();
    let calls = 0;
    agg.onChange(() => calls++);
    agg.connect(hello('p1', 1), 1);
    const r = agg.revision;
    agg.update(1, [{ ...stats('f', 1, 1), health: 'degraded' }]);
    assert.equal(agg.functions()[0]!.health, 'degraded');
    assert.ok(agg.revision > r);
    assert.equal(calls, 2);
  });

  test('keeps at most maxGoneProcesses gone processes, forgetting the oldest', () => {
    const agg = new Aggregator({ maxGoneProcesses: 2 });
    for (let i = 1; i <= 4; i++) {
      agg.connect(hello(`p${i}`, i), i);
      agg.disconnect(i, i);
    }
    assert.deepEqual(agg.processes().map((p) => p.key), ['p3', 'p4']);
  });
});

describe('aggregator: resets, forks, absurd figures and budgets (docs/protocol.md section 7)', () => {
  test('a counter lower than the last one of its stream is a reset: later values add on top, counted once per batch entry', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.update(1, [stats('f', 10, 4)]);
    const reset = agg.update(1, [stats('f', 2, 1)]); // lru_cache.cache_clear() in a watched Python cache
    assert.deepEqual([reset.resets, agg.resets], [1, 1]);
    agg.update(1, [stats('f', 5, 1)]);
    const f = agg.functions()[0]!;
    assert.deepEqual([f.hits, f.misses, f.computeMs], [15, 5, 50], '10 + 5 hits, 4 + 1 misses');
    // The same process restarting with the same instance, on a new connection: also a reset.
    agg.disconnect(1, 7);
    agg.connect(hello('p1', 1), 2);
    assert.equal(agg.update(2, [stats('f', 1, 0)]).resets, 1);
    assert.deepEqual([agg.functions()[0]!.hits, agg.functions()[0]!.misses], [16, 5]);
    // Each counter is its own: one that did not go down is not folded (a decrease is the only evidence).
    agg.update(2, [stats('f', 1, 2)]);
    assert.deepEqual([agg.functions()[0]!.hits, agg.functions()[0]!.misses, agg.resets], [16, 7, 2]);
  });

  test('two OS processes under one instance (a fork that kept it) add up; the process is gone when the last closes', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 100), 1);
    agg.connect(hello('p1', 101), 2); // the fork()ed child: same instance, its own pid
    agg.update(1, [stats('f', 10, 2, 3)]);
    agg.update(2, [stats('f', 7, 1, 2)]);
    const sum = () => agg.functions()[0]!;
    assert.deepEqual([sum().hits, sum().misses, sum().entries, sum().processes], [17, 3, 5, 1]);
    assert.deepEqual(agg.processes().map((p) => [p.key, p.streams, p.totals.hits]), [['p1', 2, 17]]);
    agg.disconnect(1, 50);
    assert.equal(agg.connectedCount, 1, 'the child is still connected');
    assert.deepEqual([sum().hits, sum().entries], [17, 2], 'the parent\'s counters stay, its held entries do not');
    agg.disconnect(2, 60);
    assert.deepEqual(agg.processes().map((p) => [p.connected, p.goneAt]), [[false, 60]]);
  });

  test('a reconnect of the same OS process replaces its connection (no double count), and says which', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.update(1, [stats('f', 10, 2)]);
    assert.equal(agg.connect(hello('p1', 1), 2), 1, 'connection 1 is replaced');
    agg.update(2, [stats('f', 12, 2)]);
    agg.update(1, [stats('f', 99, 99)]); // a late batch on the replaced connection: not applied
    assert.deepEqual([agg.functions()[0]!.hits, agg.functions()[0]!.misses], [12, 2]);
  });

  test('sums saturate at Number.MAX_VALUE with a flag; other rows stay exact', () => {
    const agg = new Aggregator();
    agg.connect(hello('evil', 1), 1);
    agg.connect(hello('good', 2), 2);
    const huge = (id: string) => ({ ...stats(id, 1e308, 1), savedMs: 1e308 });
    const outcome = agg.update(1, [huge('evil#a'), huge('evil#b'), huge('shared')]);
    agg.update(2, [stats('good#f', 41, 3), huge('shared')]);
    assert.equal(outcome.saturated, false, 'one entry alone is finite');
    const rows = agg.functionRows();
    assert.deepEqual([rows.get('good#f')!.hits, rows.get('good#f')!.misses, rows.get('good#f')!.saturated], [41, 3, undefined]);
    assert.deepEqual([rows.get('shared')!.hits, rows.get('shared')!.saturated], [Number.MAX_VALUE, true]);
    const evil = agg.processes().find((p) => p.key === 'evil')!;
    assert.deepEqual([evil.totals.hits, evil.saturated], [Number.MAX_VALUE, true]);
    for (const row of [...rows.values(), ...agg.processes().map((p) => p.totals)]) {
      for (const value of Object.values(row)) if (typeof value === 'number') assert.ok(Number.isFinite(value));
    }
  });

  test('per stream: at most maxFunctionsPerStream ids and maxRetainedBytesPerStream bytes; the rest is refused', () => {
    const agg = new Aggregator({ maxFunctionsPerStream: 3, maxRetainedBytesPerStream: 1 << 20 });
    agg.connect(hello('p1', 1), 1);
    agg.connect(hello('p2', 2), 2);
    assert.equal(agg.announce(1, ['a', 'b', 'c', 'd', 'e'].map(fn)).refused, 2);
    assert.equal(agg.update(1, [stats('a', 1, 1), stats('z', 1, 1)]).refused, 1, 'a new id in stats counts too');
    assert.equal(agg.announce(2, [fn('d')]).refused, 0, 'the budget is per stream: another process is not affected');
    assert.deepEqual(agg.functions().map((r) => r.id), ['a', 'b', 'c', 'd']);
    const small = new Aggregator({ maxRetainedBytesPerStream: 100_000 });
    small.connect(hello('p1', 1), 1);
    const long = Array.from({ length: 40 }, (_, i) => fn(`${i}`.padEnd(4000, 'x')));
    const refused = small.announce(1, long).refused;
    assert.ok(refused >= 28 && refused < 40, `refused ${refused} of 40 descriptors of 8 KB against a 100 KB budget`);
  });

  test('past the row limit every process gets its share: a flood of ids from one process does not push out another\'s rows', () => {
    const agg = new Aggregator();
    agg.connect(hello('flood', 1), 1);
    for (let i = 0; i < 3000; i += 500) agg.announce(1, Array.from({ length: 500 }, (_, k) => fn(`flood#${i + k}`)));
    agg.connect(hello('honest', 2), 2);
    agg.update(2, ['a', 'b', 'c'].map((id) => stats(`honest#${id}`, 5, 1)));
    const rows = agg.boundedRows(1000);
    assert.equal(rows.length, 1000);
    assert.deepEqual(rows.filter((r) => r.id.startsWith('honest#')).map((r) => [r.id, r.hits]), [['honest#a', 5], ['honest#b', 5], ['honest#c', 5]]);
    assert.equal(agg.boundedRows(5000).length, 3003, 'under the limit: every row');
  });

  test('work is proportional to what changed: one changed function rebuilds one row, however many there are', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    const ids = Array.from({ length: 5000 }, (_, i) => `src/f.ts#f${i}`);
    for (let i = 0; i < ids.length; i += 500) agg.update(1, ids.slice(i, i + 500).map((id) => stats(id, 1, 1)));
    assert.equal(agg.functionRows().size, 5000);
    const before = agg.rowsRebuilt;
    agg.update(1, [stats('src/f.ts#f7', 2, 1)]);
    assert.equal(agg.functionRows().get('src/f.ts#f7')!.hits, 2);
    agg.functionRows();
    assert.equal(agg.rowsRebuilt - before, 1, 'one row rebuilt');
  });
});
