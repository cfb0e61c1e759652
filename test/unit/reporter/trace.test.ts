/** The trace request and its answer: validators (good and bad messages) and the reporter's side, with real memoized functions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memoize, registry } from '../../../runtime/src/index.js';
import {
  decodeHashes, decodeTimes, encodeHashes, encodeTimes, MAX_MESSAGE_BYTES, MAX_TRACE_ENTRIES, MAX_TRACE_TIMES, parseExtensionMessage, parseRuntimeMessage, type TraceMessage,
} from '../../../runtime/src/protocol.js';
import { Reporter } from '../../../runtime/src/reporter/index.js';
import { TraceRecorder } from '../../../runtime/src/simulate/recorder.js';
import { FakeClock, FakeSocket, fakeSockets } from './fakes.js';

const identity = { instance: 'inst-t', pid: 9, app: 'shop', runtime: 'cachelens-js', runtimeVersion: '0.1.0', hostname: 'box', startedAt: 5 };

function goodTrace(count = 3): TraceMessage {
  const keys = Int32Array.from({ length: count }, (_, i) => (i * 0x9e3779b1) | 0);
  return { v: 1, type: 'trace', requestId: 'r1', id: 'src/a.ts#f', recording: true, sampleRate: 0.5, seen: count + 10, maxEntries: 1000, max: 100, count, hashes: encodeHashes(keys) };
}

describe('trace messages: validation', () => {
  test('a well-formed trace and trace-request pass, with and without a max and a recording', () => {
    assert.equal(parseRuntimeMessage(JSON.stringify(goodTrace())).ok, true);
    assert.equal(parseRuntimeMessage({ ...goodTrace(), max: null }).ok, true);
    assert.equal(parseRuntimeMessage({ ...goodTrace(0), recording: false, maxEntries: 0, seen: 0, sampleRate: 1 }).ok, true);
    assert.equal(parseExtensionMessage({ v: 1, type: 'trace-request', requestId: 'r1', id: 'src/a.ts#f' }).ok, true);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['more hashes than maxEntries', { ...goodTrace(3), maxEntries: 2 }, /count: at most maxEntries/],
    ['hashes shorter than count says', { ...goodTrace(3), count: 4, seen: 20 }, /hashes: the base64 of 4/],
    ['hashes not base64', { ...goodTrace(3), hashes: 'AAAA!AAAAAAAAAAA' }, /hashes: a base64 string/],
    ['hashes not a string', { ...goodTrace(3), hashes: [1, 2, 3] }, /hashes: a base64 string/],
    ['sampleRate 0', { ...goodTrace(), sampleRate: 0 }, /sampleRate: a number in \(0, 1\]/],
    ['sampleRate above 1', { ...goodTrace(), sampleRate: 1.5 }, /sampleRate/],
    ['max 0', { ...goodTrace(), max: 0 }, /max: null or an integer >= 1/],
    ['max fractional', { ...goodTrace(), max: 2.5 }, /max: null or an integer >= 1/],
    ['seen below count', { ...goodTrace(3), seen: 2 }, /seen: at least count/],
    ['hashes while not recording', { ...goodTrace(3), recording: false }, /count: 0 when not recording/],
    ['more than the protocol allows', { ...goodTrace(0), count: MAX_TRACE_ENTRIES + 1, maxEntries: MAX_TRACE_ENTRIES + 5, seen: MAX_TRACE_ENTRIES + 5 }, /count: at most 131072/],
    ['no requestId', { ...goodTrace(), requestId: undefined }, /requestId/],
    ['negative count', { ...goodTrace(0), count: -1 }, /count: an integer >= 0/],
    ['times for fewer lookups than count', { ...goodTrace(3), times: encodeTimes([0, 5]) }, /times: the base64 of 3 4-byte times/],
    ['times not base64', { ...goodTrace(3), times: 'AAAA!AAAAAAAAAAA' }, /times: the base64 of 3/],
    ['times not a string', { ...goodTrace(3), times: [0, 1, 2] }, /times: the base64 of 3/],
    ['times while not recording', { ...goodTrace(0), recording: false, maxEntries: 0, seen: 0, sampleRate: 1, times: encodeTimes([0]) }, /times: the base64 of 0/],
    ['ttlMs 0', { ...goodTrace(), ttlMs: 0 }, /ttlMs: a number of ms > 0/],
    ['ttlMs a string', { ...goodTrace(), ttlMs: '30s' }, /ttlMs: a number of ms > 0/],
  ];
  for (const [what, message, detail] of bad) {
    test(`dropped: ${what}`, () => {
      const parsed = parseRuntimeMessage(message);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.equal(parsed.fault, 'bad-field');
        assert.match(parsed.detail, detail);
      }
    });
  }

  test('times and a TTL are optional: a trace without them (an older runtime\'s) passes, one with them too', () => {
    const old = goodTrace(3);
    assert.equal('times' in old || 'ttlMs' in old, false);
    assert.equal(parseRuntimeMessage(JSON.stringify(old)).ok, true);
    assert.equal(parseRuntimeMessage({ ...goodTrace(3), times: encodeTimes([0, 5, 7]), ttlMs: 30_000 }).ok, true);
    assert.equal(parseRuntimeMessage({ ...goodTrace(0), recording: false, maxEntries: 0, seen: 0, sampleRate: 1, times: '' }).ok, true);
  });

  test('times survive the base64 round trip as offsets from the first, up to the uint32 range', () => {
    assert.deepEqual([...decodeTimes(encodeTimes([1000, 1000, 1250.4, 1000 + 0xfffffffe]))], [0, 0, 250, 0xfffffffe]);
    assert.equal(encodeTimes([]), '');
  });

  test('a trace-request without an id, or with an empty requestId, is dropped', () => {
    assert.equal(parseExtensionMessage({ v: 1, type: 'trace-request', requestId: 'r1' }).ok, false);
    assert.equal(parseExtensionMessage({ v: 1, type: 'trace-request', requestId: '', id: 'x' }).ok, false);
  });

  test('hashes survive the base64 round trip, negative ones too', () => {
    const keys = Int32Array.from([0, 1, -1, 0x7fffffff, -0x80000000, 123456789]);
    assert.deepEqual([...decodeHashes(encodeHashes(keys))], [...keys]);
    assert.equal(encodeHashes(new Int32Array(0)), '');
  });
});

describe('trace requests: the reporter answers from the real registry', () => {
  function connected(): FakeSocket {
    const sockets: FakeSocket[] = [];
    const reporter = new Reporter({
      endpoint: 'ws://127.0.0.1:1/?token=t', source: registry, identity, clock: new FakeClock(),
      socketFactory: fakeSockets(sockets),
    });
    reporter.start();
    sockets[0]!.open();
    return sockets[0]!;
  }
  const ask = (socket: FakeSocket, id: string): Record<string, unknown> => {
    const before = socket.sent.length;
    socket.onmessage?.({ data: JSON.stringify({ v: 1, type: 'trace-request', requestId: `req-${id}`, id }) });
    return socket.sent.slice(before).find((m) => m.requestId === `req-${id}`)!;
  };

  test('a traced function: its hashes in order, its sample rate, seen and max; the answer validates', () => {
    const f = memoize((x: number) => x + 1, { id: 'trace.unit#f', max: 64, trace: { maxEntries: 500 } });
    for (const x of [1, 2, 1, 3, 1]) f(x);
    const socket = connected();
    const answer = ask(socket, 'trace.unit#f');
    const parsed = parseRuntimeMessage(JSON.stringify(answer));
    assert.equal(parsed.ok, true, JSON.stringify(parsed));
    const trace = answer as unknown as TraceMessage;
    assert.equal(trace.type, 'trace');
    assert.equal(trace.recording, true);
    assert.equal(trace.max, 64);
    assert.equal(trace.maxEntries, 500);
    assert.equal(trace.seen, 5);
    assert.deepEqual([...decodeHashes(trace.hashes)], [...registry.get('trace.unit#f')!.trace!.snapshot()]);
  });

  test('a traced function with a TTL: its times (offsets from its first lookup, from the function clock) and ttlMs', () => {
    let t = 5_000;
    const f = memoize((x: number) => x + 1, { id: 'trace.unit#timed', ttl: '30s', trace: {}, clock: () => t });
    for (const [x, at] of [[1, 5_000], [2, 6_000], [1, 40_000]] as const) {
      t = at;
      f(x);
    }
    const answer = ask(connected(), 'trace.unit#timed') as unknown as TraceMessage;
    assert.equal(parseRuntimeMessage(JSON.stringify(answer)).ok, true);
    assert.equal(answer.ttlMs, 30_000);
    assert.equal(answer.count, 3);
    assert.deepEqual([...decodeTimes(answer.times!)], [0, 1_000, 35_000]);
  });

  test('a function without tracing: recording false, and how to turn it on is the extension\'s to say', () => {
    const g = memoize((x: number) => x, { id: 'trace.unit#g', trace: false });
    g(1);
    const answer = ask(connected(), 'trace.unit#g');
    assert.deepEqual({ ...answer, v: undefined }, { v: undefined, type: 'trace', requestId: 'req-trace.unit#g', id: 'trace.unit#g', recording: false, sampleRate: 1, seen: 0, maxEntries: 0, max: 1000, count: 0, hashes: '' });
  });

  test('an unknown function: a failed result', async () => {
    const socket = connected();
    assert.equal(ask(socket, 'trace.unit#nobody'), undefined, 'answered once the failure settles');
    await new Promise((resolve) => setImmediate(resolve));
    const answer = socket.sent.find((m) => m.requestId === 'req-trace.unit#nobody')!;
    assert.equal(answer.type, 'result');
    assert.equal(answer.ok, false);
    assert.match(String(answer.error), /no memoized function with id trace.unit#nobody/);
  });

  test('a recording larger than the protocol allows: the most recent MAX_TRACE_ENTRIES, in one frame under the limit', () => {
    const recorder = new TraceRecorder({ maxEntries: MAX_TRACE_ENTRIES + 1000 });
    for (let i = 0; i < MAX_TRACE_ENTRIES + 1000; i++) recorder.recordHash(i);
    const source = {
      list: () => [],
      get: (id: string) => (id === 'big' ? { id, backend: 'memory', backendType: 'memory', options: { max: null }, stats: () => { throw new Error('unused'); }, health: () => 'ok' as const, clear: async () => undefined, trace: recorder } : undefined),
    };
    const sockets: FakeSocket[] = [];
    new Reporter({ endpoint: 'ws://x/', source, identity, clock: new FakeClock(), socketFactory: (url) => { const s = new FakeSocket(url); sockets.push(s); return s; } }).start();
    sockets[0]!.open();
    const answer = ask(sockets[0]!, 'big') as unknown as TraceMessage;
    assert.equal(answer.count, MAX_TRACE_ENTRIES);
    assert.equal(answer.max, null);
    const keys = decodeHashes(answer.hashes);
    assert.equal(keys[0], 1000, 'the oldest 1000 lookups are left out');
    assert.equal(keys[keys.length - 1], MAX_TRACE_ENTRIES + 999);
    assert.equal(decodeTimes(answer.times!).length, MAX_TRACE_TIMES, 'times of the most recent MAX_TRACE_TIMES lookups');
    assert.ok(JSON.stringify(answer).length < MAX_MESSAGE_BYTES);
    assert.equal(parseRuntimeMessage(JSON.stringify(answer)).ok, true);
  });
});
