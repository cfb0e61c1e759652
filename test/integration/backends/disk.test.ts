// The disk store (SQLite through better-sqlite3) on real files, including SIGKILL during writes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createDiskStore } from '../../../runtime/src/stores/disk.js';
import { MISS, type AsyncStore, type EvictionCause, type StoreContext } from '../../../runtime/src/stores/types.js';
import { storeContract } from '../../unit/backends/contract.js';
import { expectedPayload } from './fixtures/disk-values.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-disk-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

storeContract({ name: 'disk', ttl: 'context', copies: true, create: (c) => createDiskStore({ type: 'disk', path: path.join(dir, 'contract') }, c) });

const ctx = (namespace: string, evictions: { cause: EvictionCause; count: number }[] = []): StoreContext => ({
  namespace, now: Date.now, events: { evicted: (cause, count) => evictions.push({ cause, count }), backendError: (e) => { throw e; } },
});

describe('disk: persistence, bound, recovery', () => {
  it('keeps values across a close and reopen (a restart)', async () => {
    const file = path.join(dir, 'restart.sqlite');
    const first = createDiskStore({ type: 'disk', path: file }, ctx('f')) as AsyncStore;
    await first.set('k', new Map([[1, 'one']]), {});
    await first.close();
    const second = createDiskStore({ type: 'disk', path: file }, ctx('f')) as AsyncStore;
    assert.deepEqual(await second.get('k'), new Map([[1, 'one']]));
    await second.close();
  });

  it('stays under maxBytes (given as "19.5KB") by evicting the least recently written entries, and says so', async () => {
    const evictions: { cause: EvictionCause; count: number }[] = [];
    const store = createDiskStore({ type: 'disk', path: path.join(dir, 'bounded.sqlite'), maxBytes: '19.5KB', compressAboveBytes: false }, ctx('b', evictions)) as AsyncStore;
    for (let i = 0; i < 100; i++) await store.set(`k${i}`, 'x'.repeat(1000), {});
    assert.ok((store.bytes ?? 0) <= 19.5 * 1024, `bytes held ${store.bytes}`);
    assert.equal(await store.get('k0'), MISS, 'the oldest entry left');
    assert.equal(await store.get('k99'), 'x'.repeat(1000), 'the newest stays');
    assert.ok(evictions.some((e) => e.cause === 'size' && e.count > 0));
    await store.close();
  });

  it('moves a file that is not a database aside and starts afresh', async () => {
    const file = path.join(dir, 'garbage.sqlite');
    fs.writeFileSync(file, 'this is not a database file at all, just text'.repeat(100));
    const store = createDiskStore({ type: 'disk', path: file }, ctx('g')) as AsyncStore;
    await store.set('k', 1, {});
    assert.equal(await store.get('k'), 1);
    assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('garbage.sqlite.corrupt-')).length, 1);
    await store.close();
  });

  it('shares one file between processes: a value written by a child is read here', async () => {
    const file = path.join(dir, 'shared.sqlite');
    const reader = createDiskStore({ type: 'disk', path: file }, ctx('crash')) as AsyncStore;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'disk-writer.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    let seen: unknown = MISS;
    for (let i = 0; i < 400 && seen === MISS; i++) { seen = await reader.get('k1'); await new Promise((r) => setTimeout(r, 5)); }
    child.kill('SIGKILL');
    assert.notEqual(seen, MISS);
    await reader.close();
  });

  it('survives SIGKILL during writes 20 times: always opens, never returns a wrong value', async () => {
    const file = path.join(dir, 'crash.sqlite');
    let checked = 0;
    for (let round = 0; round < 20; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'disk-writer.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve) => child.stdout.once('data', resolve));
      await new Promise((r) => setTimeout(r, 20 + ((round * 37) % 120)));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const store = createDiskStore({ type: 'disk', path: file, maxBytes: 400_000 }, ctx('crash')) as AsyncStore;
      for (let k = 0; k < 40; k++) {
        const key = `k${k}`;
        const value = await store.get(key);
        if (value === MISS) continue;
        const v = value as { key: string; i: number; payload: string };
        assert.equal(v.key, key);
        assert.equal(v.payload, expectedPayload(key, v.i), `round ${round}: ${key} holds the value written at step ${v.i}`);
        checked++;
      }
      await store.close();
    }
    assert.ok(checked > 20, `values checked after the kills: ${checked}`);
  });
});
