/**
 * The live path end to end with real parts: app processes that memoize with the runtime and report
 * over a real socket to the real server; what the server aggregates must equal exactly what the
 * apps counted, including across a dropped connection and a server restart.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { LiveServer } from '../../../extension/src/server/server.js';

const APP = path.join(__dirname, 'app.ts');
type Counts = Record<string, { hits: number; misses: number }>;

class App {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #replies: ((line: string) => void)[] = [];
  stderr = '';
  exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', APP], { env: { ...process.env, ...env }, stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.#replies.shift()?.(line));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  hammer(calls: number): Promise<{ expected: Counts; runtime: Counts }> {
    return new Promise((resolve) => {
      this.#replies.push((line) => resolve(JSON.parse(line) as { expected: Counts; runtime: Counts }));
      this.child.stdin.write(`${JSON.stringify({ cmd: 'hammer', calls })}\n`);
    });
  }

  /** Asks the app to finish; it must exit on its own (the reporter never keeps it alive). */
  exit(): Promise<number | null> {
    this.child.stdin.write(`${JSON.stringify({ cmd: 'exit' })}\n`);
    this.child.stdin.end();
    return this.exited;
  }
}

const started: App[] = [];
after(() => {
  for (const app of started) if (app.child.exitCode === null) app.child.kill();
});

function aggregated(server: LiveServer): Counts {
  return Object.fromEntries(server.aggregator.functions().map((f) => [f.id, { hits: f.hits, misses: f.misses }]));
}

function sum(...all: Counts[]): Counts {
  const total: Counts = {};
  for (const counts of all) {
    for (const [id, c] of Object.entries(counts)) {
      const t = (total[id] ??= { hits: 0, misses: 0 });
      t.hits += c.hits;
      t.misses += c.misses;
    }
  }
  return total;
}

