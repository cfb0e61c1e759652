/**
 * Frame sizes against the real server: a process with 500 functions whose ids have the longest
 * length the protocol allows reports them all without ever sending a frame over 1 MiB (the server
 * closes such a connection with 1009); and a refused handshake, final (404) or not (401).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveServer } from '../../../extension/src/server/server.js';
import { memoize, registry, startReporter, stopReporter } from '../../../runtime/src/index.js';
import { Reporter } from '../../../runtime/src/internal.js';
import { defaultSocketFactory, type ReporterSocket } from '../../../runtime/src/reporter/socket.js';

test('500 functions with ids of 4096 characters: all announced and counted, the connection never closed for size (1009)', { timeout: 60_000 }, async () => {
  const server = new LiveServer();
  await server.start();
  const closes: number[] = [];
  try {
    const fns = Array.from({ length: 500 }, (_, i) => memoize((x: number) => x + i, { id: `${String(i).padStart(3, '0')}#${'f'.repeat(4092)}` }));
    for (const f of fns) { f(1); f(1); }
    const open = await defaultSocketFactory();
    await startReporter({
      endpoint: server.endpoint, intervalMs: 50, backoff: { initialMs: 20, maxMs: 100 },
      socketFactory: (url) => {
        const socket: ReporterSocket = open(url);
        (socket as unknown as { on(e: 'close', f: (code: number) => void): void }).on('close', (code) => closes.push(code));
        return socket;
      },
    });
    const deadline = Date.now() + 30_000;
    const counted = () => server.aggregator.functions().filter((f) => f.hits === 1 && f.misses === 1).length;
    while (counted() < 500 && closes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(closes, [], 'the server never closed the connection');
    assert.equal(server.rejections.oversize, 0);
    assert.equal(counted(), 500);
  } finally {
    stopReporter();
    await server.stop();
  }
});

test('the real server refuses the handshake with 404 (a wrong path): the reporter stops for good; with 401 (a wrong token) it keeps retrying', { timeout: 30_000 }, async () => {
  const server = new LiveServer();
  await server.start();
  const reporters: Reporter[] = [];
  try {
    const open = await defaultSocketFactory();
    const start = (endpoint: string) => {
      const reporter = new Reporter({ endpoint, source: registry, identity: { instance: 'i', pid: 1, app: 'a', runtime: 'cachelens-js', runtimeVersion: '0', hostname: 'h', startedAt: 0 }, socketFactory: open, backoff: { initialMs: 20, maxMs: 40 } });
      reporters.push(reporter);
      reporter.start();
      return reporter;
    };
    const wrongPath = start(`ws://127.0.0.1:${server.port}/other?token=${server.token}`);
    const wrongToken = start(`ws://127.0.0.1:${server.port}/?token=nope`);
    const deadline = Date.now() + 10_000;
    while ((wrongPath.state !== 'refused' || server.rejections.token < 3) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(wrongPath.state, 'refused');
    assert.equal(server.rejections.path, 1, 'one attempt, never retried');
    assert.ok(server.rejections.token >= 3, `401 is retried (${server.rejections.token} attempts)`);
    assert.notEqual(wrongToken.state, 'refused');
  } finally {
    for (const r of reporters) r.stop();
    await server.stop();
  }
});
