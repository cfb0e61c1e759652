/**
 * The reporter never keeps an app alive, and survives the editor's faults, with real processes and
 * real sockets: an editor that completed the WebSocket handshake and then stopped reading (frozen,
 * suspended), and an editor process killed (SIGKILL) mid-session and started again.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';

const STALL_APP = path.join(__dirname, 'stall-app.ts');
const APP = path.join(__dirname, 'app.ts');
const EDITOR = path.join(__dirname, 'editor-process.ts');
type Counts = Record<string, { hits: number; misses: number }>;
/** The bound this test states: the app exits at most this long after its work is done. */
const EXIT_BOUND_MS = 3000;

test('an editor that accepted the connection and stopped reading: the app still exits within 3 s of its work', { timeout: 120_000 }, async () => {
  // A real WebSocket server on 127.0.0.1 that completes the handshake and never reads again: the
  // kernel's buffers fill with the app's reports, and the app's socket write stays pending.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const connections: WebSocket[] = [];
  wss.on('connection', (ws) => {
    connections.push(ws);
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as import('node:net').AddressInfo).port;
  const child = spawn(process.execPath, ['--import', 'tsx', STALL_APP], {
    env: { ...process.env, CACHELENS_ENDPOINT: `ws://127.0.0.1:${port}/?token=t` }, stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', () => resolve(Date.now())));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error(`the app exited before its work was done: ${stderr}`)));
    });
    const done = JSON.parse(line) as { done: number; buffered: number; state: string };
    const exitedAt = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20_000))]);
    assert.ok(exitedAt !== undefined, `the app is still alive 20 s after its work was done (${stderr.trim().split('\n').slice(-3).join(' | ')})`);
    const after = exitedAt - done.done;
    assert.ok(after < EXIT_BOUND_MS, `the app exited ${after} ms after its work, more than ${EXIT_BOUND_MS} ms`);
    // The editor really stalled it: reports were held up (back-pressure) and the connection was dropped for it.
    assert.ok(connections.length >= 1, 'the app connected');
    assert.match(stderr, /has not read \d+ bytes/);
  } finally {
    child.kill('SIGKILL');
    for (const ws of connections) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
});

/** The editor as a real process, driven over stdin/stdout (editor-process.ts). */
class Editor {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #lines: ((line: string) => void)[] = [];
  readonly ready: Promise<{ port: number; token: string }>;

  constructor(env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', EDITOR], { env: { ...process.env, ...env }, stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.#lines.shift()?.(line));
    this.ready = new Promise((resolve) => this.#lines.push((line) => resolve(JSON.parse(line) as { port: number; token: string })));
  }

  totals(): Promise<Counts> {
    return new Promise((resolve) => {
      this.#lines.push((line) => resolve(JSON.parse(line) as Counts));
      this.child.stdin.write('totals\n');
    });
  }
}

/** The app of the live tests (app.ts), driven over stdin/stdout. */
class HammerApp {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #replies: ((line: string) => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(endpoint: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', APP], { env: { ...process.env, CACHELENS_ENDPOINT: endpoint, LIVE_FAST: '1' }, stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.#replies.shift()?.(line));
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  /** Makes `calls` calls; resolves with what the app counted itself (cumulative). */
  hammer(calls: number): Promise<Counts> {
    return new Promise((resolve) => {
      this.#replies.push((line) => resolve((JSON.parse(line) as { expected: Counts }).expected));
      this.child.stdin.write(`${JSON.stringify({ cmd: 'hammer', calls })}\n`);
    });
  }

  exit(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the editor killed (SIGKILL) mid-session and started again, and frozen (SIGSTOP) then resumed: the app runs on, reconnects, totals exact', { timeout: 180_000 }, async () => {
  let editor = new Editor();
  const { port, token } = await editor.ready;
  const app = new HammerApp(`ws://127.0.0.1:${port}/?token=${token}`);
  const editors = [editor];
  try {
    let expected = await app.hammer(5_000);
    await until('the first totals', async () => JSON.stringify(await editor.totals()) === JSON.stringify(expected));

    // Killed: the app keeps working (its calls never wait on the editor), then the editor comes back.
    editor.child.kill('SIGKILL');
    expected = await app.hammer(5_000);
    editor = new Editor({ EDITOR_PORT: String(port), EDITOR_TOKEN: token });
    editors.push(editor);
    await editor.ready;
    expected = await app.hammer(1_000);
    await until('the totals after the restart', async () => JSON.stringify(await editor.totals()) === JSON.stringify(expected));

    // Frozen: the app keeps working, and once the editor resumes the totals are exact again.
    // (3 s of real time: the freeze is a real process's, no clock to fake.)
    editor.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    let slowest = 0;
    while (Date.now() - frozenAt < 3000) {
      const t0 = Date.now();
      expected = await app.hammer(2_000);
      slowest = Math.max(slowest, Date.now() - t0);
    }
    editor.child.kill('SIGCONT');
    expected = await app.hammer(1_000);
    await until('the totals after the editor resumed', async () => JSON.stringify(await editor.totals()) === JSON.stringify(expected));
    assert.ok(slowest < 5_000, `2,000 calls took ${slowest} ms while the editor was frozen`);
    assert.equal(await app.exit(), 0);
  } finally {
    app.child.kill('SIGKILL');
    for (const e of editors) {
      e.child.kill('SIGCONT');
      e.child.kill('SIGKILL');
    }
  }
});
