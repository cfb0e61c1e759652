// Fault drill: the reporter with the editor side killed, stalled and restarted. The editor is the
// extension's real loopback server in its own process (editor.ts); the apps are real processes
// started with only CACHELENS_ENDPOINT to find it (reporter-app.ts).
//
// Promised, and asserted:
// - the app never waits on the editor: each batch of CALLS calls answers within BATCH_BOUND_MS
//   (round trip over stdin/stdout) whatever the editor does;
// - an app whose work is done exits by itself within EXIT_BOUND_MS, even while the editor is
//   stalled (SIGSTOP: connected, handshake done, reading nothing);
// - the panel's aggregated counts equal exactly what the app did, after the editor resumes from a
//   stall and after it is killed and restarted on the same endpoint (port and token).
import assert from 'node:assert/strict';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, it, type TestContext } from 'node:test';
import { ChildLines, pause, resume, spawnConfined, until } from '../harness/drill.js';

const EDITOR = path.join(__dirname, 'editor.ts');
const APP = path.join(__dirname, 'reporter-app.ts');
const CALLS = 10_000;
/** Memoized functions in the app: every batch of statistics carries 1000 rows, so a stalled editor's socket fills. */
const FUNCTIONS = 1000;
/** Batches while the editor is stalled: enough to fill the loopback socket's buffers (about 20 do on this kernel). */
const STALL_BATCHES = 40;
/** A batch of CALLS in-memory calls takes milliseconds; this only catches an app held up by its reporter. */
const BATCH_BOUND_MS = 2000;
/** An app that is done exits this soon (its reporter's last batch may wait, not hold it). */
const EXIT_BOUND_MS = 3000;
/** The counts reach the panel within this long once the editor can read again (backoff max 200 ms). */
const COUNTS_MS = 15_000;

type Counts = Record<string, { hits: number; misses: number }>;
interface EditorInfo { port: number; token: string; endpoint: string }

const children: ChildLines[] = [];
after(() => {
  for (const c of children) {
    resume(c.child.pid);
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  }
});

class Editor {
  readonly lines: ChildLines;
  info!: EditorInfo;
  constructor(port = 0, token = '') {
    this.lines = new ChildLines(spawnConfined(EDITOR, { env: { DRILL_PORT: String(port), DRILL_TOKEN: token } }));
    children.push(this.lines);
  }
  async started(): Promise<this> {
    this.info = await this.lines.next<EditorInfo>();
    return this;
  }
  async counts(): Promise<{ functions: Counts; processes: { pid: number; connected: boolean }[] }> {
    this.lines.child.stdin.write(`${JSON.stringify({ cmd: 'counts' })}\n`);
    return this.lines.next();
  }
  signal(signal: NodeJS.Signals): void {
    process.kill(this.lines.child.pid as number, signal);
  }
  async kill(): Promise<void> {
    const gone = this.lines.exited;
    resume(this.lines.child.pid);
    this.lines.child.kill('SIGKILL');
    await gone;
  }
}

class App {
  readonly lines: ChildLines;
  worstCallMs = 0;
  worstBatchMs = 0;
  batches = 0;
  expected: Counts = {};
  constructor(endpoint: string, functions = FUNCTIONS) {
    this.lines = new ChildLines(spawnConfined(APP, { env: { CACHELENS_ENDPOINT: endpoint, DRILL_FUNCTIONS: String(functions) } }));
    children.push(this.lines);
  }
  /** Waits for the app to have started (1000 memoize calls take seconds): its start is not a batch. */
  async ready(): Promise<this> {
    this.lines.child.stdin.write(`${JSON.stringify({ cmd: 'work', calls: 0 })}\n`);
    await this.lines.next(60_000);
    return this;
  }
  get pid(): number {
    return this.lines.child.pid as number;
  }
  /** One batch of calls; records its round trip and its slowest call. */
  async work(): Promise<void> {
    const t0 = performance.now();
    this.lines.child.stdin.write(`${JSON.stringify({ cmd: 'work', calls: CALLS })}\n`);
    const r = await this.lines.next<{ expected: Counts; worstMs: number }>(BATCH_BOUND_MS * 5);
    this.worstBatchMs = Math.max(this.worstBatchMs, performance.now() - t0);
    this.worstCallMs = Math.max(this.worstCallMs, r.worstMs);
    this.expected = r.expected;
    this.batches++;
  }
  /** `n` batches, letting the reporter send between them (its interval is 50 ms). */
  async workMany(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.work();
      await pause(50);
    }
  }
  /** Tells the app its work is done; resolves with how long it took to exit (or fails past the bound). */
  async done(): Promise<{ ms: number; code: number | null }> {
    const t0 = performance.now();
    this.lines.child.stdin.end(`${JSON.stringify({ cmd: 'done' })}\n`);
    const timeout = pause(EXIT_BOUND_MS + 2000).then(() => undefined);
    const exited = await Promise.race([this.lines.exited, timeout]);
    const ms = performance.now() - t0;
    if (exited === undefined) {
      this.lines.child.kill('SIGKILL');
      return { ms, code: null };
    }
    return { ms, code: exited.code };
  }
}

