// The disk store (SQLite through better-sqlite3) on real files, including SIGKILL during writes.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { createDiskStore } from '../../../runtime/src/stores/disk.js';
import { MISS, type AsyncStore, type EvictionCause, type StoreContext } from '../../../runtime/src/stores/types.js';
import { storeContract } from '../../harness/store-contract.js';
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

/** The byte total the store keeps, and the sum of the stored sizes, read straight from the file. */
function countedAndStored(file: string): { counted: number; stored: number; entries: number } {
  const db = new Sqlite(file, { readonly: true });
  try {
    const { total } = db.prepare('SELECT total FROM meta').get() as { total: number };
    const { stored, entries } = db.prepare('SELECT COALESCE(SUM(bytes), 0) AS stored, COUNT(*) AS entries FROM entries').get() as { stored: number; entries: number };
    return { counted: total, stored, entries };
  } finally {
    db.close();
  }
}

describe('disk: the byte total stays exact under overwrite', () => {
  it('counts a rewritten key once: 10 keys of 10 KB rewritten 300 times under maxBytes 100KB all stay', async () => {
    const file = path.join(dir, 'overwrite.sqlite');
    const store = createDiskStore({ type: 'disk', path: file, maxBytes: '100KB', compressAboveBytes: false }, ctx('o')) as AsyncStore;
    for (let i = 0; i < 310; i++) await store.set(`k${i % 10}`, `${i % 10}`.repeat(10_000), {});
    const seen = countedAndStored(file);
    assert.equal(store.bytes, seen.stored, 'reported bytes = sum of the stored sizes');
    assert.equal(seen.counted, seen.stored);
    assert.equal(seen.entries, 10, 'nothing was evicted: the ten values fit in 100KB');
    for (let k = 0; k < 10; k++) assert.equal(await store.get(`k${k}`), `${k}`.repeat(10_000));
    await store.close();
  });

  it('recomputes the total of a file whose count drifted under an earlier version', async () => {
    const file = path.join(dir, 'drifted.sqlite');
    const old = new Sqlite(file);
    old.exec(`
      CREATE TABLE entries (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, bytes INTEGER NOT NULL,
        expires INTEGER, atime INTEGER NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;
      CREATE INDEX entries_atime ON entries (atime);
      CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 0), total INTEGER NOT NULL);
      INSERT INTO meta VALUES (0, 0);
      CREATE TRIGGER entries_ins AFTER INSERT ON entries BEGIN UPDATE meta SET total = total + NEW.bytes; END;
      CREATE TRIGGER entries_del AFTER DELETE ON entries BEGIN UPDATE meta SET total = total - OLD.bytes; END;
      CREATE TRIGGER entries_upd AFTER UPDATE OF bytes ON entries BEGIN UPDATE meta SET total = total - OLD.bytes + NEW.bytes; END;`);
    const put = old.prepare('INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, NULL, 0)');
    for (let i = 0; i < 50; i++) put.run('d', `k${i % 5}`, Buffer.alloc(100), 100);
    old.close();
    assert.deepEqual(countedAndStored(file), { counted: 5000, stored: 500, entries: 5 }, 'the drift as an earlier version left it');
    const store = createDiskStore({ type: 'disk', path: file }, ctx('d')) as AsyncStore;
    assert.equal(store.bytes, 500);
    await store.close();
  });

  it('stays exact with 6 processes overwriting the same keys of one directory, and keeps entries', async () => {
    const shared = path.join(dir, 'six');
    const children = Array.from({ length: 6 }, () => spawn(process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'fixtures', 'disk-overwriter.ts'), shared, '300', '150KB'],
      { stdio: ['ignore', 'pipe', 'inherit'] }));
    const reports = await Promise.all(children.map((child) => new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer exited with ${code}`))));
    })));
    for (const report of reports) assert.deepEqual(JSON.parse(report), { failures: 0 });
    const seen = countedAndStored(path.join(shared, 'cachelens.sqlite'));
    assert.equal(seen.counted, seen.stored, `counted ${seen.counted} bytes for ${seen.stored} stored`);
    assert.ok(seen.stored <= 150 * 1024, `stored ${seen.stored} bytes, bound 150KB`);
    assert.ok(seen.entries >= 10, `the cache still holds entries: ${seen.entries} of 20 keys`);
    const store = createDiskStore({ type: 'disk', path: shared }, ctx('shared')) as AsyncStore;
    assert.equal(store.bytes, seen.stored, 'what the store reports');
    await store.close();
  });
});

/** What `fixtures/disk-app.ts` prints: its calls' values, how often the function ran, health, errors, warnings. */
interface AppReport { values: unknown[]; runs: number; health: string; backendErrors: number; warnings: { code: unknown; message: string }[] }

const repo = path.resolve(__dirname, '../../..');
// Readable by the unprivileged user the read-only cases run as (mkdtemp makes it 0700).
const apps = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-disk-app-'));
fs.chmodSync(apps, 0o755);
after(() => fs.rmSync(apps, { recursive: true, force: true }));
let configs = 0;

/**
 * Runs the app with its disk backend at `cachePath`: as user 65534 (`nobody`: root writes into a
 * read-only directory anyway), or with the file size limit lowered to `fileSizeLimit` bytes after
 * its first call (a full disk; Node ignores SIGXFSZ, so a write past it fails with EFBIG).
 */
async function runApp(cachePath: string, how: { nobody?: boolean; fileSizeLimit?: number } = {}): Promise<AppReport> {
  const config = path.join(apps, `config-${++configs}.json`);
  fs.writeFileSync(config, JSON.stringify({ backends: { 'local-disk': { type: 'disk', path: cachePath, compressAboveBytes: false } } }));
  const node = [process.execPath, '--no-warnings', '--import', 'tsx', path.join(__dirname, 'fixtures', 'disk-app.ts'), ...(how.fileSizeLimit !== undefined ? ['wait'] : [])];
  const [command, ...args] = how.nobody === true ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node] : node;
  const child = spawn(command!, args, { cwd: repo, env: { ...process.env, CACHELENS_CONFIG: config }, stdio: ['pipe', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out === 'ready\n') {
      execFileSync('prlimit', ['--pid', String(child.pid), `--fsize=${how.fileSizeLimit}:${how.fileSizeLimit}`]);
      child.stdin.write('go\n');
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  assert.equal(code, 0, `the app exited with ${code ?? signal}: ${err}`);
  return JSON.parse(out.replace(/^ready\n/, '')) as AppReport;
}

/** Every call returned the right value, one warning named the file, and the function shows degraded. */
function assertFailedOpen(report: AppReport, file: string): void {
  assert.deepEqual(report.values, [1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100], 'every call returned its value');
  assert.equal(report.warnings.length, 1, JSON.stringify(report.warnings));
  assert.equal(report.warnings[0]!.code, 'CACHELENS_DISK_UNUSABLE');
  assert.ok(report.warnings[0]!.message.includes(file) && report.warnings[0]!.message.includes('To fix:'), report.warnings[0]!.message);
  assert.equal(report.health, 'degraded');
  assert.ok(report.backendErrors > 0, 'the failures are counted');
}

describe('disk: an unusable directory or a full disk fails open', () => {
  it('a read-only directory (the app runs as an unprivileged user): every call computes its value', async () => {
    const cache = path.join(apps, 'read-only');
    fs.mkdirSync(cache, { mode: 0o555 });
    const report = await runApp(cache, { nobody: true });
    assertFailedOpen(report, path.join(cache, 'cachelens.sqlite'));
    assert.equal(report.runs, 20, 'nothing could be cached: the function ran for every call');
  });

  it('a read-only directory holding a database written by another user', async () => {
    const cache = path.join(apps, 'read-only-existing');
    await runApp(cache); // as root: creates the database and caches 1..10
    assert.ok(fs.existsSync(path.join(cache, 'cachelens.sqlite')));
    fs.chmodSync(cache, 0o555);
    const report = await runApp(cache, { nobody: true });
    assertFailedOpen(report, path.join(cache, 'cachelens.sqlite'));
  });

  it('a path under a regular file (ENOTDIR)', async () => {
    const file = path.join(apps, 'regular-file');
    fs.writeFileSync(file, 'not a directory');
    const report = await runApp(path.join(file, 'cache'));
    assertFailedOpen(report, path.join(file, 'cache', 'cachelens.sqlite'));
    assert.equal(report.runs, 20);
  });

  it('a full disk (a 64 KiB file size limit, values of 100 KB): writes fail, calls do not', async () => {
    const cache = path.join(apps, 'full');
    const report = await runApp(cache, { fileSizeLimit: 65_536 });
    assertFailedOpen(report, path.join(cache, 'cachelens.sqlite'));
    assert.ok(report.runs >= 10, `the function ran for each argument: ${report.runs}`);
  });
});

describe('disk: a file damaged while in use', () => {
  it('moves a database with 4 KB of garbage at offset 8192 aside once and carries on with a fresh one', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'garbled-'));
    const file = path.join(sub, 'cache.sqlite');
    const before = createDiskStore({ type: 'disk', path: file, compressAboveBytes: false }, ctx('g')) as AsyncStore;
    for (let i = 0; i < 200; i++) await before.set(`k${i}`, `${i}:`.padEnd(1000, 'v'), {});
    await before.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 8192);
    fs.closeSync(fd);

    const errors: Error[] = [];
    const store = createDiskStore({ type: 'disk', path: file, compressAboveBytes: false }, {
      // A minute later: each read also records its recency (an update of the atime index, at page 3).
      namespace: 'g', now: () => Date.now() + 60_000, events: { evicted: () => undefined, backendError: (e) => { errors.push(e); } },
    }) as AsyncStore;
    // As memoize uses it: read, and write what missed.
    for (let i = 0; i < 200; i++) {
      const value = await store.get(`k${i}`);
      assert.ok(value === MISS || value === `${i}:`.padEnd(1000, 'v'), `k${i}: never a wrong value`);
      if (value === MISS) await store.set(`k${i}`, `${i}:`.padEnd(1000, 'v'), {});
    }
    assert.equal(errors.length, 1, `the damage is reported once, not on every call: ${errors.map((e) => e.message).join('; ')}`);
    assert.deepEqual(fs.readdirSync(sub).filter((f) => f.startsWith('cache.sqlite.corrupt-')).length, 1, 'the damaged file is kept aside');
    await store.set('after', 42, {});
    assert.equal(await store.get('after'), 42, 'the fresh database works');
    assert.equal(errors.length, 1);
    await store.close();
  });
});
