/**
 * What if?, host side, with real parts: an app process started with CACHELENS_TRACE records its
 * lookups; the real loopback server asks it for the trace (trace-request -> trace); the real
 * worker thread replays it; the curve equals what `whatIf` computes in the app itself.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { LiveServer } from '../../../extension/src/server/server.js';
import { CurveWorker } from '../../../extension/src/whatif/runner.js';
import { whatIfView } from '../../../extension/src/whatif/whatif.js';
import type { WhatIfPoint } from '../../../runtime/src/simulate/whatif.js';

const APP = path.join(__dirname, 'whatif-app.ts');
const WORKER = path.join(__dirname, 'whatif-worker.cjs');
const TRACED = 'whatif-app#price';
const UNTRACED = 'whatif-app#label';
const WITH_TTL = 'whatif-app#stock';

class App {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #replies: ((line: string) => void)[] = [];
  stderr = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', APP], { env: { ...process.env, ...env }, stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.#replies.shift()?.(line));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  ask<T>(message: object): Promise<T> {
    return new Promise((resolve) => {
      this.#replies.push((line) => resolve(JSON.parse(line) as T));
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  exit(): void {
    this.child.stdin.end(`${JSON.stringify({ cmd: 'exit' })}\n`);
  }
}

const apps: App[] = [];
const servers: LiveServer[] = [];
const workers: CurveWorker[] = [];
after(async () => {
  for (const app of apps) if (app.child.exitCode === null) app.child.kill();
  for (const worker of workers) worker.dispose();
  for (const server of servers) await server.stop();
});

async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function started(env: Record<string, string>): Promise<{ server: LiveServer; app: App }> {
  const server = new LiveServer();
  await server.start();
  servers.push(server);
  const app = new App({ ...server.environment, ...env });
  apps.push(app);
  await app.ask({ cmd: 'hammer', calls: 20_000 });
  await until('the app to report both functions', () => {
    const rows = server.aggregator.functions();
    return [TRACED, UNTRACED, WITH_TTL].every((id) => rows.some((r) => r.id === id && r.hits + r.misses === 20_000));
  });
  return { server, app };
}

describe('what if?, from a real app to the curve', () => {
  test('CACHELENS_TRACE=1: the curve from the worker equals whatIf in the app, with max and 2 x max marked', async () => {
    const { server, app } = await started({ CACHELENS_TRACE: '1' });
    const worker = new CurveWorker({ script: WORKER });
    workers.push(worker);
    assert.equal(worker.running, false, 'no worker before the first request');
    const view = await whatIfView(server, worker, TRACED);
    assert.equal(view.state, 'ready', JSON.stringify(view).slice(0, 300));
    if (view.state !== 'ready') return;
    const { curve } = view;
    assert.equal(worker.running, true);
    assert.equal(curve.max, 64);
    assert.ok(curve.sizes.includes(64) && curve.sizes.includes(128));
    assert.equal(curve.accesses, 20_000);
    assert.equal(curve.seen, 20_000);

    const { points } = await app.ask<{ points: WhatIfPoint[] }>({ cmd: 'whatif', sizes: curve.sizes });
    for (const series of curve.series) {
      assert.deepEqual(series.hitRatios, points.filter((p) => p.policy === series.policy).map((p) => p.hitRatio), `${series.policy}: worker = whatIf in the app`);
    }
    const at = (size: number) => curve.series[0]!.hitRatios[curve.sizes.indexOf(size)]!;
    assert.ok(at(128) > at(64));
    assert.equal(curve.sentence, `Doubling max (64 → 128) would raise hits from ${Math.round(at(64) * 100)}% to ${Math.round(at(128) * 100)}%.`);
    // The times crossed the wire (20,000 timed lookups); the function has no TTL, which the view says in one line.
    assert.deepEqual({ ...curve.ttl, sentence: undefined }, { ttlMs: null, accesses: 20_000, medianReuseMs: null, rows: [], sentence: undefined });
    assert.equal(curve.ttl?.sentence, 'No TTL what-if: this function has no TTL.');
    assert.match(view.text, /^Replayed 20,000 recorded lookups of .* \(pid \d+\) through the simulator\.$/);
    console.log(`[whatif] ${curve.sentence} (LRU at 64: ${(curve.series[1]!.hitRatios[curve.sizes.indexOf(64)]! * 100).toFixed(1)}%)`);

    // A traced function with a TTL of 30 s: replayed at 1, 2, 4 and 8 min. How many lookups found an
    // entry expired depends on how fast the app ran, so only the shape is checked.
    const timed = await whatIfView(server, worker, WITH_TTL);
    assert.equal(timed.state, 'ready');
    if (timed.state === 'ready') {
      const ttl = timed.curve.ttl!;
      assert.equal(ttl.ttlMs, 30_000);
      assert.equal(ttl.accesses, 20_000);
      assert.deepEqual(ttl.rows.map((r) => r.ttlMs), [60_000, 120_000, 240_000, 480_000]);
      assert.match(ttl.sentence, /(^With a TTL of .* instead of 30 s: \+[\d,]+ hits \(-[\d,]+ lost\)|^A longer TTL than 30 s would not add hits), from this recording of 20,000 calls; /);
      console.log(`[whatif] ${ttl.sentence}`);
    }

    const off = await whatIfView(server, worker, UNTRACED);
    assert.equal(off.state, 'off');
    assert.match(off.text, /CACHELENS_TRACE=1/);
    assert.match(off.text, /trace: true/);

    const unknown = await whatIfView(server, worker, 'whatif-app#nobody');
    assert.equal(unknown.state, 'error');
    assert.match(unknown.text, /No connected process runs whatif-app#nobody/);

    worker.dispose();
    assert.equal(worker.running, false);
    app.exit();
  });

  test('a bad CACHELENS_TRACE: the app runs, warns once naming the variable, and records nothing', async () => {
    const { server, app } = await started({ CACHELENS_TRACE: 'lots' });
    const worker = new CurveWorker({ script: WORKER });
    workers.push(worker);
    const view = await whatIfView(server, worker, TRACED);
    assert.equal(view.state, 'off');
    assert.equal(worker.started, 0, 'nothing to replay: no worker started');
    assert.equal(app.stderr.match(/CACHELENS_TRACE="lots"/g)?.length, 1, app.stderr);
    app.exit();
  });

  test('the worker ends itself when idle and starts again on the next request', async () => {
    const { server, app } = await started({ CACHELENS_TRACE: 'maxEntries=5000,sampleRate=0.5' });
    const worker = new CurveWorker({ script: WORKER, idleMs: 50 });
    workers.push(worker);
    const first = await whatIfView(server, worker, TRACED);
    assert.equal(first.state, 'ready');
    if (first.state === 'ready') {
      assert.equal(first.curve.sampleRate, 0.5);
      assert.ok(first.curve.accesses <= 5000);
      assert.match(first.text, /keys sampled at 50%/);
    }
    await until('the idle worker to end', () => !worker.running, 10_000);
    assert.equal((await whatIfView(server, worker, TRACED)).state, 'ready');
    assert.equal(worker.started, 2);
    app.exit();
  });

  test('a request made just after the worker was ended is answered by the next worker, not failed by the old one', async () => {
    const { server, app } = await started({ CACHELENS_TRACE: '1' });
    const worker = new CurveWorker({ script: WORKER });
    workers.push(worker);
    assert.equal((await whatIfView(server, worker, TRACED)).state, 'ready');
    // The old thread's 'exit' comes after the next request was posted to a new thread.
    worker.dispose();
    const next = await whatIfView(server, worker, TRACED);
    assert.equal(next.state, 'ready', JSON.stringify(next));
    assert.equal(worker.started, 2);
    app.exit();
  });
});
