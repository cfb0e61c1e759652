/**
 * What the statistics mean, as docs/protocol.md section 3.1 defines them: savedMs is a counter
 * that never decreases, the mean miss time divides by completed computations, a call that joined a
 * computation is a hit whatever that computation's outcome, and ids are bounded in code points.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheOf, memoize, OptionsError } from '../../../runtime/src/index.js';
import { deferred, settle } from './helpers.js';

/** A clock the memoized function itself advances: each computation takes exactly `ms` of it. */
function timed() {
  let t = 0;
  return { clock: () => t, spend: (ms: number) => { t += ms; } };
}

test('savedMs never decreases: cheap misses after a slow one do not shrink what earlier hits saved', () => {
  const { clock, spend } = timed();
  const f = memoize((x: number, ms: number) => { spend(ms); return x; }, { clock, max: 1000 });
  f(0, 100);
  f(0, 100); // a hit while the mean miss time is 100 ms
  const before = cacheOf(f).stats().savedMs;
  assert.equal(before, 100);
  const seen = [before];
  for (let i = 1; i <= 50; i++) {
    f(i, 1); // 50 misses of 1 ms: the mean falls to 150 / 51
    seen.push(cacheOf(f).stats().savedMs);
  }
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]!), `savedMs fell: ${seen.join(', ')}`);
  assert.equal(cacheOf(f).stats().savedMs, 100, 'no new hit, nothing added');
  f(7, 1); // a hit now adds the mean in force now
  const s = cacheOf(f).stats();
  assert.equal(s.savedMs, 100 + 150 / 51);
  assert.deepEqual([s.hits, s.misses, s.computed, s.computeMs], [2, 51, 51, 150]);
});

test('the mean miss time divides computeMs by completed computations: one in flight adds a miss, not time', async () => {
  const { clock, spend } = timed();
  const gates = [deferred<number>(), deferred<number>()];
  const f = memoize(async (x: number) => { const v = await gates[x]!.promise; spend(40); return v; }, { clock });
  const first = f(0);
  gates[0]!.resolve(1);
  await first;
  void f(1); // in flight
  void f(0); // a hit at mean 40 / 1
  const s = cacheOf(f).stats();
  assert.deepEqual([s.misses, s.computed, s.computeMs, s.hits, s.savedMs], [2, 1, 40, 1, 40]);
  gates[1]!.resolve(2);
  await settle();
  assert.equal(cacheOf(f).stats().computed, 2);
});

test('three concurrent calls of one key whose computation fails: 1 miss, 2 hits (they joined), 1 error', async () => {
  const gate = deferred<never>();
  let runs = 0;
  const f = memoize(async (_x: number) => { runs++; return gate.promise; });
  const calls = [f(1), f(1), f(1)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
  gate.reject(new Error('down'));
  assert.deepEqual(await Promise.all(calls), ['down', 'down', 'down']);
  const s = cacheOf(f).stats();
  assert.deepEqual([runs, s.misses, s.hits, s.errors, s.computed, s.entries], [1, 1, 2, 1, 1, 0]);
});

test('an id longer than 4096 code points is refused when memoize is called; 4096 astral characters are accepted', () => {
  const ok = memoize((x: number) => x, { id: '\u{1F600}'.repeat(4096) });
  assert.equal(cacheOf(ok).id.length, 8192);
  assert.throws(() => memoize((x: number) => x, { id: 'a'.repeat(4097) }), (e: unknown) => e instanceof OptionsError && /id/.test(e.message) && /4096/.test(e.message));
});

/**
 * One workload on a fake clock: 3 entries expire, then one is rewritten (refresh), a new key
 * arrives at capacity, another expires and is deleted, the rest is cleared. `read` runs after every
 * step (a reporter reading the statistics); the figures at the end must not depend on it.
 */
async function expiryWorkload(backend: 'memory' | 'lru', read: (f: (x: number) => number) => void) {
  let t = 1_000_000; // not 0: lru-cache takes a start time of 0 for "no TTL"
  const f = memoize((x: number) => x, { clock: () => t, ttl: 10, max: 3, backend });
  const step = async (action: () => unknown) => { await action(); read(f); };
  await step(() => f(1));
  await step(() => f(2));
  await step(() => f(3));
  await step(() => { t += 11_000; });
  await step(() => cacheOf(f).refresh(1)); // a write over an expired entry
  await step(() => f(4)); // a new key while expired entries still hold slots
  await step(() => { t += 5_000; });
  await step(() => f(5));
  await step(() => { t += 6_000; });
  const { removed: deleted } = await cacheOf(f).delete(4); // past its expiry: not there to delete
  read(f);
  await step(() => f(6));
  await step(() => { t += 11_000; });
  await step(() => f(7));
  await step(() => cacheOf(f).clear()); // one live entry, one past its expiry
  return { deleted, stats: cacheOf(f).stats() };
}

for (const backend of ['memory', 'lru'] as const) {
  test(`${backend}: reading the statistics after every step changes no figure (expired entries count as expired, never as explicit or size)`, async () => {
    const quiet = await expiryWorkload(backend, () => {});
    const watched = await expiryWorkload(backend, (f) => void cacheOf(f).stats());
    assert.deepEqual(watched.stats, quiet.stats);
    assert.equal(quiet.deleted, false);
    const { evictions, entries } = quiet.stats;
    // 1,2,3 expire; the rewritten 1, 4, 5 expire (4 found by delete); 6 expires; 7 is cleared.
    assert.deepEqual({ ...evictions, entries }, { size: 0, expired: 7, explicit: 1, entries: 0 });
  });
}
