// Fault drill: the disk store (SQLite) under SIGKILL loops. Two app processes at a time call a
// memoized function on one shared cache directory (short TTL and a small byte bound, so entries
// are overwritten, expire and are evicted all the time) and are SIGKILLed at random moments,
// KILLS times. Then a fresh process reads every key.
//
// Promised, and asserted: no app ever crashes or sees a wrong value (each checks every result);
// the fresh process reads every key right, without an exception; the database passes SQLite's
// integrity check (or was moved aside and recreated); the byte total the store keeps equals the
// sum of the stored values' sizes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { ChildLines, pause, spawnConfined } from '../harness/drill.js';

const APP = path.join(__dirname, 'disk-app.ts');
const KILLS = 20;
const APPS_AT_ONCE = 2;
/** The store's byte bound (96 KB): small, so entries are evicted all the time. */
const MAX_BYTES = 96 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-drill-disk-kill-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A deterministic sequence, so a failing run can be repeated: the kill moments. */
function* delays(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield x % 400;
  }
}

it(`the disk store survives ${KILLS} SIGKILLs of its writers`, { timeout: 150_000 }, async (t) => {
  const cache = path.join(dir, 'cache');
  const config = path.join(dir, 'cachelens.config.json');
  fs.writeFileSync(config, JSON.stringify({ backends: { disk: { type: 'disk', path: cache, maxBytes: MAX_BYTES } } }));
  const env = { CACHELENS_CONFIG: config };
  const crashes: string[] = [];
  const live = new Set<ChildLines>();
  /** Apps past their first call (so a kill lands in the middle of their work, not in their start-up). */
  const working: ChildLines[] = [];
  let started = 0;
  // One more process than work at once is started ahead, so a kill never waits for a start-up.
  const startApp = (): void => {
    const app = new ChildLines(spawnConfined(APP, { env: { ...env, DRILL_MODE: 'loop', DRILL_SEED: String(started++ * 101) } }));
    live.add(app);
    void app.exited.then(({ code, signal }) => {
      live.delete(app);
      if (signal !== 'SIGKILL') crashes.push(`exit ${code} ${signal ?? ''}: ${app.stderr.slice(-500)}`);
    });
    void app.next<{ ready: boolean }>(60_000).then(() => working.push(app), () => undefined);
  };

  const t0 = performance.now();
  const random = delays(13);
  let kills = 0;
  try {
    while (kills < KILLS) {
      while (live.size < APPS_AT_ONCE + 1) startApp();
      await pause(random.next().value as number);
      if (crashes.length > 0) break;
      if (working.length < APPS_AT_ONCE) continue;
      const victim = working.shift() as ChildLines;
      const gone = victim.exited;
      victim.child.kill('SIGKILL');
      await gone;
      kills++;
    }
  } finally {
    for (const app of live) app.child.kill('SIGKILL');
  }
  const loopMs = performance.now() - t0;

  // A fresh process reads every key (a TTL far longer than the check, so the second round hits).
  const reader = new ChildLines(spawnConfined(APP, { env: { ...env, DRILL_MODE: 'check', DRILL_TTL: '1h' } }));
  const read = await reader.next<{ calls: number; wrong: number; thrown: number; firstThrown?: string; worstMs: number; hits: number; misses: number; health: string }>();
  const exit = await reader.exited;

  const file = path.join(cache, 'cachelens.sqlite');
  const db = new Sqlite(file, { readonly: true });
  const integrity = db.pragma('integrity_check', { simple: true });
  const { total } = db.prepare('SELECT total FROM meta WHERE id = 0').get() as { total: number };
  const sums = db.prepare('SELECT COUNT(*) AS entries, COALESCE(SUM(bytes), 0) AS bytes, COALESCE(SUM(LENGTH(value)), 0) AS stored FROM entries').get() as { entries: number; bytes: number; stored: number };
  db.close();
  const movedAside = fs.readdirSync(cache).filter((f) => f.includes('.corrupt-'));

  t.diagnostic(`${kills} SIGKILLs of ${started} app processes (${APPS_AT_ONCE} at a time) in ${(loopMs / 1000).toFixed(1)} s; ` +
    `fresh reader: ${read.calls} calls, ${read.wrong} wrong, ${read.thrown} thrown, worst ${read.worstMs.toFixed(0)} ms, ${read.hits} hits; ` +
    `database: integrity ${String(integrity)}, ${sums.entries} entries, byte total ${total} vs sum of stored sizes ${sums.stored}; ${movedAside.length} files moved aside`);
  assert.deepEqual(crashes, [], 'no app crashed or saw a wrong value');
  assert.equal(exit.code, 0, `the reader exited cleanly: ${reader.stderr.slice(-500)}`);
  assert.equal(read.wrong, 0, 'no wrong value');
  assert.equal(read.thrown, 0, `no exception: ${read.firstThrown}`);
  assert.equal(integrity, 'ok');
  assert.equal(sums.bytes, sums.stored, 'each entry\'s recorded size is its value\'s size');
  assert.equal(total, sums.stored, 'the byte total equals the sum of the stored sizes');
  // A wrong total evicts entries the bound does not require, so the file would hold far less than
  // the bound allows. (The reader's 300 keys need more than 96 KB, so its second round is a loop
  // larger than the cache: how many of its calls hit says nothing about the total.)
  assert.ok(sums.stored >= 0.75 * MAX_BYTES, `the store uses its bound: ${sums.stored} bytes held of ${MAX_BYTES}`);
  assert.ok(read.hits > 0, 'the database serves hits again');
});
