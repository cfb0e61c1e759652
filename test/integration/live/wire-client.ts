/**
 * A protocol client for tests: a real WebSocket to the real server, speaking raw frames, with
 * waits that end on what the server did (frames handled, connections closed), never on sleeps.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { LiveServer } from '../../../extension/src/server/server.js';

/** Waits (bounded) until `probe` returns true; fails with `what` if it never does. */
export async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Frames the server accepted or dropped so far (every frame ends as one or the other). */
export function handled(server: LiveServer): number {
  let n = server.accepted;
  for (const count of Object.values(server.rejections)) n += count;
  return n;
}

export class WireClient {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  /** Resolves with the close code when the connection closes. */
  readonly closed: Promise<number>;
  readonly received: unknown[] = [];

  constructor(readonly server: LiveServer) {
    this.socket = new WebSocket(server.endpoint, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.socket.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
    this.socket.on('message', (data) => this.received.push(JSON.parse(String(data))));
  }

  static async open(server: LiveServer): Promise<WireClient> {
    const client = new WireClient(server);
    await client.opened;
    return client;
  }

  /** Sends one frame (an object as JSON, a string as is, a Buffer as a binary frame) and waits until the server handled it. */
  async send(frame: unknown): Promise<void> {
    const before = handled(this.server);
    if (Buffer.isBuffer(frame)) this.socket.send(frame, { binary: true });
    else this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    await until('the server to handle a frame', () => handled(this.server) > before);
  }

  /** Closes from this side and waits until the server saw it. */
  async close(): Promise<void> {
    const before = this.server.connectionCount;
    this.socket.close();
    await this.closed;
    await until('the server to see the close', () => this.server.connectionCount < before);
  }
}

export const hello = (instance: string, pid = 1, over: Record<string, unknown> = {}) => ({
  v: 1, type: 'hello', instance, pid, app: 'shop', runtime: 'cachelens-test', runtimeVersion: '1', hostname: 'h', startedAt: 1, ...over,
});

export const functionStats = (id: string, hits: number, misses: number, over: Record<string, unknown> = {}) => ({
  id, hits, misses, errors: 0, evictions: { size: 0, expired: 0, explicit: 0 }, entries: misses, bytes: 0, computeMs: misses * 10,
  savedMs: hits * 10, staleServed: 0, backendErrors: 0, health: 'ok', ...over,
});
