/**
 * What one authenticated client can cost the editor, with real sockets to the real server: a
 * connection that never says hello is closed, a process's functions are bounded in count and bytes
 * (with a drop class), frames nested too deep are dropped unparsed, the number of connections is
 * bounded, and the work per update is proportional to what changed (docs/protocol.md sections 2, 6, 7).
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import { LiveServer, type ServerTimers } from '../../../extension/src/server/server.js';
import { functionStats, hello, until, WireClient } from './wire-client.js';

/** Timers the test fires by hand: no sleeping for a timeout. */
class ManualTimers implements ServerTimers {
  readonly armed = new Map<number, { fn: () => void; ms: number }>();
  #next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.armed.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.armed.delete(handle as number);
  }
  fireAll(): void {
    const due = [...this.armed.values()];
    this.armed.clear();
    for (const t of due) t.fn();
  }
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('per-connection budgets on the real server', () => {
  test('a socket that authenticates and never says hello is closed (1008) when its hello time is up; one that said hello stays', async () => {
    const timers = new ManualTimers();
    const server = new LiveServer({ timers, helloTimeoutMs: 5000 });
    await server.start();
    try {
      const silent = await WireClient.open(server);
      const polite = await WireClient.open(server);
      await polite.send(hello('p1'));
      await until('both hello timers armed', () => server.connectionCount === 2);
      assert.deepEqual([...timers.armed.values()].map((t) => t.ms), [5000], 'the polite connection\'s timer was cleared by its hello');
      timers.fireAll();
      assert.equal(await silent.closed, 1008);
      assert.equal(server.rejections['hello-timeout'], 1);
      assert.equal(server.aggregator.connectedCount, 1);
      assert.equal(polite.socket.readyState, polite.socket.OPEN);
    } finally {
      await server.stop();
    }
  });

  test('20,000 functions with 4,000-character ids: the process keeps what fits its budget, the rest is dropped as over-budget, the heap stays bounded', async () => {
    const server = new LiveServer();
    await server.start();
    try {
      const client = await WireClient.open(server);
      await client.send(hello('greedy'));
      const before = heapUsed();
      const id = (i: number) => `src/${String(i).padStart(6, '0')}`.padEnd(4000, 'x');
      for (let i = 0; i < 20_000; i += 200) {
        const batch = Array.from({ length: 200 }, (_, k) => ({ id: id(i + k), backend: 'memory', backendType: 'memory', options: {} }));
        await client.send({ v: 1, type: 'functions', functions: batch });
      }
      const rows = server.aggregator.functions().length;
      const grown = heapUsed() - before;
      const budget = server.aggregator.maxRetainedBytesPerStream;
      console.log(`kept ${rows} of 20000 functions; heap grew ${(grown / 1e6).toFixed(1)} MB (budget ${budget / 2 ** 20} MiB); over-budget drops ${server.rejections['over-budget']}`);
      assert.ok(rows > 500 && rows < 1100, `${rows} functions kept under the ${budget}-byte budget`);
      assert.ok(server.rejections['over-budget'] >= 90, 'each batch past the budget is counted as over-budget');
      assert.ok(grown < 40e6, `heap grew ${grown} bytes (was 174 MB before budgets)`);
      assert.equal(client.socket.readyState, client.socket.OPEN, 'the connection stays open');

      // Work per update is proportional to what changed: one changed function, one row rebuilt.
      server.aggregator.functionRows();
      const rebuilt = server.aggregator.rowsRebuilt;
      await client.send({ v: 1, type: 'stats', seq: 1, at: 1, stats: [functionStats(id(3), 5, 1)] });
      assert.equal(server.aggregator.functionRows().get(id(3))!.hits, 5);
      assert.equal(server.aggregator.rowsRebuilt - rebuilt, 1);
    } finally {
      await server.stop();
    }
  });

  test('the function budget counts ids, per process: the 11th function of a 10-function budget is dropped with class over-budget', async () => {
    const { Aggregator } = await import('../../../extension/src/server/aggregator.js');
    const logs: string[] = [];
    const server = new LiveServer({ aggregator: new Aggregator({ maxFunctionsPerStream: 10 }), log: (line) => logs.push(line) });
    await server.start();
    try {
      const a = await WireClient.open(server);
      const b = await WireClient.open(server);
      await a.send(hello('a'));
      await b.send(hello('b'));
      const fns = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}#f${i}`, backend: 'memory', backendType: 'memory', options: {} }));
      await a.send({ v: 1, type: 'functions', functions: fns(11, 'a') });
      await b.send({ v: 1, type: 'functions', functions: fns(10, 'b') });
      await a.send({ v: 1, type: 'stats', seq: 1, at: 1, stats: [functionStats('a#f0', 3, 1), functionStats('a#new', 1, 1)] });
      assert.equal(server.rejections['over-budget'], 2);
      assert.equal(server.aggregator.functionRows().size, 20);
      assert.equal(server.aggregator.functionRows().get('a#f0')!.hits, 3, 'entries within the budget are applied');
      assert.ok(logs.some((l) => /dropped a message \(over-budget\): 1 function\(s\) refused: a process may report at most 10 functions/.test(l)), logs.join('\n'));
    } finally {
      await server.stop();
    }
  });

  test('a 1 MiB frame of nested arrays is dropped as too-deep without parsing; the connection stays usable', async () => {
    const server = new LiveServer();
    await server.start();
    try {
      const client = await WireClient.open(server);
      await client.send(hello('p1'));
      const half = 512 * 1024 - 8;
      await client.send(`${'['.repeat(half)}${']'.repeat(half)}`);
      await client.send(`{"v":1,"type":"stats","seq":1,"at":1,"stats":[],"x":"${'['.repeat(1000)}"}`); // brackets in a string do not count
      await client.send({ v: 1, type: 'stats', seq: 2, at: 1, stats: [functionStats('f', 1, 1, { deep: [[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]] })] });
      assert.equal(server.rejections['too-deep'], 2);
      assert.equal(server.accepted, 2, 'the hello and the frame whose brackets are inside a string');
      assert.equal(client.socket.readyState, client.socket.OPEN);
    } finally {
      await server.stop();
    }
  });

  test('a 1 MiB frame of 500,000 values is dropped as too-many-values without parsing; a full stats message of 500 entries is not', async () => {
    const server = new LiveServer();
    await server.start();
    try {
      const client = await WireClient.open(server);
      await client.send(hello('p1'));
      await client.send(`[${'0,'.repeat(500_000)}0]`);
      await client.send(`[${'{},'.repeat(300_000)}{}]`);
      const full = Array.from({ length: 500 }, (_, i) => functionStats(`src/f.ts#f${i}`, i, 1));
      await client.send({ v: 1, type: 'stats', seq: 1, at: 1, stats: full });
      assert.equal(server.rejections['too-many-values'], 2);
      assert.equal(server.accepted, 2, 'the hello and the full stats message');
      assert.equal(server.aggregator.functions().length, 500);
    } finally {
      await server.stop();
    }
  });

  test('more connections than maxConnections are refused with HTTP 503 (busy)', async () => {
    const server = new LiveServer({ maxConnections: 2 });
    await server.start();
    try {
      await WireClient.open(server);
      await WireClient.open(server);
      await assert.rejects(WireClient.open(server), /HTTP 503/);
      assert.equal(server.rejections.busy, 1);
    } finally {
      await server.stop();
    }
  });
});
