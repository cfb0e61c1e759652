/**
 * "The panel shows the backend as degraded", end to end with real parts: a real redis-server, a
 * real app process memoizing on it and reporting to the real loopback server; Redis is killed by
 * PID and the aggregated row turns `degraded` while every call keeps returning the right value;
 * Redis comes back on the same port and the row returns to `ok` (even with the app idle), and
 * caching resumes. Then the
 * aggregated rows, as they are, go to the built panel in Chromium, which marks the row.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { LiveServer } from '../../../extension/src/server/server.js';
import type { FunctionRow, LiveSnapshot } from '../../../protocol/panel.js';
import { launchChromium } from '../../harness/browser.js';
import { startRedis } from '../../harness/servers.js';
import { servePanelPage } from './panel-page.js';

const APP = path.join(__dirname, 'degraded-app.ts');
const DEGRADED_ID = 'test/degraded-app.ts#price';
/** Liveness bounds, not performance figures: past them the panel would be plainly wrong. */
const TURNS_DEGRADED_MS = 10_000;
const TURNS_OK_MS = 20_000;
/** No call may wait longer than this on a dead cache (commandTimeoutMs is 200 here). */
const CALL_BOUND_MS = 3000;

interface Report { calls: number; wrong: number; threw: number; slowestMs: number; hits: number; misses: number; health: string }

class App {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #replies: ((line: string) => void)[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', APP], { env: { ...process.env, ...env }, stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.#replies.shift()?.(line));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  ask(cmd: 'report' | 'reset' | 'pause' | 'resume'): Promise<Report> {
    return new Promise((resolve) => {
      this.#replies.push((line) => resolve(JSON.parse(line) as Report));
      this.child.stdin.write(`${JSON.stringify({ cmd })}\n`);
    });
  }

  exit(): Promise<number | null> {
    this.child.stdin.end(`${JSON.stringify({ cmd: 'exit' })}\n`);
    return this.exited;
  }
}

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!(await probe())) {
    if (performance.now() - t0 > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - t0;
}

/** What the panel is sent (as the extension builds it) while Redis is down, and once it is back. */
const snapshots: { down?: LiveSnapshot; up?: LiveSnapshot } = {};

function snapshotOf(server: LiveServer): LiveSnapshot {
  return { at: Date.now(), server: 'listening', processes: server.aggregator.processes(), functions: server.aggregator.functions(), breakdown: [], workspaceFunctions: [] };
}

test('killing Redis turns the function\'s row degraded while calls stay correct; Redis back, the row is ok again', { timeout: 120_000 }, async (t) => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const server = new LiveServer();
  await server.start();
  cleanups.push(() => server.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-degraded-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'cachelens.config.json');
  fs.writeFileSync(config, JSON.stringify({ backends: { shared: { type: 'redis', url: redis.url, keyPrefix: 'degraded:', commandTimeoutMs: 200 } } }));

  const app = new App({ ...server.environment, CACHELENS_CONFIG: config, CACHELENS_APP: 'degraded-app', DEGRADED_ID });
  cleanups.push(() => { if (app.child.exitCode === null) app.child.kill('SIGKILL'); });
  const row = (): FunctionRow | undefined => server.aggregator.functions().find((f) => f.id === DEGRADED_ID);

  await until('the app\'s row, ok and hitting Redis', () => row()?.health === 'ok' && row()!.hits > 20, 20_000);
  assert.equal(row()!.backendType, 'redis');
  await app.ask('reset');

  // Redis dies.
  await redis.process.kill('SIGKILL');
  const degradedMs = await until('the row to turn degraded', () => row()?.health === 'degraded', TURNS_DEGRADED_MS);
  snapshots.down = snapshotOf(server);
  const missesAtDeath = (await app.ask('report')).misses;
  await until('more calls without Redis', async () => (await app.ask('report')).misses > missesAtDeath + 20, 10_000);
  const down = await app.ask('reset');
  assert.equal(down.health, 'degraded', 'the runtime itself says degraded');
  assert.ok(down.calls > 20, `calls went on (${down.calls})`);
  assert.equal(down.wrong, 0, 'every call returned the right value');
  assert.equal(down.threw, 0, 'no call threw');
  assert.ok(down.slowestMs < CALL_BOUND_MS, `no call hung: slowest ${down.slowestMs.toFixed(0)} ms`);
  assert.ok(row()!.backendErrors > 0, 'the backend errors reached the panel');

  // Redis comes back on the same port (empty: no persistence), to an idle app: the row must say
  // so without waiting for a call to probe the server.
  await app.ask('pause');
  await redis.process.start();
  const okMs = await until('the row to be ok again (the app idle)', () => row()?.health === 'ok', TURNS_OK_MS);
  await app.ask('resume');
  const hitsBack = row()!.hits;
  await until('caching to resume (hits from Redis again)', () => row()!.hits > hitsBack + 20, 10_000);
  snapshots.up = snapshotOf(server);
  const up = await app.ask('report');
  assert.equal(up.health, 'ok');
  assert.equal(up.wrong, 0);
  assert.equal(up.threw, 0);
  t.diagnostic(`degraded ${degradedMs.toFixed(0)} ms after SIGKILL; ok ${okMs.toFixed(0)} ms after the restart; ` +
    `${down.calls} calls while down, slowest ${down.slowestMs.toFixed(0)} ms`);

  assert.equal(await app.exit(), 0, `the app exits on its own: ${app.stderr}`);
});

test('the built panel marks the row of the degraded backend, and unmarks it once it is ok', { timeout: 60_000 }, async () => {
  assert.ok(snapshots.down && snapshots.up, 'the aggregated rows of the test above');
  const pageServer = await servePanelPage();
  cleanups.push(() => pageServer.close());
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const p = await browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(pageServer.base);
  const row = `#functions tbody tr[data-id="${DEGRADED_ID}"]`;
  const send = (state: LiveSnapshot) => p.evaluate(`window.postMessage(${JSON.stringify({ v: 1, type: 'update', state })}, '*')`);

  await send(snapshots.down);
  await p.waitForSelector(`${row}.degraded`, { timeout: 5000 });
  assert.match((await p.getAttribute(row, 'title')) ?? '', /^shared \(redis\) is degraded/, 'the title says which backend and what it means');

  await send(snapshots.up);
  await p.waitForSelector(`${row}:not(.degraded)`, { timeout: 5000 });
  assert.equal(await p.getAttribute(row, 'title'), 'shared (redis)');
  assert.deepEqual(errors, []);
  await p.close();
});
