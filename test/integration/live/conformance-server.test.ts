/**
 * The server conformance suite (test/conformance/README.md, part a): every recorded message
 * sequence in test/conformance/server/*.json is played over real WebSockets to the real server, and
 * the totals it computes must equal the file's expectations exactly.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Aggregator } from '../../../extension/src/server/aggregator.js';
import { LiveServer, type Rejection, type ServerTimers } from '../../../extension/src/server/server.js';
import type { ExtensionToRuntime } from '../../../runtime/src/protocol.js';
import { until, WireClient } from './wire-client.js';

const DIR = path.resolve(__dirname, '../../conformance/server');

type Step =
  | { open: string }
  | { send: string; message?: unknown; text?: string; binary?: string; repeat?: { text: string; times: number }[] }
  | { close: string }
  | { expectClosed: string; code: number }
  | { command: string; message: ExtensionToRuntime }
  | { expireHelloTimers: true };

interface Expected {
  functions: Record<string, Record<string, number | string | boolean>>;
  processes: Record<string, { connected: boolean; functions: number; streams?: number; saturated?: boolean; totals?: Record<string, number> }>;
  drops?: Partial<Record<Rejection, number>>;
  accepted?: number;
  resets?: number;
}

interface Case {
  description: string;
  budgets?: { functionsPerStream?: number; retainedBytesPerStream?: number; nestingDepth?: number; maxMessageBytes?: number };
  steps: Step[];
  expect: Expected;
}

const COUNTERS = ['hits', 'misses', 'errors', 'evictionsSize', 'evictionsExpired', 'evictionsExplicit', 'computeMs', 'savedMs', 'staleServed', 'backendErrors', 'entries', 'bytes'];

class ManualTimers implements ServerTimers {
  readonly armed = new Map<number, () => void>();
  #next = 1;
  setTimeout(fn: () => void): unknown {
    const id = this.#next++;
    this.armed.set(id, fn);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.armed.delete(handle as number);
  }
}

/** What a row must be: every counter not listed is 0, health "ok", not saturated. */
function full(listed: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const want: Record<string, unknown> = { ...extra };
  for (const name of COUNTERS) want[name] = 0;
  return { ...want, ...listed };
}

async function play(file: string): Promise<void> {
  const c = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Case;
  const timers = new ManualTimers();
  const aggregator = new Aggregator({ maxFunctionsPerStream: c.budgets?.functionsPerStream, maxRetainedBytesPerStream: c.budgets?.retainedBytesPerStream });
  const server = new LiveServer({ aggregator, timers, maxNestingDepth: c.budgets?.nestingDepth, maxMessageBytes: c.budgets?.maxMessageBytes });
  await server.start();
  const clients = new Map<string, WireClient>();
  const instances = new Map<string, string>();
  /** Waits until the server has seen every close the clients saw. */
  const settled = (where: string) =>
    until(`${where}: the server to see the close`, () => [...clients.values()].filter((x) => x.socket.readyState === x.socket.OPEN).length === server.connectionCount);
  const client = (name: string) => clients.get(name) ?? assert.fail(`${file}: no connection named ${name}`);
  try {
    for (const [i, step] of c.steps.entries()) {
      const where = `${file} step ${i + 1} ${JSON.stringify(step).slice(0, 120)}`;
      if ('open' in step) clients.set(step.open, await WireClient.open(server));
      else if ('send' in step) {
        const to = client(step.send);
        const hello = step.message as { type?: unknown; instance?: unknown } | undefined;
        if (hello?.type === 'hello' && typeof hello.instance === 'string') instances.set(step.send, hello.instance);
        const frame = step.message !== undefined ? JSON.stringify(step.message)
          : step.binary !== undefined ? Buffer.from(step.binary, 'base64')
            : step.repeat ? step.repeat.map((r) => r.text.repeat(r.times)).join('')
              : step.text ?? assert.fail(`${where}: send needs message, text, binary or repeat`);
        const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
        if (size > (c.budgets?.maxMessageBytes ?? 1024 * 1024)) {
          to.socket.send(frame);
          await Promise.race([to.closed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]); // the server closes on an oversize frame
          await settled(where);
        } else await to.send(frame);
      } else if ('close' in step) await client(step.close).close();
      else if ('expectClosed' in step) {
        const code = await Promise.race([client(step.expectClosed).closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open after 10 s'), 10_000).unref())]);
        assert.equal(code, step.code, where);
        await settled(where);
      } else if ('command' in step) {
        const to = client(step.command);
        const instance = instances.get(step.command) ?? assert.fail(`${where}: the connection said no hello`);
        const before = to.received.length;
        assert.ok(server.send(instance, step.message), `${where}: not sent`);
        await until(`${where}: the client to receive the command`, () => to.received.length > before);
      } else if ('expireHelloTimers' in step) {
        const due = [...timers.armed.values()];
        timers.armed.clear();
        for (const fn of due) fn();
      }
    }

    const e = c.expect;
    const rows = Object.fromEntries(server.aggregator.functions().map((r) => [r.id, r]));
    assert.deepEqual(Object.keys(rows).sort(), Object.keys(e.functions).sort(), `${file}: the function rows`);
    for (const [id, listed] of Object.entries(e.functions)) {
      const row = rows[id]!;
      const want = full(listed, { processes: 1, health: 'ok', saturated: false });
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, k === 'saturated' ? row.saturated === true : (row as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(got, want, `${file}: function ${id}`);
    }
    const processes = Object.fromEntries(server.aggregator.processes().map((p) => [p.key, p]));
    assert.deepEqual(Object.keys(processes).sort(), Object.keys(e.processes).sort(), `${file}: the processes`);
    for (const [key, want] of Object.entries(e.processes)) {
      const p = processes[key]!;
      assert.deepEqual(
        { connected: p.connected, functions: p.functions, streams: p.streams ?? 1, saturated: p.saturated === true, totals: p.totals },
        { streams: 1, saturated: false, ...want, totals: full(want.totals ?? {}, {}) },
        `${file}: process ${key}`,
      );
    }
    const drops = Object.fromEntries(Object.keys(server.rejections).map((k) => [k, e.drops?.[k as Rejection] ?? 0]));
    assert.deepEqual(server.rejections, drops, `${file}: drops by class`);
    if (e.accepted !== undefined) assert.equal(server.accepted, e.accepted, `${file}: messages accepted`);
    assert.equal(server.resets, e.resets ?? 0, `${file}: resets`);
  } finally {
    await server.stop();
  }
}

describe('server conformance: recorded sequences and the exact totals the server must compute', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  test('the suite has cases', () => assert.ok(files.length >= 8, `${files.length} files in ${DIR}`));
  for (const file of files) test(file, () => play(file));
});
