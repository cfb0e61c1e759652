// The fail-open guard's circuit breaker, on an injected clock.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FailOpenGuard, type GuardTicket } from '../../../runtime/src/stores/remote/guard.js';
import type { StoreEvents } from '../../../runtime/src/stores/types.js';

function setup() {
  let time = 0;
  const codes: string[] = [];
  const events: StoreEvents = { evicted: () => undefined, backendError: (e) => codes.push((e as Error & { code: string }).code) };
  const guard = new FailOpenGuard('test', { failureThreshold: 3, openMs: 1000 }, 50, () => time);
  return { guard, events, codes, advance: (ms: number) => { time += ms; } };
}
const fail = () => Promise.reject(new Error('down'));

it('answers the fallback on failure, opens after failureThreshold failures in a row, and stops calling', async () => {
  const { guard, events, codes } = setup();
  for (let i = 0; i < 3; i++) assert.equal(await guard.run(events, 'GET', fail, 'miss'), 'miss');
  assert.equal(guard.health, 'degraded');
  assert.deepEqual(codes, ['CACHELENS_BACKEND_UNAVAILABLE', 'CACHELENS_BACKEND_UNAVAILABLE', 'CACHELENS_BACKEND_UNAVAILABLE', 'CACHELENS_BACKEND_CIRCUIT_OPEN']);
  let called = false;
  assert.equal(await guard.run(events, 'GET', async () => { called = true; return 'hit'; }, 'miss'), 'miss');
  assert.equal(called, false, 'an open breaker sends nothing');
});

it('lets one probe through after openMs; its success closes the breaker', async () => {
  const { guard, events, advance } = setup();
  for (let i = 0; i < 3; i++) await guard.run(events, 'GET', fail, 'miss');
  advance(1000);
  let release!: (v: string) => void;
  const probe = guard.run(events, 'GET', () => new Promise<string>((r) => { release = r; }), 'miss');
  assert.equal(await guard.run(events, 'GET', async () => 'other', 'miss'), 'miss', 'only one probe at a time');
  release('hit');
  assert.equal(await probe, 'hit');
  assert.equal(guard.health, 'ok');
  assert.equal(await guard.run(events, 'GET', async () => 'hit', 'miss'), 'hit');
});

it('reopens for another openMs when the probe fails', async () => {
  const { guard, events, advance } = setup();
  for (let i = 0; i < 3; i++) await guard.run(events, 'GET', fail, 'miss');
  advance(1000);
  assert.equal(await guard.run(events, 'GET', fail, 'miss'), 'miss');
  advance(999);
  let called = false;
  await guard.run(events, 'GET', async () => { called = true; return 'x'; }, 'miss');
  assert.equal(called, false);
  advance(1);
  assert.equal(await guard.run(events, 'GET', async () => 'hit', 'miss'), 'hit');
});

it('bounds an operation that never settles by its own timeout', async () => {
  const { guard, events, codes } = setup();
  assert.equal(await guard.run(events, 'GET', () => new Promise<string>(() => undefined), 'miss'), 'miss');
  assert.deepEqual(codes, ['CACHELENS_BACKEND_TIMEOUT']);
});

it('rejects bad breaker options with a TypeError naming the option', () => {
  assert.throws(() => new FailOpenGuard('x', { failureThreshold: 0 }), /breaker.failureThreshold/);
  assert.throws(() => new FailOpenGuard('x', { openMs: -1 }), /breaker.openMs/);
});

it('closes when the connection is back (noteRecovered), with the first operation as the probe', async () => {
  const { guard, events } = setup();
  for (let i = 0; i < 3; i++) await guard.run(events, 'GET', fail, 'miss');
  assert.equal(guard.health, 'degraded');
  guard.noteRecovered();
  assert.equal(guard.health, 'ok', 'an idle app shows the server as ok once it is reachable');
  assert.equal(await guard.run(events, 'GET', async () => 'hit', 'miss'), 'hit', 'operations are sent again at once');
  for (let i = 0; i < 3; i++) await guard.run(events, 'GET', fail, 'miss');
  guard.noteRecovered();
  assert.equal(await guard.run(events, 'GET', fail, 'miss'), 'miss');
  assert.equal(guard.health, 'degraded', 'a failure right after recovering reopens the breaker, as a failed probe would');
});

it('leaves a closed breaker and its count of failures alone on noteRecovered', async () => {
  const { guard, events } = setup();
  await guard.run(events, 'GET', fail, 'miss');
  guard.noteRecovered();
  await guard.run(events, 'GET', fail, 'miss');
  assert.equal(guard.health, 'ok', 'two failures of three: still closed');
});

