/**
 * How a memoized function times its computations: every one under a `clock` option or when they
 * are slow; after 16, one in 16 of fast ones, the others counted at the mean of the timed ones.
 * Counts and sums only, read off a fake clock (no timing assertions).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheOf, memoize } from '../../../runtime/src/index.js';
import { ComputeTimer } from '../../../runtime/src/memoize/compute-timer.js';
import { Stats } from '../../../runtime/src/stats.js';

/** A clock that counts its readings and advances by `step` ms at each computation's end. */
function countingClock() {
  const c = { t: 0, readings: 0, read: () => { c.readings++; return c.t; } };
  return c;
}

function run(timer: ComputeTimer, clock: { t: number }, computations: number, ms: number): void {
  for (let i = 0; i < computations; i++) {
    const t0 = timer.start();
    clock.t += ms;
    timer.stop(t0);
  }
}

test('fast computations: the first 16 are timed, then one in 16; computeMs is their count times the mean', () => {
  const clock = countingClock();
  const stats = new Stats();
  run(new ComputeTimer(stats, clock.read, false), clock, 16 + 160, 0.001);
  assert.equal(clock.readings, 2 * (16 + 10));
  assert.equal(stats.computed, 176);
  assert.ok(Math.abs(stats.computeMs - 176 * 0.001) < 1e-9, `computeMs ${stats.computeMs}`);
});

test('slow computations (a mean of 0.02 ms or more) are all timed', () => {
  const clock = countingClock();
  const stats = new Stats();
  run(new ComputeTimer(stats, clock.read, false), clock, 100, 0.025);
  assert.equal(clock.readings, 200);
  assert.ok(Math.abs(stats.computeMs - 100 * 0.025) < 1e-9);
});

test('a function that turns slow is timed in full again once its mean passes the threshold', () => {
  const clock = countingClock();
  const stats = new Stats();
  const timer = new ComputeTimer(stats, clock.read, false);
  run(timer, clock, 32, 0.001);
  const before = clock.readings;
  run(timer, clock, 16 * 20, 1); // sampled at first; each timed one raises the mean
  assert.ok(clock.readings - before > 2 * 20 + 100, `readings ${clock.readings - before}`);
  assert.equal(stats.computed, 32 + 320);
});

test('exact (a clock option): every computation is timed, however fast', () => {
  const clock = countingClock();
  const stats = new Stats();
  run(new ComputeTimer(stats, clock.read, true), clock, 100, 0.001);
  assert.equal(clock.readings, 200);
});

test('memoize with a fake clock keeps computeMs exact over many fast misses', () => {
  let t = 0;
  const f = memoize((x: number) => { t += 0.001; return x; }, { clock: () => t, max: 10 });
  for (let i = 0; i < 200; i++) f(i);
  const s = cacheOf(f).stats();
  assert.equal(s.computed, 200);
  assert.ok(Math.abs(s.computeMs - 0.2) < 1e-9, `computeMs ${s.computeMs}`);
});

test('memoize without a clock: every completed computation is counted, computeMs is finite', () => {
  const f = memoize((x: number) => x + 1, { max: 10 });
  for (let i = 0; i < 500; i++) f(i);
  const s = cacheOf(f).stats();
  assert.deepEqual([s.misses, s.computed], [500, 500]);
  assert.ok(Number.isFinite(s.computeMs) && s.computeMs >= 0 && Number.isFinite(s.savedMs));
});
