import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Candidates, savedPerMinute } from '../../../extension/src/observe/candidates.js';
import type { ObservedStats } from '../../../runtime/src/protocol.js';

const fig = (id: string, calls: number, repeats: number, totalMs: number): ObservedStats => ({ id, file: id.split('#')[0]!, line: 1, calls, repeats, unkeyable: 0, totalMs });

test('time saved per minute = calls per minute × repeat share × mean time', () => {
  // 120 calls in 60 s = 120/min; 75% repeats; 10 ms each: 120 × 0.75 × 10 = 900 ms/min.
  assert.equal(savedPerMinute(120, 90, 1200, 60_000), 900);
  assert.equal(savedPerMinute(0, 0, 0, 60_000), 0);
  assert.equal(savedPerMinute(10, 5, 10, 10), savedPerMinute(10, 5, 10, 1000), 'windows under a second count as one second');
});

test('candidates rank by time saved per minute, summed over processes, latest figures win', () => {
  const c = new Candidates();
  let changes = 0;
  c.onChange(() => changes++);
  c.hello('p1', 0);
  c.hello('p2', 0);
  c.update('p1', 60_000, [fig('a.js#cheapOften', 6000, 5000, 600), fig('a.js#slowRare', 10, 9, 5000), fig('a.js#neverRepeats', 100, 0, 10_000)]);
  c.update('p1', 60_000, [fig('a.js#cheapOften', 6000, 5400, 600)]);
  c.update('p2', 30_000, [fig('a.js#slowRare', 10, 9, 5000)]);
  const rows = c.rank();
  assert.deepEqual(rows.map((r) => r.id), ['a.js#slowRare', 'a.js#cheapOften', 'a.js#neverRepeats']);
  // slowRare: p1 10/min × 0.9 × 500 ms = 4500; p2 20/min × 0.9 × 500 = 9000.
  assert.equal(rows[0]!.savedMsPerMinute, 13_500);
  assert.deepEqual({ calls: rows[0]!.calls, repeats: rows[0]!.repeats, processes: rows[0]!.processes }, { calls: 20, repeats: 18, processes: 2 });
  assert.equal(rows[1]!.repeats, 5400, 'the latest cumulative figures replace the earlier ones');
  assert.equal(rows[2]!.savedMsPerMinute, 0);
  assert.equal(changes, 3);
  c.reset();
  assert.deepEqual(c.rank(), []);
});