/** Waits (bounded) until `probe` returns true; the test fails with `what` if it never does. */
async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('live statistics, real processes and the real server', () => {
  test('three app processes started with only CACHELENS_ENDPOINT set: aggregated counts equal what the apps made, exactly', async () => {
    const server = new LiveServer();
    await server.start();
    try {
      const apps = [0, 1, 2].map(() => new App(server.environment));
      started.push(...apps);
      const results = await Promise.all(apps.map((app, i) => app.hammer(30_000 + i * 1_000)));
      for (const r of results) assert.deepEqual(r.runtime, r.expected, 'the runtime counts what the app made');
      const expected = sum(...results.map((r) => r.expected));
      await until('the aggregate to match', () => JSON.stringify(aggregated(server)) === JSON.stringify(expected));
      assert.deepEqual(aggregated(server), expected);
      assert.equal(server.aggregator.connectedCount, 3);
      const [p] = server.aggregator.processes();
      assert.equal(p?.runtime, 'cachelens-js');
      assert.ok((p?.pid ?? 0) > 0);

      // Clearing from the editor empties the app's cache: the next calls miss again.
      const first = server.aggregator.processes()[0]!.key;
      const held = () => server.aggregator.functionByProcess('test/app.ts#double').find((p) => p.key === first)!.entries;
      assert.ok(held() > 0);
      const result = await server.clear(first, 'test/app.ts#double');
      assert.deepEqual([result.ok, result.error], [true, undefined]);
      await until('the cleared cache to report no entries', () => held() === 0);
      const unknown = await server.clear(first, 'test/app.ts#nope');
      assert.equal(unknown.ok, false);
      assert.match(unknown.error ?? '', /test\/app\.ts#nope/);

      // The apps exit by themselves (nothing keeps them alive); their processes are marked gone, figures kept.
      assert.deepEqual(await Promise.all(apps.map((a) => a.exit())), [0, 0, 0]);
      await until('every process to be gone', () => server.aggregator.connectedCount === 0);
      assert.deepEqual(aggregated(server), expected);
      assert.equal(server.aggregator.processes().length, 3);
      assert.ok(server.aggregator.processes().every((p) => !p.connected && p.goneAt !== undefined));
      assert.equal(Object.values(server.rejections).reduce((a, b) => a + b, 0), 0, 'nothing was dropped');
    } finally {
      await server.stop();
    }
  });

  test('across a dropped connection and a server restart, nothing is lost or counted twice', async () => {
    let server = new LiveServer();
    await server.start();
    const { port, token } = server;
    const app = new App({ ...server.environment, LIVE_FAST: '1' });
    started.push(app);
    try {
      let r = await app.hammer(20_000);
      await until('the first figures', () => JSON.stringify(aggregated(server)) === JSON.stringify(r.expected));

      // The server kills the socket; the app keeps calling while it is away, then reconnects.
      server.dropConnections();
      r = await app.hammer(20_000);
      r = await app.hammer(5_000);
      await until('the figures after the reconnect', () => JSON.stringify(aggregated(server)) === JSON.stringify(r.expected));
      assert.deepEqual(aggregated(server), r.expected);
      assert.equal(server.aggregator.processes().length, 1, 'the reconnected process is the same process');

      // The server goes away entirely and comes back on the same port, knowing nothing.
      await server.stop();
      r = await app.hammer(10_000);
      server = new LiveServer({ port, token });
      await server.start();
      r = await app.hammer(1_000);
      await until('the figures after the restart', () => JSON.stringify(aggregated(server)) === JSON.stringify(r.expected));
      assert.deepEqual(aggregated(server), r.expected);
      assert.deepEqual(r.runtime, r.expected);
      assert.equal(await app.exit(), 0);
    } finally {
      await server.stop();
    }
  });
});

describe('the server refuses what it must', () => {
  const connect = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status?: number; socket?: WebSocket }>((resolve) => {
      const ws = new WebSocket(url, { headers });
      ws.on('open', () => resolve({ socket: ws }));
      ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
      ws.on('error', () => resolve({}));
    });

  test('missing or wrong token (401), a web page Origin (403), oversize, binary, malformed and unknown messages: counted, never fatal', async () => {
    const lines: string[] = [];
    const server = new LiveServer({ log: (l) => lines.push(l), maxMessageBytes: 64 * 1024 });
    await server.start();
    try {
      const base = `ws://127.0.0.1:${server.port}/`;
      assert.equal((await connect(base)).status, 401);
      assert.equal((await connect(`${base}?token=nope`)).status, 401);
      assert.equal((await connect(server.endpoint, { Origin: 'https://evil.example' })).status, 403);
      assert.equal((await connect(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).status, 404);
      assert.deepEqual([server.rejections.token, server.rejections.origin, server.rejections.path], [2, 1, 1]);

      const { socket } = await connect(server.endpoint);
      assert.ok(socket);
      const send = (data: string | Buffer) => socket.send(data);
      send(JSON.stringify({ v: 1, type: 'stats', seq: 1, at: 1, stats: [] })); // before hello
      send(JSON.stringify({ v: 1, type: 'hello', instance: 'x', pid: 1, app: 'a', runtime: 'cachelens-js', runtimeVersion: '0', hostname: 'h', startedAt: 0 }));
      send('{not json');
      send('[]');
      send(JSON.stringify({ v: 2, type: 'hello' }));
      send(JSON.stringify({ v: 1, type: 'explode' }));
      send(JSON.stringify({ v: 1, type: 'stats', seq: 1, at: 1, stats: [{ id: 'f' }] }));
      send(Buffer.from([1, 2, 3]));
      send(JSON.stringify({ v: 1, type: 'hello', instance: 'x', pid: 1, app: 'a', runtime: 'r', runtimeVersion: '0', hostname: 'h', startedAt: 0 }));
      await until('every drop to be counted', () => server.rejections['out-of-order'] === 2 && server.rejections.binary === 1 && server.rejections['bad-field'] === 1);
      assert.deepEqual(
        [server.rejections['not-json'], server.rejections['not-object'], server.rejections['bad-version'], server.rejections['unknown-type']],
        [1, 1, 1, 1],
      );
      assert.equal(server.aggregator.connectedCount, 1, 'the connection survives bad messages');

      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      send('x'.repeat(100 * 1024));
      assert.equal(await closed, 1009);
      await until('the oversize frame to be counted', () => server.rejections.oversize === 1);
      assert.ok(lines.some((l) => l.includes('oversize')));
      assert.ok(lines.some((l) => l.includes('refused a connection') && l.includes('token')));
    } finally {
      await server.stop();
    }
  });
});
