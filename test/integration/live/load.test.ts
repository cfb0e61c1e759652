/**
 * Bounded load: 50 reporting processes x 1,000 functions x 4 batches a second (every counter of
 * every function changing in every batch), for a few seconds, into the real server. The server
 * must aggregate every figure exactly and drop nothing. The event-loop delay it suffered is
 * printed for the record (the benchmark, not this test, judges time).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { LiveServer } from '../../../extension/src/server/server.js';

const PROCESSES = 50;
const FUNCTIONS = 1000;
const ROUNDS = 12; // three seconds at four batches a second

test(`${PROCESSES} processes x ${FUNCTIONS} functions x 4 batches/s: every figure aggregated exactly`, { timeout: 120_000 }, async (t) => {
  const server = new LiveServer();
  await server.start();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load-app.ts')], {
    env: { ...process.env, ...server.environment, LOAD_PROCESSES: String(PROCESSES), LOAD_FUNCTIONS: String(FUNCTIONS), LOAD_ROUNDS: String(ROUNDS) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const expected = await new Promise<{ hitsPerFunction: number; missesPerFunction: number }>((resolve) => {
      createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { hitsPerFunction: number; missesPerFunction: number }));
    });
    const deadline = Date.now() + 60_000;
    const settled = () => {
      const rows = server.aggregator.functions();
      return rows.length === FUNCTIONS && rows.every((r) => r.hits === expected.hitsPerFunction && r.misses === expected.missesPerFunction);
    };
    while (!settled()) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    delay.disable();
    const rows = server.aggregator.functions();
    assert.equal(rows.length, FUNCTIONS);
    assert.equal(server.aggregator.connectedCount, PROCESSES);
    for (const row of rows) {
      assert.equal(row.hits, expected.hitsPerFunction, row.id);
      assert.equal(row.misses, expected.missesPerFunction, row.id);
      assert.equal(row.processes, PROCESSES);
    }
    assert.equal(Object.values(server.rejections).reduce((a, b) => a + b, 0), 0, 'nothing dropped');
    t.diagnostic(`server accepted ${server.accepted} messages; event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`);
  } finally {
    child.stdin.end('exit\n');
    await new Promise((resolve) => child.once('exit', resolve));
    await server.stop();
  }
});
