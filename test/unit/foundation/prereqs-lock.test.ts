/**
 * test/harness/prereqs.sh takes turns on its cache directory: two real shells run the lock helper it
 * uses (cache-lock.sh) against one temporary CACHELENS_CACHE at once; the second waits, says why on
 * stderr, and enters only after the first has left. A failed install shows its error lines, not
 * only a tail of compile lines.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../../harness/paths';

const HELPER = path.join(ROOT, 'test', 'harness', 'cache-lock.sh');
const PREREQS = path.join(ROOT, 'test', 'harness', 'prereqs.sh');

/** Polls `done` until it holds; fails after `ms` (a generous bound: nothing here is timed). */
async function until(what: string, done: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One run of the locking part of prereqs.sh: take the lock, write "NAME in" to the shared log,
 * wait until the test creates NAME.release (the expensive install), write "NAME out".
 */
function run(name: string, cache: string): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const script = `set -euo pipefail; . "${HELPER}"; lock_cache "$CACHELENS_CACHE"
    echo "${name} in" >> "$CACHELENS_CACHE/order"
    while [ ! -e "$CACHELENS_CACHE/${name}.release" ]; do sleep 0.02; done
    echo "${name} out" >> "$CACHELENS_CACHE/order"`;
  const child = spawn('bash', ['-c', script], { env: { ...process.env, CACHELENS_CACHE: cache }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

describe('prereqs.sh cache lock', () => {
  test('prereqs.sh takes the lock of its cache directory through the helper', () => {
    const text = fs.readFileSync(PREREQS, 'utf8');
    assert.match(text, /cache-lock\.sh/);
    assert.match(text, /^lock_cache "\$CACHE"$/m);
    assert.ok(text.indexOf('lock_cache "$CACHE"') < text.indexOf('rm -rf "$CACHE/node24"'), 'the lock is taken before anything in the cache is deleted');
  });

  test('two concurrent runs on one cache take turns, and the second says what it waits for', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-lock-'));
    const order = (): string[] => (fs.existsSync(path.join(cache, 'order')) ? fs.readFileSync(path.join(cache, 'order'), 'utf8').trim().split('\n') : []);
    const a = run('a', cache);
    try {
      await until('a to hold the lock', () => order().includes('a in'));
      const b = run('b', cache);
      try {
        await until('b to say it waits', () => b.stderr().includes('waiting for'));
        // b is blocked on the lock while a "installs": it has not entered.
        assert.deepEqual(order(), ['a in']);
        assert.match(b.stderr(), new RegExp(`waiting for ${cache.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.lock: another prereqs\\.sh run \\(pid ${a.child.pid}, `));
        fs.writeFileSync(path.join(cache, 'a.release'), '');
        assert.equal(await a.exited, 0);
        await until('b to enter', () => order().includes('b in'));
        fs.writeFileSync(path.join(cache, 'b.release'), '');
        assert.equal(await b.exited, 0, b.stderr());
        assert.deepEqual(order(), ['a in', 'a out', 'b in', 'b out']);
        assert.match(b.stderr(), /is free, going on/);
        assert.equal(a.stderr(), '', 'the first run does not wait and says nothing');
      } finally {
        b.child.kill('SIGKILL');
      }
    } finally {
      a.child.kill('SIGKILL');
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  test('a run that cannot get the lock in CACHELENS_LOCK_WAIT fails naming the holder and what to do', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-lock-'));
    const a = run('a', cache);
    try {
      await until('a to hold the lock', () => fs.existsSync(path.join(cache, 'order')));
      const b = spawnSync('bash', ['-c', `. "${HELPER}"; lock_cache "$CACHELENS_CACHE" && echo entered`], {
        env: { ...process.env, CACHELENS_CACHE: cache, CACHELENS_LOCK_WAIT: '1' }, encoding: 'utf8',
      });
      assert.equal(b.status, 1);
      assert.equal(b.stdout, '');
      assert.match(b.stderr, new RegExp(`still locked after 1s: .*held by pid ${a.child.pid},.*set CACHELENS_CACHE to another directory`));
    } finally {
      a.child.kill('SIGKILL');
      await a.exited;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  test('a failed install shows its error lines, not only the compile lines at its end', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-log-'));
    try {
      const log = path.join(dir, 'install.log');
      const noise = Array.from({ length: 60 }, (_, i) => `  CXX(target) Release/obj.target/spdlog/src/part${i}.o`);
      fs.writeFileSync(log, ['> code-server@4.139.1 postinstall', 'npm error code ENOSPC', 'npm error syscall write',
        'npm error nospc ENOSPC: no space left on device, write', ...noise, ''].join('\n'));
      const r = spawnSync('bash', ['-c', `. "${HELPER}"; install_failure "$1"`, 'bash', log], { encoding: 'utf8' });
      assert.equal(r.status, 0);
      assert.match(r.stderr, /npm error nospc ENOSPC: no space left on device, write/);
      assert.match(r.stderr, /part59\.o/, 'the end of the log is shown too');
      assert.ok(!r.stderr.includes('part0.o'), 'not the whole log');
      assert.ok(r.stderr.includes(`full log: ${log}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
