/**
 * Observe mode end to end, with the real parts: the shipped observe entry (dist/runtime/cachelens,
 * what "Find functions worth caching" puts in NODE_OPTIONS), the example dashboard built by tsc and
 * run through npm (a process that runs no app code must not connect), and the real live server,
 * whose candidates rank the dashboard's functions. Needs the build (dist/runtime).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { LiveServer } from '../../../extension/src/server/server.js';
import { shippedObserveEntryUnder, withObserve } from '../../../extension/src/observe/node-options.js';

const root = path.resolve(__dirname, '../../..');
const dashboard = path.join(root, 'examples', 'dashboard');

test('the dashboard run with the shipped observe entry: its functions are ranked, the memoized one is not observed', { timeout: 180_000 }, async () => {
  const server = new LiveServer({ log: () => {} });
  await server.start();
  try {
    const env = { ...process.env, ...server.environment, NODE_OPTIONS: withObserve(undefined, shippedObserveEntryUnder(root)), ROUNDS: '300' };
    const child = spawn('npm', ['start', '--silent'], { cwd: dashboard, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /300 dashboard refreshes/);
    const deadline = Date.now() + 10_000;
    while (server.candidates.rank().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const ranked = server.candidates.rank();
    const ids = ranked.map((r) => r.id);
    assert.ok(ids.includes('dist/prices.js#pricesByRegion'), ids.join(', '));
    assert.ok(ids.includes('dist/reports.js#ReportService.userReport'), ids.join(', '));
    assert.ok(!ids.some((id) => id.endsWith('#topProducts')), 'a memoized function is not observed: its own function is an argument, not a declaration');
    assert.ok(!ids.some((id) => id.includes('node_modules') || id.includes('runtime/')), `neither dependencies nor the app's own (linked) copy of cachelens: ${ids.join(', ')}`);
    // pricesByRegion (CPU: ~16 ms here, ~45 ms on a loaded machine, 5 regions) and userReport (a
    // wait, 2 of 3 arguments repeated) save about as much: which is first depends on the machine.
    // Both rank above the cheap functions they call.
    const place = (id: string) => ids.indexOf(id);
    assert.ok(place('dist/prices.js#pricesByRegion') <= 2, `the slow function called with 5 regions is in the first three: ${ids.join(', ')}`);
    assert.ok(place('dist/prices.js#pricesByRegion') < place('dist/data.js#salesRows'), 'above salesRows, which it calls');
    for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1]!.savedMsPerMinute >= ranked[i]!.savedMsPerMinute, 'ranked by time saved per minute');
    const prices = ranked.find((r) => r.id === 'dist/prices.js#pricesByRegion')!;
    assert.equal(prices.calls, 300, 'one call per refresh');
    assert.ok(prices.repeats > 0 && prices.repeats < 300);
    const apps = server.aggregator.processes().map((p) => p.app);
    assert.equal(apps.length, 1, `only the app connects (not npm, not tsc): ${apps.join(', ')}`);
  } finally {
    await server.stop();
  }
});
