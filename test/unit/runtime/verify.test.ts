// The `verify` option: a share of hits runs the function again off the caller's path and compares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoize, cacheOf, OptionsError } from '../../../runtime/src/index.js';
import { registerBackendType, MISS } from '../../../runtime/src/index.js';
import { rereadVerifyEnvironment, verifyFromEnvironment } from '../../../runtime/src/memoize/verify-setting.js';
import { differences, valueHash } from '../../../runtime/src/memoize/value-shape.js';
import { deferred, settle } from './helpers.js';

const verifyOf = (f: (...args: never[]) => unknown) => cacheOf(f).stats().verify;

test('verify catches an impure function (it reads a counter) and says where the values differ, redacted', async () => {
  let counter = 0;
  const f = memoize((id: string) => ({ id, seen: ++counter, tags: ['a'] }), { verify: 1 });
  assert.deepEqual(f('x'), { id: 'x', seen: 1, tags: ['a'] });
  const hit = f('x');
  assert.equal(hit.seen, 1, 'the caller gets the cached value');
  assert.equal(counter, 1, 'the check runs after the hit returns, not during it');
  await settle();
  assert.equal(counter, 2);
  const v = verifyOf(f)!;
  assert.equal(v.checked, 1);
  assert.equal(v.differed, 1);
  assert.equal(v.mutated, 0);
  assert.deepEqual(v.diff, { values: false, paths: [{ path: 'value.seen', cached: 'number', fresh: 'number' }] });
  assert.equal(cacheOf(f).stats().hits, 1, 'the re-run is not a miss nor a hit');
  assert.equal(cacheOf(f).stats().misses, 1);
});

test('verify does not flag a pure function', async () => {
  let runs = 0;
  const f = memoize((a: number, b: number) => { runs++; return { sum: a + b, at: new Date(0), parts: new Map([[a, b]]) }; }, { verify: 1 });
  f(1, 2);
  for (let i = 0; i < 5; i++) {
    f(1, 2);
    await settle();
  }
  const v = verifyOf(f)!;
  assert.equal(v.checked, 5);
  assert.equal(v.differed, 0);
  assert.equal(v.mutated, 0);
  assert.equal(v.diff, undefined);
  assert.equal(runs, 6);
});

test('with verify off, stats carry no verify field and hits never run the function', async () => {
  let runs = 0;
  const f = memoize((x: number) => ++runs + x, { verify: 0 });
  f(1); f(1); f(1);
  await settle();
  assert.equal(runs, 1);
  assert.equal(verifyOf(f), undefined);
});

test('at most one check at a time per function: hits during a running check are not checked', async () => {
  const gate = deferred<void>();
  let runs = 0;
  const f = memoize(async (x: number) => { runs++; if (runs > 2) await gate.promise; return x; }, { verify: 1 });
  await f(1);
  await f(2);
  for (let i = 0; i < 10; i++) { await f(1); await f(2); }
  await settle();
  assert.equal(runs, 3, 'two computations and one check, which is still running');
  gate.resolve();
  await settle();
  const v = verifyOf(f)!;
  assert.equal(v.checked, 1);
  assert.equal(v.differed, 0);
  await f(1);
  await settle();
  assert.equal(verifyOf(f)!.checked, 2, 'the next hit after it finished is checked');
});

test('never while that key is computing: a hit that joins a computation in flight is not checked', async () => {
  const gate = deferred<number>();
  let runs = 0;
  const f = memoize((x: number) => { runs++; return runs === 1 ? gate.promise : Promise.resolve(x); }, { verify: 1 });
  const first = f(7);
  const joined = f(7); // a hit on the promise in flight
  await settle();
  assert.equal(runs, 1);
  gate.resolve(7);
  assert.equal(await first, 7);
  assert.equal(await joined, 7);
  await settle();
  assert.equal(runs, 1, 'no check was run for the joined call');
  assert.equal(verifyOf(f)!.checked, 0);
  // Nor when the key is being refreshed when the check would start.
  const g = memoize((x: number) => x, { verify: 1, ttl: 1, staleWhileRevalidate: 10 });
  g(1); g(1);
  await settle();
  assert.equal(verifyOf(g)!.checked, 1);
});

test('async functions: an impure one is caught, its diff compares the resolved values', async () => {
  let n = 0;
  const f = memoize(async (k: string) => ({ k, n: n++ }), { verify: 1, verifyShowValues: true });
  await f('a');
  await f('a');
  await settle();
  const v = verifyOf(f)!;
  assert.equal(v.checked, 1);
  assert.equal(v.differed, 1);
  assert.deepEqual(v.diff, { values: true, paths: [{ path: 'value.n', cached: 'number: 0', fresh: 'number: 1' }] });
});

test('a re-run that throws is counted as failed, never thrown at the caller', async () => {
  let runs = 0;
  const f = memoize((x: number) => { if (++runs > 1) throw new Error('db down'); return x; }, { verify: 1 });
  f(1);
  assert.equal(f(1), 1);
  await settle();
  const v = verifyOf(f)!;
  assert.deepEqual([v.checked, v.failed, v.differed], [0, 1, 0]);
  const g = memoize(async (x: number) => { if (++runs > 3) throw new Error('later'); return x; }, { verify: 1 });
  await g(1);
  assert.equal(await g(1), 1);
  await settle();
  assert.equal(verifyOf(g)!.failed, 1);
});

