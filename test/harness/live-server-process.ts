/**
 * The extension's real live server (extension/src/server) in a process of its own, driven by JSON
 * lines, for tests written in other languages (python/tests). Usage:
 *
 *   node --import tsx test/harness/live-server-process.ts
 *
 * Prints `{"endpoint":…,"port":…,"token":…}` once listening, then answers one line per request
 * line on stdin, in order:
 *
 *   {"op":"state"}                         -> {"processes":[…],"functions":[…],"rejections":{…},"connections":N,"log":[…]}
 *   {"op":"send","key":K,"message":M}      -> {"sent":bool}  (any message, valid or not, to instance K)
 *   {"op":"clear","key":K,"id":ID?}        -> the runtime's result message
 *   {"op":"delete-key","key":K,"id":ID,"cacheKey":C} -> the runtime's result message
 *   {"op":"trace","key":K,"id":ID}         -> the runtime's trace (or result) message
 *   {"op":"restart"}                       -> {"restarted":true}  (stopped, then listening again on the same port and token, with no memory)
 *   {"op":"stop"}                          -> {"stopped":true}, and the process exits
 *
 * `log` lists what the server accepted, in order: `{"type":"hello",…the hello…}`,
 * `{"type":"functions","ids":[…]}`, `{"type":"stats","entries":[…]}`. The process exits when its
 * stdin closes.
 */
import { createInterface } from 'node:readline';
import type { ExtensionToRuntime, FunctionDescriptor, FunctionStats, HelloMessage } from '../../runtime/src/protocol.js';
import { Aggregator } from '../../extension/src/server/aggregator.js';
import { LiveServer } from '../../extension/src/server/server.js';

type Logged = Record<string, unknown>;

/** An aggregator that also records what it is given, for the tests' assertions. */
class RecordingAggregator extends Aggregator {
  readonly log: Logged[] = [];

  override connect(hello: HelloMessage, connection: number): number | undefined {
    this.log.push({ ...hello, connection });
    return super.connect(hello, connection);
  }

  override announce(connection: number, functions: readonly FunctionDescriptor[]): ReturnType<Aggregator['announce']> {
    this.log.push({ type: 'functions', connection, ids: functions.map((f) => f.id), functions });
    return super.announce(connection, functions);
  }

  override update(connection: number, stats: readonly FunctionStats[]): ReturnType<Aggregator['update']> {
    this.log.push({ type: 'stats', connection, entries: stats });
    return super.update(connection, stats);
  }
}

let aggregator = new RecordingAggregator();
let server = new LiveServer({ aggregator });

async function answer(request: { op: string; key?: string; id?: string; cacheKey?: string; message?: ExtensionToRuntime }): Promise<unknown> {
  switch (request.op) {
    case 'state':
      return {
        processes: aggregator.processes(), functions: aggregator.functions(), rejections: server.rejections,
        connections: server.connectionCount, accepted: server.accepted, log: aggregator.log,
      };
    case 'send':
      return { sent: server.send(request.key ?? '', request.message as ExtensionToRuntime) };
    case 'clear':
      return server.clear(request.key ?? '', request.id);
    case 'delete-key':
      return server.deleteKey(request.key ?? '', request.id ?? '', request.cacheKey ?? '');
    case 'trace':
      return server.trace(request.key ?? '', request.id ?? '');
    case 'restart': {
      const { port, token } = server;
      await server.stop();
      aggregator = new RecordingAggregator();
      server = new LiveServer({ aggregator, port, token });
      await server.start();
      return { restarted: true };
    }
    case 'stop':
      await server.stop();
      return { stopped: true };
    default:
      return { error: `unknown op ${JSON.stringify(request.op)}` };
  }
}

async function main(): Promise<void> {
  await server.start();
  process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint, port: server.port, token: server.token })}\n`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let reply: unknown;
    let op = '';
    try {
      const request = JSON.parse(line) as { op: string };
      op = request.op;
      reply = await answer(request);
    } catch (error) {
      reply = { error: error instanceof Error ? error.message : String(error) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    if (op === 'stop') break;
  }
  await server.stop();
  process.exit(0);
}

void main();
