// A store left open must not keep the app's process alive (connections are unref'd).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { startMemcached, startRedis, type MemcachedServer, type RedisServer } from '../../harness/servers.js';

let redis: RedisServer;
let memcached: MemcachedServer;
before(async () => { [redis, memcached] = await Promise.all([startRedis(), startMemcached()]); });
after(async () => { await redis.stop(); await memcached.stop(); });

/** Runs the idle app; resolves with its output and whether it exited on its own within 10 s. */
function runIdleApp(kind: string, address: string): Promise<{ output: string; exitedAlone: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'idle-app.ts'), kind, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d) => { output += String(d); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, 10_000);
    child.once('exit', (_code, signal) => { clearTimeout(timer); resolve({ output, exitedAlone: signal === null }); });
  });
}

for (const kind of ['redis', 'memcached'] as const) {
  it(`${kind}: a process with an open store exits when its work is done`, async () => {
    const result = await runIdleApp(kind, kind === 'redis' ? redis.url : memcached.address);
    assert.equal(result.output, '1', 'the value round-tripped before exit');
    assert.equal(result.exitedAlone, true);
  });
}

it('redis unreachable: the call still answers (as a miss, after at most connectTimeoutMs) and the process exits', async () => {
  const dead = await startRedis();
  const url = dead.url;
  await dead.stop(); // nothing listens on this port now
  const result = await runIdleApp('redis', url);
  assert.equal(result.output, 'Symbol(cachelens.miss)', 'the pending call was not cut off by the process exiting');
  assert.equal(result.exitedAlone, true, 'reconnection timers do not keep the process alive');
});