/** Waits until the editor's counts for `app`'s functions equal what it did. */
async function countsMatch(editor: Editor, app: App): Promise<number> {
  let last: Counts = {};
  try {
    return await until('the panel\'s counts to equal what the app did', async () => {
      last = (await editor.counts()).functions;
      return JSON.stringify(last) === JSON.stringify(app.expected);
    }, COUNTS_MS, 50);
  } catch {
    assert.deepEqual(last, app.expected, 'the panel\'s aggregated counts equal exactly what the app did');
    return COUNTS_MS;
  }
}

/** An editor, and an app connected to it whose first batch the panel has counted. */
async function connected(functions = FUNCTIONS): Promise<{ editor: Editor; app: App }> {
  const editor = await new Editor().started();
  const app = await new App(editor.info.endpoint, functions).ready();
  await app.work();
  await countsMatch(editor, app);
  return { editor, app };
}

function assertFast(t: TestContext, what: string, app: App): void {
  t.diagnostic(`${what}: ${app.batches} batches of ${CALLS} calls, slowest batch ${app.worstBatchMs.toFixed(0)} ms (round trip), slowest call ${app.worstCallMs.toFixed(2)} ms`);
  assert.ok(app.worstBatchMs <= BATCH_BOUND_MS, `slowest batch ${app.worstBatchMs.toFixed(0)} ms > ${BATCH_BOUND_MS} ms`);
}

describe('drill: the reporter with the editor killed, stalled and restarted', { timeout: 120_000 }, () => {
  it('editor killed, the app works on, the editor restarts on the same endpoint: counts exact', async (t) => {
    const { editor, app } = await connected(50);

    await editor.kill();
    await app.workMany(5); // nobody listening
    const again = await new Editor(editor.info.port, editor.info.token).started();
    await app.work();
    const matchMs = await countsMatch(again, app);
    const exit = await app.done();
    t.diagnostic(`counts exact ${matchMs.toFixed(0)} ms after the restart; the app exited ${exit.ms.toFixed(0)} ms after its work was done`);
    assertFast(t, 'editor killed and restarted', app);
    assert.equal(exit.code, 0, 'the app exits by itself');
    assert.ok(exit.ms <= EXIT_BOUND_MS, `exited after ${exit.ms.toFixed(0)} ms`);
    await again.kill();
  });

  it('editor stalled (SIGSTOP after the handshake) then resumed, stalled again then killed and restarted on the same endpoint: calls stay fast, counts exact each time', async (t) => {
    const { editor, app } = await connected();

    editor.signal('SIGSTOP');
    await app.workMany(STALL_BATCHES); // the editor reads nothing
    editor.signal('SIGCONT');
    await app.work();
    const resumedMs = await countsMatch(editor, app);

    editor.signal('SIGSTOP');
    await app.workMany(10);
    await editor.kill();
    await app.workMany(3); // nobody listening
    const again = await new Editor(editor.info.port, editor.info.token).started();
    await app.work();
    const restartedMs = await countsMatch(again, app);
    const processes = (await again.counts()).processes;
    const exit = await app.done();
    t.diagnostic(`counts exact ${resumedMs.toFixed(0)} ms after SIGCONT and ${restartedMs.toFixed(0)} ms after the restart; ` +
      `the app exited ${exit.ms.toFixed(0)} ms after its work was done`);
    assertFast(t, 'editor stalled and resumed, stalled and restarted', app);
    assert.ok(processes.some((p) => p.pid === app.pid), 'the restarted editor knows the app');
    assert.equal(exit.code, 0, 'the app exits by itself');
    assert.ok(exit.ms <= EXIT_BOUND_MS, `exited after ${exit.ms.toFixed(0)} ms`);
    await again.kill();
  });

  it('editor stalled: an app whose work is done exits by itself while the editor is still stalled', async (t) => {
    const { editor, app } = await connected();

    editor.signal('SIGSTOP');
    await app.workMany(STALL_BATCHES);
    const exit = await app.done();
    t.diagnostic(`the app exited ${exit.code === null ? 'NOT (killed after' : ''} ${exit.ms.toFixed(0)} ms${exit.code === null ? ')' : ''} after its work was done, the editor stalled`);
    assertFast(t, 'editor stalled', app);
    await editor.kill();
    assert.equal(exit.code, 0, `the app exits by itself while the editor is stalled (waited ${exit.ms.toFixed(0)} ms)`);
    assert.ok(exit.ms <= EXIT_BOUND_MS, `exited after ${exit.ms.toFixed(0)} ms > ${EXIT_BOUND_MS} ms`);
  });
});
