import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { now, setClock, tickNow } from '../../../runtime/src/clock.js';

test('tickNow: reads the real clock at most once per tick, and advances once the event loop runs', async () => {
  const first = tickNow();
  const spin = Date.now() + 5;
  while (Date.now() < spin) { /* a synchronous run of code */ }
  assert.equal(tickNow(), first, 'time stands still within one synchronous run');
  assert.ok(Math.abs(first - Date.now()) < 1000);
  await sleep(5);
  assert.ok(tickNow() > first, 'the next tick reads the clock again');
});

test('tickNow: a clock replaced with setClock is read exactly, on every call', () => {
  let t = 1000;
  const restore = setClock(() => t);
  try {
    assert.equal(tickNow(), 1000);
    t = 1001;
    assert.equal(tickNow(), 1001);
    assert.equal(now(), 1001);
  } finally {
    restore();
  }
  assert.notEqual(tickNow(), 1001);
});

test('tickNow: its timer never keeps the process alive', async () => {
  await sleep(5); // any earlier tick has ended
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  tickNow();
  assert.equal(timers(), before, 'the 1 ms timer is unref\'d');
});
