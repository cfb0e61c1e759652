// The `verify` figures across the boundaries: the live protocol's optional field, the aggregator's
// sums, the panel protocol's row, and what the panel says about them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRuntimeMessage, type FunctionStats, type HelloMessage } from '../../../runtime/src/protocol.js';
import type { VerifySnapshot } from '../../../runtime/src/protocol-verify.js';
import { Aggregator } from '../../../extension/src/server/aggregator.js';
import { parseHostToPanel, type FunctionRow } from '../../../protocol/panel.js';
import { verifyFinding, verifyFindings } from '../../../webview/src/verify-text.js';

const hello = (instance: string, pid: number): HelloMessage => ({ v: 1, type: 'hello', instance, pid, app: 'shop', runtime: 'cachelens-js', runtimeVersion: '0.1.0', hostname: 'h', startedAt: 0 });
const stats = (id: string, verify?: VerifySnapshot): FunctionStats => ({
  id, hits: 10, misses: 1, errors: 0, evictions: { size: 0, expired: 0, explicit: 0 }, entries: 1, bytes: 10,
  computeMs: 10, savedMs: 100, staleServed: 0, backendErrors: 0, health: 'ok', ...(verify ? { verify } : {}),
});
const diff = { paths: [{ path: 'value.seen', cached: 'number', fresh: 'number' }], values: false };
const row = (verify?: VerifySnapshot): FunctionRow => ({
  id: 'src/a.ts#f', backend: 'memory', backendType: 'memory', processes: 1, health: 'ok', hits: 1, misses: 1, errors: 0, evictionsSize: 0,
  evictionsExpired: 0, evictionsExplicit: 0, computeMs: 1, savedMs: 1, staleServed: 0, backendErrors: 0, entries: 0, bytes: 0, ...(verify ? { verify } : {}),
});

describe('verify across the live protocol, the aggregator and the panel', () => {
  test('the live protocol accepts stats with and without verify, and refuses a malformed one', () => {
    const message = (s: FunctionStats) => ({ v: 1, type: 'stats', seq: 1, at: 1, stats: [s] });
    assert.equal(parseRuntimeMessage(message(stats('f'))).ok, true, 'an old runtime (no verify field) still speaks v1');
    assert.equal(parseRuntimeMessage(message(stats('f', { checked: 3, differed: 1, failed: 0, mutated: 0, diff }))).ok, true);
    const bad = parseRuntimeMessage(message({ ...stats('f'), verify: { checked: 1, differed: 'x' } as never }));
    assert.equal(bad.ok, false);
    const tooMany = parseRuntimeMessage(message(stats('f', { checked: 1, differed: 1, failed: 0, mutated: 0, diff: { paths: Array(6).fill(diff.paths[0]), values: false } })));
    assert.equal(tooMany.ok, false);
  });

  test('the aggregator sums each process\'s latest verify counts and keeps the first diff; rows without it have none', () => {
    const agg = new Aggregator();
    agg.connect(hello('p1', 1), 1);
    agg.connect(hello('p2', 2), 2);
    agg.update(1, [stats('f', { checked: 100, differed: 0, failed: 1, mutated: 0 }), stats('g')]);
    agg.update(2, [stats('f', { checked: 100, differed: 3, failed: 0, mutated: 2, diff })]);
    agg.update(1, [stats('f', { checked: 100, differed: 0, failed: 1, mutated: 0 })]); // re-sent: no change
    const rows = new Map(agg.functions().map((r) => [r.id, r]));
    assert.deepEqual(rows.get('f')!.verify, { checked: 200, differed: 3, failed: 1, mutated: 2, diff });
    assert.equal(rows.get('g')!.verify, undefined);
  });

  test('the panel protocol carries the row\'s verify and drops a row whose verify is malformed', () => {
    const state = (functions: unknown[]) => ({ v: 1, type: 'update', state: { at: 1, server: 'listening', processes: [], functions, breakdown: [], workspaceFunctions: [] } });
    const ok = parseHostToPanel(state([row({ checked: 1, differed: 1, failed: 0, mutated: 0, diff })]));
    assert.deepEqual((ok as { state: { functions: FunctionRow[] } }).state.functions[0]!.verify!.diff, diff);
    const bad = parseHostToPanel(state([row({ checked: -1 } as never)]));
    assert.equal((bad as { state: { functions: FunctionRow[]; droppedRows?: number } }).state.functions.length, 0);
  });

  test('the panel says how many checked hits differed, what to do, the mutation, and that values are hidden', () => {
    const f = verifyFinding(row({ checked: 200, differed: 3, failed: 0, mutated: 1, diff }))!;
    assert.equal(f.level, 'differed');
    assert.equal(f.sentence, '3 of 200 checked hits differed: this function depends on something besides its arguments (time, a database row...). ' +
      'Shorten the TTL or stop caching it.');
    assert.match(f.mutation!, /^The cached value was mutated by a caller after caching \(1 check found it changed\)/);
    assert.deepEqual(f.diff, diff.paths);
    assert.equal(f.values, false);
    const pure = verifyFinding(row({ checked: 40, differed: 0, failed: 2, mutated: 0 }))!;
    assert.equal(pure.level, 'ok');
    assert.equal(pure.sentence, 'All 40 checked hits matched a fresh run.');
    assert.equal(pure.failed, '2 re-runs threw and could not be compared.');
    assert.equal(pure.mutation, undefined);
    assert.equal(verifyFinding(row()), undefined);
    const order = verifyFindings([
      { ...row({ checked: 1, differed: 0, failed: 0, mutated: 0 }), id: 'a' },
      { ...row({ checked: 1, differed: 1, failed: 0, mutated: 0 }), id: 'z' },
      { ...row(), id: 'none' },
    ]).map((x) => x.id);
    assert.deepEqual(order, ['z', 'a']);
  });
});
