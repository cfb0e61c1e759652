/** The reporter, driven by a fake clock and a scripted socket. */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { CacheLensError, OptionsError } from '../../../runtime/src/errors.js';
import { Reporter } from '../../../runtime/src/reporter/index.js';
import { FakeClock, FakeSocket, TestRegistry, fakeSockets } from './fakes.js';

const identity = { instance: 'inst-1', pid: 7, app: 'shop', runtime: 'cachelens-js', runtimeVersion: '0.1.0', hostname: 'box', startedAt: 5 };

let clock: FakeClock;
let registry: TestRegistry;
let sockets: FakeSocket[];
let reporter: Reporter;
const last = () => sockets[sockets.length - 1]!;

beforeEach(() => {
  clock = new FakeClock();
  registry = new TestRegistry();
  sockets = [];
  reporter = new Reporter({
    endpoint: 'ws://127.0.0.1:1/?token=t', source: registry, identity, clock, random: () => 0.5,
    socketFactory: fakeSockets(sockets),
  });
});

describe('reporter: batching', () => {
  test('on open: hello, the function list, then a batch of only what changed every 250 ms', () => {
    const a = registry.add('src/a.ts#a');
    registry.add('src/b.ts#b');
    reporter.start();
    last().open();
    assert.deepEqual(last().sent.map((m) => m.type), ['hello', 'functions', 'stats']);
    assert.deepEqual(last().sent[0], { v: 1, type: 'hello', ...identity });
    assert.equal((last().sent[1]!.functions as unknown[]).length, 2);

    a.hits = 10;
    a.misses = 2;
    clock.advance(249);
    assert.equal(last().ofType('stats').length, 1, 'no batch before the interval');
    clock.advance(1);
    const batch = last().ofType('stats')[1]!;
    assert.equal(batch.seq, 2);
    assert.deepEqual((batch.stats as { id: string; hits: number }[]).map((s) => [s.id, s.hits]), [['src/a.ts#a', 10]]);

    clock.advance(250);
    assert.equal(last().ofType('stats').length, 2, 'nothing changed, nothing sent');
  });

  test('a function registered later is announced before its stats', () => {
    reporter.start();
    last().open();
    const c = registry.add('src/c.ts#c');
    c.hits = 1;
    clock.advance(250);
    const types = last().sent.slice(-2).map((m) => m.type);
    assert.deepEqual(types, ['functions', 'stats']);
  });

  test('skips (does not queue) a batch while the socket has too much unsent data, then catches up with totals', () => {
    const a = registry.add('src/a.ts#a');
    reporter.start();
    last().open();
    last().bufferedAmount = 10 * 1024 * 1024;
    a.hits = 5;
    clock.advance(250);
    a.hits = 9;
    clock.advance(250);
    assert.equal(last().ofType('stats').length, 1);
    last().bufferedAmount = 0;
    clock.advance(250);
    const stats = last().ofType('stats');
    assert.equal(stats.length, 2);
    assert.equal((stats[1]!.stats as { hits: number }[])[0]!.hits, 9);
  });

  test('pause stops stats, resume sends the current totals at once', () => {
    const a = registry.add('src/a.ts#a');
    reporter.start();
    last().open();
    last().receive({ v: 1, type: 'pause' });
    assert.equal(reporter.paused, true);
    a.hits = 3;
    clock.advance(1000);
    assert.equal(last().ofType('stats').length, 1);
    last().receive({ v: 1, type: 'resume' });
    assert.equal(last().ofType('stats').length, 2);
  });

  test('clear and delete-key commands are executed and answered', async () => {
    registry.add('src/a.ts#a');
    reporter.start();
    last().open();
    last().receive({ v: 1, type: 'clear', requestId: 'r1', id: 'src/a.ts#a' });
    last().receive({ v: 1, type: 'clear', requestId: 'r2', id: 'src/nope.ts#x' });
    last().receive({ v: 1, type: 'delete-key', requestId: 'r3', id: 'src/a.ts#a', key: 'k' });
    last().receive({ v: 1, type: 'clear', requestId: 'r4' });
    last().receive({ v: 9, type: 'clear', requestId: 'r5' });
    await new Promise((resolve) => setImmediate(resolve));
    const results = last().ofType('result').sort((x, y) => String(x.requestId).localeCompare(String(y.requestId)));
    assert.deepEqual(results.map((r) => [r.requestId, r.ok]), [['r1', true], ['r2', false], ['r3', false], ['r4', true]]);
    assert.match(String(results[1]!.error), /src\/nope\.ts#x/);
    assert.equal(registry.fns.get('src/a.ts#a')!.cleared, 2);
  });

  test('a registry that throws never escapes the reporter', () => {
    const errors: unknown[] = [];
    const r = new Reporter({
      endpoint: 'ws://x', identity, clock, socketFactory: (url) => (sockets.push(new FakeSocket(url)), last()),
      source: { list: () => { throw new Error('boom'); }, get: () => undefined },
      onError: (e) => errors.push(e),
    });
    r.start();
    assert.doesNotThrow(() => last().open());
    assert.doesNotThrow(() => clock.advance(1000));
    assert.ok(errors.length >= 1);
    r.stop();
  });

  test('a bad option is an OptionsError (a CacheLensError) naming it, like every error the runtime throws', () => {
    for (const [option, value] of [['intervalMs', 0], ['maxBufferedBytes', -1], ['stallMs', Number.NaN]] as const) {
      assert.throws(
        () => new Reporter({ endpoint: 'ws://x', identity, clock, socketFactory: () => new FakeSocket('ws://x'), source: registry, [option]: value }),
        (error: unknown) => error instanceof CacheLensError && error instanceof OptionsError && error.option === option && error.code === 'CACHELENS_OPTIONS',
        option,
      );
    }
  });
});

describe('reporter: reconnection', () => {
  test('backs off exponentially with jitter up to the cap, and resets after a successful connection', () => {
    reporter.start();
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      last().fail();
      delays.push(reporter.lastDelayMs);
      assert.equal(reporter.state, 'waiting');
      clock.advance(reporter.lastDelayMs - 1);
      assert.equal(sockets.length, i + 1, 'no attempt before the delay');
      clock.advance(1);
      assert.equal(sockets.length, i + 2);
    }
    // random() = 0.5: delay = 75 % of min(30 s, 500 ms * 2^attempt).
    assert.deepEqual(delays, [375, 750, 1500, 3000, 6000, 12000, 22500, 22500, 22500]);
    last().open();
    assert.equal(reporter.attempt, 0);
    last().fail();
    assert.equal(reporter.lastDelayMs, 375);
  });

  test('holds a bounded state while disconnected, however long, and catches up exactly on reconnect', () => {
    const fns = Array.from({ length: 20 }, (_, i) => registry.add(`src/f.ts#f${i}`));
    reporter.start();
    last().open();
    clock.advance(250);
    const held = reporter.heldSnapshots;
    assert.equal(held, 20);
    last().fail();
    const before = process.memoryUsage().heapUsed;
    for (let minute = 0; minute < 60; minute++) {
      for (const f of fns) f.hits += 1000;
      clock.advance(60_000);
      last().fail(); // the editor stays away: every attempt fails
      assert.ok(reporter.heldSnapshots <= 20);
      assert.ok(clock.pending.length <= 1, 'one timer at most');
    }
    assert.ok(sockets.every((s) => s === last() || s.onclose === null), 'failed sockets are released');
    assert.ok(process.memoryUsage().heapUsed - before < 50 * 1024 * 1024);
    clock.advance(reporter.lastDelayMs);
    last().open();
    const stats = last().ofType('stats');
    const totals = new Map<string, number>();
    for (const m of stats) for (const s of m.stats as { id: string; hits: number }[]) totals.set(s.id, s.hits);
    assert.equal(totals.size, 20, 'every function re-sent after the reconnect');
    for (const [, hits] of totals) assert.equal(hits, 60_000);
  });

  test('stop cancels every timer and closes the socket', () => {
    reporter.start();
    last().open();
    reporter.stop();
    assert.equal(reporter.state, 'stopped');
    assert.deepEqual(clock.pending, []);
    last().fail();
    assert.equal(sockets.length, 1, 'no reconnect after stop');
  });
});

