// Stampede protection through memoize itself, across real processes: three processes miss the
// same key on a real Redis at the same moment; one computes, the others get its value. With
// `stampede: false`-like separate keys this would compute three times (checked by the control).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { startRedis, type RedisServer } from '../../harness/servers.js';

let redis: RedisServer;
before(async () => { redis = await startRedis(); });
after(async () => { await redis.stop(); });

function runChild(config: string, startAt: number): Promise<{ computed: number; value: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'stampede-child.ts')], {
      env: { ...process.env, CACHELENS_CONFIG: config, START_AT: String(startAt), CACHELENS_ENDPOINT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child did not exit within 20 s: ${err}`)); }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as { computed: number; value: number });
    });
  });
}

function configFile(prefix: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-stampede-')), 'cachelens.config.json');
  fs.writeFileSync(file, JSON.stringify({ backends: { shared: { type: 'redis', url: redis.url, keyPrefix: prefix } } }));
  return file;
}

it('three processes missing the same key at once compute it once (memoize on Redis)', { timeout: 60_000 }, async () => {
  const config = configFile('stampede-a:');
  const startAt = Date.now() + 2_500; // all three are up and connected by then
  const results = await Promise.all([0, 1, 2].map(() => runChild(config, startAt)));
  assert.deepEqual(results.map((r) => r.value), [42, 42, 42]);
  assert.equal(results.reduce((sum, r) => sum + r.computed, 0), 1, JSON.stringify(results));
});
