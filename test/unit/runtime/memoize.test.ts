import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  memoize, cacheOf, registry, CacheKeyError, OptionsError, NotMemoizedError, type MemoizedInfo,
} from '../../../runtime/src/index.js';
import { DEFAULT_MAX } from '../../../runtime/src/internal.js';
import { deferred, fakeClock, settle } from './helpers.js';

test('caches by arguments and keeps the function type (parameters, return, this)', () => {
  let calls = 0;
  const double = memoize((x: number): number => { calls++; return x * 2; });
  const typed: (x: number) => number = double; // compile-time: the exact type survives
  assert.equal(typed(2), 4);
  assert.equal(double(2), 4);
  assert.equal(double(3), 6);
  assert.equal(calls, 2);

  const withThis = memoize(function (this: { base: number }, x: number) { return this.base + x; });
  assert.equal(withThis.call({ base: 10 }, 1), 11);
  assert.equal(withThis.name, '');
  function named(a: string, b: string) { return a + b; }
  const m = memoize(named);
  assert.equal(m.name, 'named');
  assert.equal(m.length, 2);
});

test('a memoized function keeps fast properties whatever its name (one letter, reserved, not an identifier) and a length up to 8', () => {
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', path.join(__dirname, 'shape-child.ts')], {
    cwd: path.resolve(__dirname, '../../..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const fast = JSON.parse(child.stdout) as Record<string, boolean>;
  assert.ok(Object.keys(fast).length >= 15);
  for (const [shape, ok] of Object.entries(fast)) assert.equal(ok, true, `name/length ${shape}: the name and length are the function's own and its properties are not a dictionary`);
});

test('the memoized function has the name and length of fn, whatever they are, and passes every argument as given', () => {
  // Names and lengths the compiled call path takes itself, and ones it cannot (set afterwards):
  // names of the call path's own parameters and locals, reserved words, non-identifiers, long lists.
  const fns: ((...args: never[]) => unknown)[] = [
    function s(x: number) { return x + 1; },
    function n(x: number, y: number) { return x + y; },
    function k() { return 'k'; },
    function $$(a: number, b: number, c: number, d: number, e: number) { return a + b + c + d + e; },
    function many(a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) { return a + i; },
    Object.getOwnPropertyDescriptor({ 'get x'(x: number) { return x; } }, 'get x')!.value as (x: number) => number,
    Object.defineProperty((x: number) => x * 3, 'name', { value: 'undefined' }),
    Object.defineProperty((x: number) => x * 5, 'name', { value: 'arguments' }),
    (x: number) => x * 7,
    function (x?: number) { return x ?? 'none'; },
    function bound(x: number) { return x + 11; }.bind(null),
    Object.defineProperty((x: number) => x * 13, 'name', { value: null }),
    Object.defineProperty((x: number) => x * 17, 'name', { value: 42 }),
  ];
  for (const fn of fns) {
    const m = memoize(fn as (...args: unknown[]) => unknown) as (...args: unknown[]) => unknown;
    assert.equal(m.name, fn.name, `name of ${JSON.stringify(fn.name)}`);
    assert.equal(m.length, fn.length, `length of ${JSON.stringify(fn.name)}`);
    // Compiled either way (the compacted source declares `var n=`): a shape that cannot be compiled
    // in is set afterwards, it does not send the function to the shared closure path.
    assert.match(String(m), /\bvar n=/, `compiled call path of ${JSON.stringify(fn.name)}`);
    const args = Array.from({ length: Math.max(1, fn.length) }, (_, i) => i + 1);
    assert.deepEqual(m(...args), fn(...(args as never[])), `result of ${JSON.stringify(fn.name)}`);
    assert.deepEqual(m(...args), fn(...(args as never[])), `hit of ${JSON.stringify(fn.name)}`);
    assert.equal(cacheOf(m).stats().hits, 1, `hits of ${JSON.stringify(fn.name)}`);
  }
  // Fewer arguments than parameters are passed as given (no undefined filled in), more are all passed.
  const seen: number[] = [];
  const two = memoize(function two(a?: unknown, b?: unknown, ...rest: unknown[]) { seen.push(arguments.length); return [a, b, rest.length]; });
  assert.equal(two.length, 2);
  assert.deepEqual([two(), two(1), two(1, 2), two(1, 2, 3), two(1, 2, 3, 4)], [[undefined, undefined, 0], [1, undefined, 0], [1, 2, 0], [1, 2, 1], [1, 2, 2]]);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('synchronous functions stay synchronous; undefined and null results are cached', () => {
  let calls = 0;
  const f = memoize((x: string) => { calls++; return x === 'u' ? undefined : null; });
  assert.equal(f('u'), undefined);
  assert.equal(f('u'), undefined);
  assert.equal(f('n'), null);
  assert.equal(f('n'), null);
  assert.equal(calls, 2);
});

test('1 and "1", one string and two strings, no arguments and many arguments are all told apart', () => {
  const seen: string[] = [];
  const f = memoize((...args: unknown[]) => { seen.push(JSON.stringify(args)); return args.length; });
  f(1); f('1'); f('a', 'b'); f('ab'); f(); f(1, 2, 3); f({ a: 1 }); f([1]);
  f(1); f('1'); f('a', 'b'); f('ab'); f(); f(1, 2, 3); f({ a: 1 }); f([1]);
  assert.equal(seen.length, 8);
  assert.equal(cacheOf(f).stats().hits, 8);
});

test('an argument that cannot be keyed throws CacheKeyError at call time, without calling fn or caching', () => {
  let calls = 0;
  const f = memoize((cb: () => void, n: number) => { calls++; return n; });
  assert.throws(() => f(() => undefined, 1), (e: unknown) => e instanceof CacheKeyError && e.argumentIndex === 0);
  assert.equal(calls, 0);
  const s = cacheOf(f).stats();
  assert.equal(s.misses, 0);
  assert.equal(s.entries, 0);
});

test('thrown errors are not cached by default: the next call retries, and the error reaches the caller unchanged', () => {
  let calls = 0;
  const boom = new RangeError('boom');
  const f = memoize((x: number) => { calls++; if (calls === 1) throw boom; return x; });
  assert.throws(() => f(1), (e: unknown) => e === boom);
  assert.equal(f(1), 1);
  assert.equal(calls, 2);
  assert.equal(cacheOf(f).stats().errors, 1);
});

test('cacheErrors: a thrown error is cached for the TTL', () => {
  const clock = fakeClock();
  try {
    let calls = 0;
    const f = memoize((x: number) => { calls++; throw new Error(`fail ${x} #${calls}`); }, { cacheErrors: true, ttl: 10 });
    assert.throws(() => f(1), /fail 1 #1/);
    assert.throws(() => f(1), /fail 1 #1/);
    assert.equal(calls, 1);
    clock.advance(10_001);
    assert.throws(() => f(1), /fail 1 #2/);
  } finally {
    clock.restore();
  }
});

test('async: concurrent calls share one execution (single-flight); the value is cached as the same promise', async () => {
  let calls = 0;
  const gate = deferred<number>();
  const f = memoize(async (x: number) => { calls++; return (await gate.promise) + x; });
  const p1 = f(1);
  const p2 = f(1);
  assert.equal(p1, p2);
  gate.resolve(10);
  assert.equal(await p1, 11);
  assert.equal(await f(1), 11);
  assert.equal(calls, 1);
  assert.deepEqual({ hits: cacheOf(f).stats().hits, misses: cacheOf(f).stats().misses }, { hits: 2, misses: 1 });
});

test('async: a rejection reaches every waiter, is not cached, and the next call retries', async () => {
  let calls = 0;
  const gate = deferred<number>();
  const f = memoize(async (x: number) => { calls++; if (calls === 1) return gate.promise; return x; });
  const a = f(1);
  const b = f(1);
  const err = new Error('down');
  gate.reject(err);
  await assert.rejects(a, (e) => e === err);
  await assert.rejects(b, (e) => e === err);
  await settle();
  assert.equal(await cacheOf(f).has(1), false);
  assert.equal(await f(1), 1);
  assert.equal(calls, 2);
  const s = cacheOf(f).stats();
  assert.equal(s.errors, 1);
  assert.equal(s.evictions.explicit, 0, 'dropping a failed in-flight promise is not an eviction');
});

test('async with cacheErrors: the rejected promise stays cached', async () => {
  let calls = 0;
  const f = memoize(async () => { calls++; throw new Error('nope'); }, { cacheErrors: true });
  await assert.rejects(f(), /nope/);
  await settle();
  await assert.rejects(f(), /nope/);
  assert.equal(calls, 1);
});

test('ttl (seconds or "90s"/"5m"/"1h") expires values by the injected clock', () => {
  const clock = fakeClock();
  try {
    for (const [ttl, ms] of [[2, 2000], ['90s', 90_000], ['5m', 300_000], ['1h', 3_600_000]] as const) {
      let calls = 0;
      const f = memoize((x: number) => { calls++; return x; }, { ttl });
      f(1);
      clock.advance(ms - 1);
      f(1);
      assert.equal(calls, 1, `${ttl}: still fresh 1 ms before expiry`);
      clock.advance(1);
      f(1);
      assert.equal(calls, 2, `${ttl}: expired at the ttl`);
      assert.ok(cacheOf(f).stats().evictions.expired >= 1);
    }
  } finally {
    clock.restore();
  }
});

test('the `clock` option gives one function its own clock', () => {
  let t = 0;
  let calls = 0;
  const f = memoize(() => ++calls, { ttl: 1, clock: () => t });
  f(); f();
  t = 1000;
  assert.equal(f(), 2);
});

test('ttl applies to in-flight promises: a call that hangs past the ttl does not block later callers', async () => {
  const clock = fakeClock();
  try {
    const hung = deferred<string>();
    let calls = 0;
    const f = memoize(async () => { calls++; return calls === 1 ? hung.promise : 'second'; }, { ttl: 5 });
    const first = f();
    assert.equal(f(), first);
    clock.advance(5000);
    assert.equal(await f(), 'second');
    assert.equal(calls, 2);
    hung.resolve('late');
    assert.equal(await first, 'late');
  } finally {
    clock.restore();
  }
});

test('memory is bounded by default (max 1000) and evicts by size, counting the cause', () => {
  assert.equal(DEFAULT_MAX, 1000);
  const f = memoize((x: number) => x);
  for (let i = 0; i < 1500; i++) f(i);
  const s = cacheOf(f).stats();
  assert.ok(s.entries <= 1000, `entries ${s.entries}`);
  assert.equal(s.evictions.size, 1500 - s.entries);
  assert.equal(registry.get(cacheOf(f).id)?.options.max, 1000);
});

test('max bounds the entries', () => {
  const f = memoize((x: number) => x, { max: 3 });
  for (let i = 0; i < 10; i++) f(i);
  assert.ok(cacheOf(f).stats().entries <= 3);
});

test('max: Infinity is unbounded and logs one warning', async () => {
  const warnings: Error[] = [];
  const listener = (w: Error): void => { if ((w as { code?: string }).code === 'CACHELENS_UNBOUNDED') warnings.push(w); };
  process.on('warning', listener);
  try {
    const f = memoize((x: number) => x, { max: Infinity });
    memoize((x: number) => x, { max: Infinity });
    for (let i = 0; i < 3000; i++) f(i);
    await settle();
    assert.equal(cacheOf(f).stats().entries, 3000);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /unbounded/);
  } finally {
    process.off('warning', listener);
  }
});

test('maxBytes bounds the approximate bytes held', () => {
  const f = memoize((n: number) => 'x'.repeat(1000) + n, { maxBytes: '10KB', max: 10_000 });
  for (let i = 0; i < 100; i++) f(i);
  const s = cacheOf(f).stats();
  assert.ok(s.bytes <= 10 * 1024 && s.bytes > 0, `bytes ${s.bytes}`);
  assert.ok(s.entries < 100 && s.evictions.size > 0);
});

test('key: a custom key function (gets the arguments and this)', () => {
  let calls = 0;
  const f = memoize((user: { id: number; name: string }) => { calls++; return user.name; }, { key: (user) => user.id });
  assert.equal(f({ id: 1, name: 'a' }), 'a');
  assert.equal(f({ id: 1, name: 'changed' }), 'a');
  assert.equal(calls, 1);
  // Class instances are fine once a key says what matters.
  class Conn { constructor(readonly url: string) {} }
  const g = memoize((c: Conn) => c.url.length, { key: (c) => ({ url: c.url }) });
  assert.equal(g(new Conn('ab')), 2);
  assert.equal(cacheOf(g).stats().hits, 0);
  g(new Conn('ab'));
  assert.equal(cacheOf(g).stats().hits, 1);
  const bad = memoize((x: number) => x, { key: () => ({ fn: () => 1 }) });
  assert.throws(() => bad(1), (e: unknown) => e instanceof CacheKeyError && e.argumentIndex === -1 && e.path === '.fn' && /returned by its `key` option/.test(e.message));
});

test('cacheIf: results the predicate rejects are returned but not cached (sync and async)', async () => {
  let calls = 0;
  const f = memoize((x: number) => { calls++; return x > 0 ? [x] : []; }, { cacheIf: (rows) => rows.length > 0 });
  f(0); f(0); f(1); f(1);
  assert.equal(calls, 3);
  let asyncCalls = 0;
  const g = memoize(async (x: number) => { asyncCalls++; return x; }, { cacheIf: (v) => v !== 0 });
  assert.equal(await g(0), 0);
  await settle();
  assert.equal(await g(0), 0);
  assert.equal(await g(2), 2);
  await settle();
  assert.equal(await g(2), 2);
  assert.equal(asyncCalls, 3);
});

test('a cacheIf that throws: 5 calls give one CACHELENS_CACHEIF warning per function, and no result is cached', async () => {
  const warnings: Error[] = [];
  const listener = (w: Error): void => { if ((w as { code?: string }).code === 'CACHELENS_CACHEIF') warnings.push(w); };
  process.on('warning', listener);
  try {
    let calls = 0;
    const predicate = (): boolean => { throw new Error('predicate broke'); };
    const f = memoize((x: number) => { calls++; return x; }, { id: 'warn-once#f', cacheIf: predicate });
    const g = memoize(async (x: number) => { calls++; return x; }, { id: 'warn-once#g', cacheIf: predicate });
    for (let i = 0; i < 5; i++) assert.equal(f(1), 1);
    for (let i = 0; i < 5; i++) { assert.equal(await g(1), 1); await settle(); }
    await settle();
    assert.equal(calls, 10, 'a throwing predicate means "do not cache"');
    assert.deepEqual(warnings.map((w) => /cacheIf of "([^"]+)"/.exec(w.message)?.[1]), ['warn-once#f', 'warn-once#g']);
    assert.match(warnings[0]!.message, /predicate broke/);
  } finally {
    process.off('warning', listener);
  }
});

test('staleWhileRevalidate: a stale value is served while one background refresh runs', async () => {
  const clock = fakeClock();
  try {
    let version = 0;
    const f = memoize(() => ++version, { ttl: 10, staleWhileRevalidate: 60 });
    assert.equal(f(), 1);
    clock.advance(10_000);
    assert.equal(f(), 1, 'stale value served');
    assert.equal(f(), 1, 'still stale: only one refresh is scheduled');
    await settle();
    assert.equal(version, 2, 'exactly one background refresh ran');
    assert.equal(f(), 2);
    assert.equal(cacheOf(f).stats().staleServed, 2);
    clock.advance(70_001);
    assert.equal(f(), 3, 'past ttl + staleWhileRevalidate the value is gone: a plain miss');
  } finally {
    clock.restore();
  }
});

test('staleWhileRevalidate with an async function keeps serving the stale promise during the refresh', async () => {
  const clock = fakeClock();
  try {
    let version = 0;
    const gate = deferred<void>();
    const f = memoize(async () => { version++; if (version === 2) await gate.promise; return version; }, { ttl: 1, staleWhileRevalidate: 10 });
    assert.equal(await f(), 1);
    await settle();
    clock.advance(1000);
    assert.equal(await f(), 1);
    await settle();
    assert.equal(await f(), 1, 'refresh still running: stale value');
    gate.resolve();
    await settle();
    assert.equal(await f(), 2);
  } finally {
    clock.restore();
  }
});

test('staleWhileRevalidate without a ttl is an OptionsError at the first call', () => {
  const f = memoize(() => 1, { staleWhileRevalidate: 10 });
  assert.throws(() => f(), (e: unknown) => e instanceof OptionsError && e.option === 'staleWhileRevalidate');
});

test('cacheOf: has, delete, refresh, fresh (bypass), clear, stats', async () => {
  let calls = 0;
  const f = memoize((x: number) => { calls++; return x * 10 + calls; });
  const c = cacheOf(f);
  assert.equal(f(1), 11);
  assert.equal(await c.has(1), true);
  assert.equal(await c.has(2), false);
  assert.equal(c.fresh(1), 12, 'fresh calls fn');
  assert.equal(f(1), 11, 'fresh neither read nor wrote the cache');
  assert.equal(c.refresh(1), 13, 'refresh recomputes');
  assert.equal(f(1), 13, 'and stores');
  assert.deepEqual(await c.delete(1), { removed: true, confirmed: true });
  assert.deepEqual(await c.delete(1), { removed: false, confirmed: true });
  assert.equal(f(1), 14);
  f(2);
  await c.clear();
  assert.equal(await c.has(1), false);
  assert.equal(await c.has(2), false);
  const s = c.stats();
  assert.equal(s.entries, 0);
  assert.equal(s.evictions.explicit, 3);
  assert.equal(c.id, registry.get(c.id)?.id);
});

test('cacheOf rejects what memoize did not return, naming the fix', () => {
  assert.throws(() => cacheOf((x: number) => x), (e: unknown) => e instanceof NotMemoizedError && e.code === 'CACHELENS_NOT_MEMOIZED');
});

test('stats: hits, misses, errors, computeMs, computed and savedMs = the mean miss time at each hit', () => {
  // The function spends 2, 4, 6 ms of its own clock (which also times computations).
  let t = 0;
  let cost = 0;
  const f = memoize((x: number) => { t += (cost += 2); if (x < 0) throw new Error('neg'); return x; }, { clock: () => t });
  f(1); f(1); f(1); f(2);
  assert.throws(() => f(-1));
  const s = cacheOf(f).stats();
  assert.equal(s.hits, 2);
  assert.equal(s.misses, 3);
  assert.equal(s.errors, 1);
  assert.equal(s.computeMs, 2 + 4 + 6);
  assert.equal(s.computed, 3);
  assert.equal(s.savedMs, 2 * 2, 'both hits came while the mean was 2 ms; later misses do not change what they saved');
  assert.equal(s.entries, 2);
  assert.ok(s.bytes > 0);
});

test('registry: lists functions with id, backend, options summary and location; duplicate ids get #2', async () => {
  const seen: MemoizedInfo[] = [];
  const off = registry.onRegister((info) => seen.push(info));
  const a = memoize((x: number) => x, { id: 'src/dup.ts#fn', ttl: '5m' });
  const b = memoize((x: number) => x, { id: 'src/dup.ts#fn' });
  off();
  memoize((x: number) => x, { id: 'src/dup.ts#after-unsubscribe' });
  assert.deepEqual(seen.map((i) => i.id), ['src/dup.ts#fn', 'src/dup.ts#fn#2']);
  assert.equal(cacheOf(a).id, 'src/dup.ts#fn');
  assert.equal(cacheOf(b).id, 'src/dup.ts#fn#2');
  const info = registry.get('src/dup.ts#fn')!;
  assert.equal(info.backend, 'memory');
  assert.equal(info.backendType, 'memory');
  assert.deepEqual({ ...info.options }, { ttl: 300, max: 1000, maxBytes: null, cacheErrors: false, staleWhileRevalidate: null, key: 'arguments', cacheIf: false });
  assert.equal(info.location?.file, 'test/unit/runtime/memoize.test.ts');
  assert.ok((info.location?.line ?? 0) > 0);
  assert.equal(info.health(), 'ok');
  a(1); a(1);
  assert.equal(info.stats().hits, 1);
  await info.clear();
  assert.equal(info.stats().entries, 0);
  assert.ok(registry.list().includes(info));
  JSON.stringify(info.options); // serializable
});

test('default ids name the file and the function', () => {
  function getPrices() { return 1; }
  const f = memoize(getPrices);
  assert.equal(cacheOf(f).id.replace(/#\d+$/, ''), 'test/unit/runtime/memoize.test.ts#getPrices');
});

test('bad options are OptionsErrors naming the option, thrown by memoize itself', () => {
  const cases: [unknown, string][] = [
    [{ tll: 5 }, 'tll'],
    [{ ttl: '5 minutes' }, 'ttl'],
    [{ ttl: -1 }, 'ttl'],
    [{ max: 0 }, 'max'],
    [{ max: 1.5 }, 'max'],
    [{ maxBytes: 'lots' }, 'maxBytes'],
    [{ key: 'id' }, 'key'],
    [{ cacheErrors: 'yes' }, 'cacheErrors'],
    [{ cacheIf: true }, 'cacheIf'],
    [{ id: '' }, 'id'],
    [{ backend: 5 }, 'backend'],
    ['ttl', 'options'],
  ];
  for (const [options, option] of cases) {
    assert.throws(() => memoize((x: number) => x, options as never), (e: unknown) => e instanceof OptionsError && e.option === option && e.code === 'CACHELENS_OPTIONS', JSON.stringify(options));
  }
  assert.throws(() => memoize(42 as never), (e: unknown) => e instanceof OptionsError && e.option === 'fn');
});

test('the lru backend: caching, ttl by the injected clock, eviction by size', () => {
  const clock = fakeClock();
  try {
    let calls = 0;
    const f = memoize((x: number) => { calls++; return x; }, { backend: 'lru', max: 2, ttl: 1 });
    f(1); f(1);
    assert.equal(calls, 1);
    f(2); f(3);
    const s = cacheOf(f).stats();
    assert.equal(s.entries, 2);
    assert.equal(s.evictions.size, 1);
    clock.advance(1001);
    f(3);
    assert.equal(calls, 4);
    assert.ok(cacheOf(f).stats().evictions.expired >= 1);
    assert.equal(registry.get(cacheOf(f).id)?.backendType, 'lru');
    const undef = memoize(() => undefined, { backend: 'lru' });
    undef(); undef();
    assert.equal(cacheOf(undef).stats().hits, 1);
  } finally {
    clock.restore();
  }
});

test('the lru backend refuses max: Infinity at the first call', () => {
  const f = memoize((x: number) => x, { backend: 'lru', max: Infinity });
  assert.throws(() => f(1), (e: unknown) => e instanceof OptionsError && e.option === 'max');
});

test('without code generation from strings (--disallow-code-generation-from-strings) the same call path runs as a closure', () => {
  const script = `
    const { memoize, cacheOf } = require('./runtime/src/index.ts');
    let calls = 0;
    const f = memoize((...args) => { calls++; return args.length; });
    for (const args of [[1], ['a'], ['a', 'b'], [{ x: 1 }], [1, 2, 3], [1], ['a'], ['a', 'b'], [{ x: 1 }], [1, 2, 3]]) f(...args);
    process.stdout.write(JSON.stringify({ calls, hits: cacheOf(f).stats().hits }));`;
  const child = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '-e', script], { cwd: path.resolve(__dirname, '../../..'), encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { calls: 5, hits: 5 });
});

test('a memoized function that calls itself costs few stack frames a level, compiled or not', () => {
  // On a miss of its own keys the call path calls the function itself (CallPathParts.fn); the
  // cell's general paths compute in their own frames. Before, a level took three frames for one
  // number, four for an object or three arguments and six for two numbers (a cold recursion of
  // two numbers overflowed at ~1,000 levels, the plain function at ~8,200).
  for (const flags of [[], ['--disallow-code-generation-from-strings']]) {
    const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', path.join(__dirname, 'recursion-child.ts')], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { oneNumber: 2, twoStrings: 2, object: 3, three: 3, twoNumbers: 4, five: 4 }, flags.join(' ') || 'compiled');
  }
});

test('every shape of arguments: a throw is rethrown and not cached, `this` is passed, the value is cached after', () => {
  const cases: unknown[][] = [[], [1], ['a'], [2, 3], ['a', 'b'], [{ x: 1 }], [1, 's', { y: 2 }], [1, 2, 3, 4, 5], [true], [1n]];
  for (const args of cases) {
    let calls = 0;
    const f = memoize(function (this: { base: number } | undefined, ...xs: unknown[]): string {
      calls++;
      if (calls === 1) throw new Error(`first ${xs.length}`);
      return `${this?.base ?? 'none'}:${xs.length}`;
    });
    const self = { base: 7, f };
    assert.throws(() => self.f(...args), { message: `first ${args.length}` }, JSON.stringify(args.map(String)));
    assert.equal(self.f(...args), `7:${args.length}`);
    assert.equal(self.f(...args), `7:${args.length}`);
    assert.equal(calls, 2, JSON.stringify(args.map(String)));
    const s = cacheOf(f).stats();
    assert.deepEqual([s.hits, s.misses, s.errors], [1, 2, 1], JSON.stringify(args.map(String)));
  }
});

test('two string arguments: pairs are told apart, long strings work, and the remembered pair keys stay bounded', () => {
  let calls = 0;
  const f = memoize((a: string, b: string) => { calls++; return `${a}|${b}`; }, { max: 10_000 });
  assert.equal(f('ab', 'c'), 'ab|c');
  assert.equal(f('a', 'bc'), 'a|bc');
  const long = 'x'.repeat(300);
  assert.equal(f(long, 'y'), `${long}|y`);
  assert.equal(f(long, 'y'), `${long}|y`);
  assert.equal(calls, 3);
  for (let i = 0; i < 6000; i++) f(`k${i}`, 'v'); // past the remembered-pairs bound
  assert.equal(calls, 6003);
  assert.equal(f('ab', 'c'), 'ab|c');
  assert.equal(f('k5999', 'v'), 'k5999|v');
  assert.equal(f('k10', 'v'), 'k10|v');
  assert.equal(calls, 6003, 'all still cached, whether or not their pair key is remembered');
  assert.equal(cacheOf(f).has('k10', 'v').constructor, Promise);
});
