/**
 * The reporter never keeps an app alive, and survives the editor's faults, with real processes and
 * real sockets: an editor that completed the WebSocket handshake and then stopped reading (frozen,
 * suspended), and an editor process killed (SIGKILL) mid-session and started again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';

const STALL_APP = path.join(__dirname, 'stall-app.ts');
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
