/** The reporter's observe-mode figures: sent as the stats messages' optional `observed` field, only when they changed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRuntimeMessage, type ObservedStats } from '../../../runtime/src/protocol.js';
import { Reporter } from '../../../runtime/src/reporter/index.js';
import { FakeClock, FakeSocket, TestRegistry, fakeSockets } from './fakes.js';

const identity = { instance: 'inst-1', pid: 7, app: 'shop', runtime: 'cachelens-js', runtimeVersion: '0.1.0', hostname: 'box', startedAt: 5 };

test('observed figures go out in stats messages with an empty stats list, changed ones only, all again after a reconnect', () => {
  const clock = new FakeClock();
  const registry = new TestRegistry();
  const observed: ObservedStats[] = [{ id: 'a.js#f', file: 'a.js', line: 3, calls: 10, repeats: 7, unkeyable: 0, totalMs: 4 }];
  const source = Object.assign(Object.create(registry) as TestRegistry, { observed: () => observed.map((o) => ({ ...o })) });
  const sockets: FakeSocket[] = [];
  const reporter = new Reporter({
    endpoint: 'ws://127.0.0.1:1/?token=t', source, identity, clock, random: () => 0.5,
    socketFactory: fakeSockets(sockets),
  });
  reporter.start();
  sockets[0]!.open();
  const withObserved = () => sockets[sockets.length - 1]!.ofType('stats').filter((m) => m.observed !== undefined);
  assert.equal(withObserved().length, 1);
  const first = withObserved()[0]!;
  assert.deepEqual(first.stats, []);
  assert.deepEqual(first.observed, observed);
  assert.equal(parseRuntimeMessage(JSON.stringify(first)).ok, true, 'the message passes the protocol validator');

  clock.advance(250);
  assert.equal(withObserved().length, 1, 'unchanged figures are not sent again');
  observed[0]!.calls = 11;
  clock.advance(250);
  assert.equal(withObserved().length, 2);
  assert.equal((withObserved()[1]!.observed as ObservedStats[])[0]!.calls, 11);

  sockets[0]!.close();
  clock.advance(1000);
  sockets[1]!.open();
  assert.equal(withObserved().length, 1, 'a new connection gets every observed function again');
  reporter.stop();
});