it('with a recovery probe, an open breaker closes by itself once the probe succeeds (no caller needed)', async () => {
  const guard = new FailOpenGuard('test', { failureThreshold: 2, openMs: 20 }, 50);
  const events: StoreEvents = { evicted: () => undefined };
  let up = false;
  let probes = 0;
  guard.watchRecovery(async () => { probes++; if (!up) throw new Error('still down'); });
  for (let i = 0; i < 2; i++) await guard.run(events, 'GET', fail, 'miss');
  assert.equal(guard.health, 'degraded');
  await new Promise((r) => setTimeout(r, 70));
  assert.equal(guard.health, 'degraded', 'a failing probe keeps it open');
  assert.ok(probes >= 2, `probed every openMs while down (${probes})`);
  up = true;
  const health = (): string => guard.health; // read afresh (no narrowing from the assert above)
  for (let i = 0; i < 50 && health() !== 'ok'; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(health(), 'ok');
  const after = probes;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(probes, after, 'no probing once closed');
  guard.dispose();
});

it('dispose stops the recovery probe', async () => {
  const guard = new FailOpenGuard('test', { failureThreshold: 1, openMs: 10 }, 50);
  let probes = 0;
  guard.watchRecovery(async () => { probes++; throw new Error('down'); });
  await guard.run({ evicted: () => undefined }, 'GET', fail, 'miss');
  guard.dispose();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(probes, 0);
});

it('the direct path (succeeded / failed) counts and reports as run does', async () => {
  const { guard, events, codes } = setup();
  const direct = new FailOpenGuard('test', { failureThreshold: 2, openMs: 1000 });
  assert.equal(direct.direct, true, 'closed, no own timer');
  assert.equal(guard.direct, false, 'a guard with its own bound is never direct');
  direct.failed(events, 'GET', new Error('down'));
  direct.succeeded();
  direct.failed(events, 'GET', new Error('down'));
  assert.equal(direct.health, 'ok', 'a success in between resets the count');
  direct.failed(events, 'GET', new Error('down'));
  assert.equal(direct.health, 'degraded');
  assert.equal(direct.direct, false);
  assert.deepEqual(codes, ['CACHELENS_BACKEND_UNAVAILABLE', 'CACHELENS_BACKEND_UNAVAILABLE', 'CACHELENS_BACKEND_UNAVAILABLE', 'CACHELENS_BACKEND_CIRCUIT_OPEN']);
});

it('tracked operations: one past the bound is reported as a timeout and expired once; a late answer is dropped; no timer is left', async () => {
  const { guard, events, codes } = setup(); // bound 50 ms
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const expired: number[] = [];
  const answered = guard.track(events, 'get', () => expired.push(0));
  const late = guard.track(events, 'get', () => expired.push(1));
  assert.equal(timers(), before + 1, 'one timer for every tracked operation');
  assert.equal(guard.settle(answered), true);
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(expired, [1]);
  assert.deepEqual(codes, ['CACHELENS_BACKEND_TIMEOUT']);
  assert.equal(guard.settle(late), false, 'the answer after the bound is dropped');
  assert.equal(timers(), before, 'nothing in flight, no timer holds the process');
  const again = guard.track(events, 'get', () => expired.push(2));
  assert.equal(guard.settle(again), true);
  assert.equal(timers(), before);
  assert.deepEqual(expired, [1]);
});

it('tracked operations expire in order, an answered one in between never', async () => {
  const guard = new FailOpenGuard('test', { failureThreshold: 100, openMs: 1000 }, 20);
  const events: StoreEvents = { evicted: () => undefined };
  const expired: number[] = [];
  guard.track(events, 'get', () => expired.push(1));
  const second = guard.track(events, 'get', () => expired.push(2));
  guard.track(events, 'get', () => expired.push(3));
  guard.settle(second);
  for (let i = 0; i < 200 && expired.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(expired, [1, 3]);
});

it('tracked operations under a load that never drains: answered ones never expire, the unanswered ones all do, once each', async () => {
  const guard = new FailOpenGuard('test', { failureThreshold: 1_000_000, openMs: 1000 }, 20);
  const events: StoreEvents = { evicted: () => undefined };
  const expired: number[] = [];
  const tickets: GuardTicket[] = [];
  const N = 5000;
  // Each operation j is answered once, a little out of order (odd j after j + 1), except every 7th,
  // which never is: the queue never empties while its head moves on.
  const answer = (j: number) => { if (j >= 0 && j % 7 !== 0) assert.equal(guard.settle(tickets[j]!), true, `answer ${j}`); };
  for (let i = 0; i < N; i++) {
    tickets.push(guard.track(events, 'get', () => expired.push(i)));
    answer(i % 2 === 0 ? i - 3 : i - 1);
  }
  answer(N - 3);
  answer(N - 1);
  const unanswered = tickets.flatMap((t, j) => (t.done ? [] : [j]));
  assert.deepEqual(unanswered, Array.from({ length: Math.ceil(N / 7) }, (_, k) => k * 7), 'only the never-answered ones are in flight');
  for (let i = 0; i < 300 && expired.length < unanswered.length; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(expired, unanswered);
  assert.equal(guard.settle(tickets[0]!), false, 'an answer after the bound is dropped');
});