test('a cached value mutated by a caller is reported as mutated, apart from a difference', async () => {
  const f = memoize((id: number) => ({ id, items: [1, 2] }), { verify: 1 });
  const first = f(1);
  first.items.push(3); // the caller changes the cached object
  f(1);
  await settle();
  const v = verifyOf(f)!;
  assert.equal(v.mutated, 1);
  assert.equal(v.checked, 1);
  assert.equal(v.differed, 0, 'the function itself is pure: its result equals the value as cached');
  // The same for a cached promise's value.
  const g = memoize(async (id: number) => ({ id }), { verify: 1 });
  (await g(1) as { id: number; extra?: boolean }).extra = true;
  await g(1);
  await settle();
  assert.equal(verifyOf(g)!.mutated, 1);
  assert.equal(verifyOf(g)!.differed, 0);
});

test('the share samples hits', async () => {
  let runs = 0;
  const f = memoize((x: number) => { runs++; return x; }, { verify: 0.5 });
  f(1);
  for (let i = 0; i < 400; i++) { f(1); await new Promise((r) => setImmediate(r)); }
  await settle();
  const checked = verifyOf(f)!.checked;
  assert.ok(checked > 100 && checked < 300, `about half of 400 hits checked, got ${checked}`);
  assert.equal(runs, 1 + checked);
});

test('the option is checked: a share from 0 to 1', () => {
  for (const bad of [-0.1, 1.5, NaN, '0.1', true]) {
    assert.throws(() => memoize((x: number) => x, { verify: bad as never }), (e: unknown) => e instanceof OptionsError && /verify/.test(String(e)));
  }
  assert.throws(() => memoize((x: number) => x, { verifyShowValues: 1 as never }), OptionsError);
});

test('CACHELENS_VERIFY sets the share for the whole process; the option wins', () => {
  assert.deepEqual(verifyFromEnvironment({ CACHELENS_VERIFY: '0.25' }), { share: 0.25, showValues: false });
  assert.deepEqual(verifyFromEnvironment({ CACHELENS_VERIFY: '1', CACHELENS_VERIFY_SHOW_VALUES: '1' }), { share: 1, showValues: true });
  assert.deepEqual(verifyFromEnvironment({}), { share: 0, showValues: false });
  assert.deepEqual(verifyFromEnvironment({ CACHELENS_VERIFY: 'often' }), { share: 0, showValues: false });
  process.env.CACHELENS_VERIFY = '1';
  rereadVerifyEnvironment();
  try {
    const on = memoize((x: number) => x);
    const off = memoize((x: number) => x, { verify: 0 });
    on(1); off(1);
    assert.notEqual(verifyOf(on), undefined);
    assert.equal(verifyOf(off), undefined);
  } finally {
    delete process.env.CACHELENS_VERIFY;
    rereadVerifyEnvironment();
  }
});

test('verify on an asynchronous store: checked hits compare the stored value', async () => {
  const data = new Map<string, unknown>();
  registerBackendType('verify-test-async', () => ({
    sync: false, kind: 'verify-test', health: 'ok',
    get: async (k: string) => (data.has(k) ? structuredClone(data.get(k)) : MISS),
    set: async (k: string, v: unknown) => { data.set(k, structuredClone(v)); },
    has: async (k: string) => data.has(k),
    delete: async (k: string) => data.delete(k),
    clear: async () => { data.clear(); },
  }) as never);
  let n = 0;
  const f = memoize(async (x: number) => ({ x, n: n++ }), { backend: 'verify-test-async', verify: 1 });
  await f(1);
  await settle(); // written: the next call reads the store (not the flight)
  await f(1);
  await settle();
  const v = verifyOf(f)!;
  assert.equal(v.checked, 1);
  assert.equal(v.differed, 1);
  assert.equal(v.diff!.paths[0]!.path, 'value.n');
});

test('the structural hash: stable, cycle-safe, odd values, unreadable objects', () => {
  const a: Record<string, unknown> = { b: 1, a: [1, { c: 2n }] };
  a.self = a;
  const b: Record<string, unknown> = { a: [1, { c: 2n }], b: 1 };
  b.self = b;
  assert.equal(valueHash(a), valueHash(b), 'key order does not matter, cycles are references');
  assert.notEqual(valueHash({ x: 0 }), valueHash({ x: -0 }));
  assert.notEqual(valueHash(new Set([1])), valueHash(new Set([2])));
  assert.notEqual(valueHash(Buffer.from('a')), valueHash(Buffer.from('b')));
  assert.notEqual(valueHash(new Date(0)), valueHash(new Date(1)));
  class Point { constructor(public x: number) {} }
  assert.notEqual(valueHash(new Point(1)), valueHash({ x: 1 }));
  const hostile = new Proxy({}, { ownKeys() { throw new Error('trap'); } });
  assert.equal(typeof valueHash(hostile), 'string');
  const getter = { get boom() { throw new Error('getter'); } };
  assert.equal(typeof valueHash(getter), 'string');
  assert.equal(typeof valueHash([Symbol('s'), () => 1, undefined, null, NaN, new WeakMap(), Promise.resolve()]), 'string');
  assert.deepEqual(differences({ a: 1, b: 'x' }, { a: 1, c: true }, 5).map((d) => d.path), ['value.b', 'value.c']);
});
