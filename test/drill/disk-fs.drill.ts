// Fault drill: the disk store on a read-only and on a full filesystem. The app runs as an
// unprivileged user (uid/gid 65534 through `setpriv`: CI runs as root, and root writes anywhere),
// and a full disk is a real file-size limit (`prlimit --fsize`, SIGXFSZ ignored, so writes fail
// with EFBIG as on a full device).
//
// Promised, and asserted, in each case: every call returns the right value, no exception reaches
// the app, no call waits longer than CALL_BOUND_MS, the app exits by itself, and the function's
// health says degraded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { ChildLines, NOBODY, spawnConfined, type ConfinedOptions } from '../harness/drill.js';

const APP = path.join(__dirname, 'disk-app.ts');
/** A local SQLite operation that fails takes microseconds; this bound only catches a hang (busy_timeout is 2 s). */
const CALL_BOUND_MS = 2500;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-drill-disk-fs-'));
fs.chmodSync(root, 0o755);
after(() => fs.rmSync(root, { recursive: true, force: true }));

interface Checked { calls: number; wrong: number; thrown: number; firstThrown?: string; worstMs: number; hits: number; misses: number; backendErrors: number; health: string }

/** Runs the checking app on the disk backend at `cachePath`, confined as given. */
async function runApp(name: string, cachePath: string, confined: ConfinedOptions): Promise<{ checked: Checked; code: number | null; stderr: string }> {
  const config = path.join(root, `${name}.config.json`);
  fs.writeFileSync(config, JSON.stringify({ backends: { disk: { type: 'disk', path: cachePath } } }));
  fs.chmodSync(config, 0o644);
  const app = new ChildLines(spawnConfined(APP, { ...confined, env: { CACHELENS_CONFIG: config, DRILL_MODE: 'check', DRILL_TTL: '1h' }, cwd: root }));
  let checked: Checked;
  try {
    checked = await app.next<Checked>(60_000);
  } catch (error) {
    app.child.kill('SIGKILL');
    throw new Error(`the app gave no result (it crashed or hung): ${(error as Error).message}`, { cause: error });
  }
  const { code } = await app.exited;
  return { checked, code, stderr: app.stderr };
}

function assertServed(t: TestContext, what: string, run: Awaited<ReturnType<typeof runApp>>): void {
  const c = run.checked;
  t.diagnostic(`${what}: ${c.calls} calls, ${c.wrong} wrong, ${c.thrown} thrown, worst ${c.worstMs.toFixed(0)} ms, ${c.hits} hits, ` +
    `${c.backendErrors} backend errors, health ${c.health}, exit ${run.code}`);
  assert.equal(c.wrong, 0, 'every call returned the right value');
  assert.equal(c.thrown, 0, `no exception reached the app: ${c.firstThrown}`);
  assert.ok(c.worstMs <= CALL_BOUND_MS, `worst call ${c.worstMs.toFixed(0)} ms`);
  assert.equal(run.code, 0, `the app exited by itself: ${run.stderr.slice(-500)}`);
  assert.equal(c.health, 'degraded', 'health says degraded');
}

/** A directory owned by the unprivileged user (it may write there). */
function ownDir(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  fs.chownSync(dir, NOBODY, NOBODY);
  return dir;
}

describe('drill: the disk store on a read-only and on a full filesystem (as uid 65534)', { timeout: 120_000 }, () => {
  it('the confined app runs as uid 65534 and its cache works where it may write (the control case)', async (t) => {
    const run = await runApp('control', path.join(ownDir('control'), 'cache'), { unprivileged: true });
    t.diagnostic(`control: ${run.checked.calls} calls, ${run.checked.hits} hits, health ${run.checked.health}`);
    assert.equal(run.checked.wrong, 0);
    assert.equal(run.checked.thrown, 0, run.checked.firstThrown);
    assert.equal(run.checked.hits, 300, 'the second round hits');
    assert.equal(run.checked.health, 'ok');
    assert.equal(fs.statSync(path.join(root, 'control', 'cache', 'cachelens.sqlite')).uid, NOBODY, 'the database was written as uid 65534');
  });

  it('read-only directory (chmod 555): the cache directory cannot be created', async (t) => {
    const ro = path.join(root, 'read-only');
    fs.mkdirSync(ro);
    fs.chmodSync(ro, 0o555);
    assertServed(t, 'read-only directory', await runApp('read-only', path.join(ro, 'cache'), { unprivileged: true }));
  });

  it('read-only database: written earlier, then the directory and its files made read-only', async (t) => {
    const cache = path.join(ownDir('read-only-db'), 'cache');
    const first = await runApp('read-only-db', cache, { unprivileged: true });
    assert.equal(first.checked.health, 'ok', 'the database was made while writable');
    for (const file of fs.readdirSync(cache)) fs.chmodSync(path.join(cache, file), 0o444);
    fs.chmodSync(cache, 0o555);
    assertServed(t, 'read-only database', await runApp('read-only-db', cache, { unprivileged: true }));
  });

  it('a path through a file (ENOTDIR)', async (t) => {
    const file = path.join(ownDir('not-a-dir'), 'plain-file');
    fs.writeFileSync(file, 'not a directory');
    assertServed(t, 'path through a file', await runApp('not-a-dir', path.join(file, 'cache'), { unprivileged: true }));
  });

  it('full disk: files may not grow past 48 KB (prlimit --fsize)', async (t) => {
    assertServed(t, 'full disk (fsize 48 KB)', await runApp('full', path.join(ownDir('full'), 'cache'), { unprivileged: true, fileSizeLimit: 48 * 1024 }));
  });
});
