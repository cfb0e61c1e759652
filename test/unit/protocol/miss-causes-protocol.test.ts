/**
 * The optional `missCauses` of a function stats entry (docs/protocol.md 3.1): a v1 entry without it
 * is accepted as before; one with it is accepted when every cause is a count and the bucket lists
 * have their lengths, and refused (naming the field) otherwise; the panel's row validator agrees.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LONGER_TTL_FACTORS, MISS_CAUSES, parseRuntimeMessage, REUSE_BUCKET_BOUNDS_MS } from '../../../runtime/src/protocol.js';
import { parseHostToPanel } from '../../../protocol/panel.js';

const entry = (extra: Record<string, unknown> = {}) => ({
  id: 'src/a.ts#f', hits: 1, misses: 2, errors: 0, evictions: { size: 0, expired: 0, explicit: 0 }, entries: 1, bytes: 8,
  computeMs: 3, savedMs: 1, staleServed: 0, backendErrors: 0, health: 'ok', ...extra,
});
const stats = (e: unknown) => ({ v: 1, type: 'stats', seq: 1, at: 1, stats: [e] });
const causes = (extra: Record<string, unknown> = {}) => ({ ...Object.fromEntries(MISS_CAUSES.map((c) => [c, 0])), cold: 2, ...extra });

test('a v1 stats entry without missCauses is accepted as before', () => {
  assert.equal(parseRuntimeMessage(stats(entry())).ok, true);
});

test('missCauses with every cause, a TTL and both bucket lists is accepted', () => {
  const full = causes({ ttlMs: 30_000, reuse: new Array(REUSE_BUCKET_BOUNDS_MS.length + 1).fill(0), longerTtl: new Array(LONGER_TTL_FACTORS.length).fill(1) });
  assert.equal(parseRuntimeMessage(stats(entry({ missCauses: full }))).ok, true);
});

test('a malformed missCauses is refused, naming the field', () => {
  const bad: [unknown, RegExp][] = [
    [{ cold: 1 }, /missCauses: expired: a finite number >= 0/],
    [causes({ unknown: -1 }), /missCauses: unknown/],
    [causes({ reuse: [1, 2] }), /missCauses: reuse: an array of 45 counts/],
    [causes({ longerTtl: [1, 2, 3, 'x'] }), /missCauses: longerTtl/],
    ['cold', /missCauses: an object/],
  ];
  for (const [value, why] of bad) {
    const parsed = parseRuntimeMessage(stats(entry({ missCauses: value })));
    assert.equal(parsed.ok, false, JSON.stringify(value));
    if (!parsed.ok) assert.match(parsed.detail, why);
  }
});

test('the panel accepts a function row with missCauses and leaves out one whose missCauses is malformed', () => {
  const row = (missCauses: unknown) => ({
    id: 'src/a.ts#f', backend: 'memory', backendType: 'memory', processes: 1, health: 'ok', hits: 1, misses: 2, errors: 0,
    evictionsSize: 0, evictionsExpired: 0, evictionsExplicit: 0, computeMs: 3, savedMs: 1, staleServed: 0, backendErrors: 0, entries: 1, bytes: 8,
    missCauses,
  });
  const update = { v: 1, type: 'update', state: { at: 1, server: 'listening', processes: [], functions: [row(causes()), row({ cold: 'x' })], breakdown: [], workspaceFunctions: [] } };
  const parsed = parseHostToPanel(update);
  assert.ok(parsed?.type === 'update');
  assert.equal(parsed.state.functions.length, 1);
  assert.equal(parsed.state.droppedRows, 1);
});