describe('reporter: pause is per connection', () => {
  test('a reconnect starts unpaused and sends every total', () => {
    const a = registry.add('src/a.ts#a');
    reporter.start();
    last().open();
    last().receive({ v: 1, type: 'pause' });
    a.hits = 4;
    last().fail();
    clock.advance(reporter.lastDelayMs);
    last().open();
    assert.equal(reporter.paused, false);
    assert.equal((last().ofType('stats')[0]!.stats as { hits: number }[])[0]!.hits, 4);
  });
});

describe('reporter: an editor that stops reading never holds the process', () => {
  test('unsent data that does not move for stallMs (1 s) drops the connection, which is retried with a growing backoff', () => {
    const a = registry.add('src/a.ts#a');
    reporter.start();
    last().open();
    const stalled = last();
    stalled.bufferedAmount = 1000;
    a.hits = 1;
    clock.advance(750);
    assert.equal(stalled.terminated, 0, 'not yet: under a second without progress');
    stalled.bufferedAmount = 900; // the editor read a little: progress resets the watch
    clock.advance(750);
    assert.equal(stalled.terminated, 0);
    clock.advance(499);
    assert.equal(stalled.terminated, 0);
    clock.advance(1);
    assert.equal(stalled.terminated, 1, 'no progress for a second: dropped');
    assert.equal(reporter.state, 'waiting');
    const first = reporter.lastDelayMs;
    clock.advance(first);
    last().open();
    last().bufferedAmount = 5;
    clock.advance(1500);
    assert.equal(last().terminated, 1);
    assert.ok(reporter.lastDelayMs > first, `a stalled connection is a failure: the backoff grows (${first} -> ${reporter.lastDelayMs})`);
  });

  test('stop() drops a connection with unsent data at once (no close handshake with a peer that does not read)', () => {
    reporter.start();
    last().open();
    last().bufferedAmount = 10;
    reporter.stop();
    assert.equal(last().terminated, 1);
  });

  test('flush() is dropped while earlier data is unsent', () => {
    const a = registry.add('src/a.ts#a');
    reporter.start();
    last().open();
    last().bufferedAmount = 10;
    a.hits = 2;
    reporter.flush();
    assert.equal(last().ofType('stats').length, 1);
    last().bufferedAmount = 0;
    reporter.flush();
    assert.equal(last().ofType('stats').length, 2);
  });
});

