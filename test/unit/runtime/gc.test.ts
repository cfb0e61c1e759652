import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// Each round of the child leaves 500 instances × 2 entries × ~16 KB = ~16 MB behind if instances leak.
for (const flavour of ['standard', 'legacy'] as const) {
  test(`${flavour} decorators: dropped instances are collected with their caches (memory does not grow)`, () => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'gc-child.ts'), ...(flavour === 'legacy' ? ['--legacy'] : [])], {
      cwd: path.resolve(__dirname, '../../..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const r = JSON.parse(child.stdout) as { created: number; collected: number; entriesWhileAlive: number; entriesAfter: number; heapGrowthBytes: number };
    assert.equal(r.entriesWhileAlive, 1000, 'while alive, every instance holds its two entries');
    assert.ok(r.collected >= r.created * 0.95, `instances collected: ${r.collected} of ${r.created}`);
    assert.ok(r.entriesAfter <= r.created * 2 * 0.05, `entries left after collection: ${r.entriesAfter}`);
    assert.ok(r.heapGrowthBytes < 8 * 1024 * 1024, `heap grew by ${(r.heapGrowthBytes / 1048576).toFixed(1)} MB over 9 more rounds`);
  });
}