describe('reporter: protocol points', () => {
  test('600 functions with ids of 4096 code points: every frame is at most 1 MiB and 500 entries, and every function is sent', () => {
    // Astral characters: 4096 code points are 8192 UTF-16 units and 16 KiB of UTF-8.
    for (let i = 0; i < 600; i++) registry.add(`${String(i).padStart(4, '0')}${'\u{1F600}'.repeat(4092)}`).hits = i + 1;
    reporter.start();
    const socket = last();
    const frames: string[] = [];
    const send = socket.send.bind(socket);
    socket.send = (data: string) => {
      frames.push(data);
      send(data);
    };
    socket.open();
    for (const frame of frames) assert.ok(Buffer.byteLength(frame) <= 1024 * 1024, `a frame of ${Buffer.byteLength(frame)} bytes`);
    const announced = socket.ofType('functions').flatMap((m) => m.functions as unknown[]);
    const stats = socket.ofType('stats').flatMap((m) => m.stats as unknown[]);
    assert.equal(announced.length, 600);
    assert.equal(stats.length, 600);
    assert.ok(socket.ofType('stats').every((m) => (m.stats as unknown[]).length <= 500));
  });

  test('a handshake refused with 403, 404 or 426 stops the reporter for good; 401 is retried with backoff', () => {
    for (const status of [403, 404, 426]) {
      const errors: string[] = [];
      const r2 = new Reporter({ endpoint: 'ws://127.0.0.1:1/?token=secret', source: registry, identity, clock, onError: (e) => errors.push(String((e as Error).message)),
        socketFactory: (url) => { const s = new FakeSocket(url); sockets.push(s); return s; } });
      r2.start();
      last().onerror?.({ message: `Unexpected server response: ${status}` });
      last().fail();
      assert.equal(r2.state, 'refused', `HTTP ${status}`);
      assert.deepEqual(clock.pending, [], 'no retry scheduled');
      assert.ok(errors.some((e) => e.includes(`HTTP ${status}`) && !e.includes('secret')), 'says why, without the token');
    }
    reporter.start();
    last().onerror?.({ message: 'Unexpected server response: 401' });
    last().fail();
    assert.equal(reporter.state, 'waiting');
    clock.advance(reporter.lastDelayMs);
    assert.equal(reporter.state, 'connecting', 'retried');
  });

  test('while paused, new functions are still announced; stats are not sent', () => {
    reporter.start();
    last().open();
    last().receive({ v: 1, type: 'pause' });
    registry.add('src/late.ts#late').hits = 3;
    clock.advance(250);
    assert.deepEqual(last().sent.slice(-1).map((m) => m.type), ['functions']);
    assert.equal(last().ofType('stats').length, 0);
  });

  test('the trace answer for a function that records nothing: recording false, count 0, hashes the empty string', () => {
    registry.add('src/a.ts#a');
    reporter.start();
    last().open();
    last().receive({ v: 1, type: 'trace-request', requestId: 'r1', id: 'src/a.ts#a' });
    const trace = last().ofType('trace')[0]!;
    assert.deepEqual([trace.recording, trace.count, trace.hashes, trace.sampleRate, trace.maxEntries], [false, 0, '', 1, 0]);
  });

  test('descriptor strings over 4096 code points are cut (a pair never split); an over-long location is left out', () => {
    const fn = registry.fns.get(registry.add('src/a.ts#a') && 'src/a.ts#a')!;
    Object.assign(fn, { backend: '\u{1F600}'.repeat(5000), location: { file: 'd/'.repeat(3000), line: 1 } });
    reporter.start();
    last().open();
    const d = (last().ofType('functions')[0]!.functions as { backend: string; location?: unknown }[])[0]!;
    assert.equal([...d.backend].length, 4096);
    assert.equal(d.backend, '\u{1F600}'.repeat(4096));
    assert.equal(d.location, undefined);
  });
});
