/**
 * The editor's end of the live-statistics protocol: a WebSocket server on the loopback interface,
 * on an ephemeral port, that only speaks to clients presenting its random token. Free of `vscode`
 * so that it runs (and is tested) under plain Node; `extension/src/live/` is the vscode glue.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  ENDPOINT_ENV,
  MAX_MESSAGE_BYTES,
  parseRuntimeMessage,
  type ExtensionToRuntime,
  type ProtocolFault,
  type ResultMessage,
  type TraceMessage,
} from '../../../runtime/src/protocol.js';
import { Aggregator } from './aggregator.js';
import { Candidates } from '../observe/candidates.js';

/** Why the server refused a connection or dropped a message; each is counted. */
export type Rejection =
  | 'token' // missing or wrong token: HTTP 401
  | 'origin' // an Origin header that is not allowed (a web page): HTTP 403
  | 'path' // not a WebSocket upgrade on `/`: HTTP 404/426
  | 'busy' // more open connections than `maxConnections`: HTTP 503
  | 'hello-timeout' // no hello within `helloTimeoutMs` of the handshake: connection closed (1008)
  | 'too-deep' // a frame nested deeper than `maxNestingDepth`: dropped before it is parsed
  | 'too-many-values' // a frame with more than `maxValuesPerFrame` values: dropped before it is parsed
  | 'over-budget' // functions past the connection's budget (count or bytes): those entries dropped
  | 'oversize' // a frame over the size limit: connection closed (1009)
  | 'binary' // a binary frame: dropped
  | 'out-of-order' // anything before the hello, or a second hello: dropped
  | ProtocolFault; // not-json, not-object, bad-version, unknown-type, bad-field: dropped

export interface LiveServerOptions {
  /** The shared secret clients present as `?token=`. Default: 32 random bytes, base64url. */
  token?: string;
  /** Port on 127.0.0.1. Default 0 (an ephemeral port chosen by the system). */
  port?: number;
  /** Largest accepted frame, in bytes. Default `MAX_MESSAGE_BYTES` (1 MiB). */
  maxMessageBytes?: number;
  /**
   * Origins allowed to connect (exact match, e.g. `http://localhost:5173` for a browser app).
   * Clients without an Origin header (Node processes) are always allowed. Default: none.
   */
  allowedOrigins?: readonly string[];
  /** Where diagnostics go (the "CacheLens" output channel). Default: ignore. */
  log?: (line: string) => void;
  aggregator?: Aggregator;
  /** Milliseconds to wait for a command's result. Default 10 000. */
  requestTimeoutMs?: number;
  /** Milliseconds a connection may stay open without saying hello; then it is closed (1008). Default 10 000. */
  helloTimeoutMs?: number;
  /** Most connections open at once; more handshakes are refused with HTTP 503. Default 256. */
  maxConnections?: number;
  /** Deepest nesting of arrays and objects a frame may have; deeper frames are dropped unparsed. Default 16. */
  maxNestingDepth?: number;
  /**
   * Most values a frame may hold (counted as commas and opening brackets outside strings); frames
   * with more are dropped unparsed. Default 50 000 (a full `stats` message of 500 entries has ~8 000).
   */
  maxValuesPerFrame?: number;
  /** Timers for the hello timeout (a fake clock in tests). Default: Node's, unref'd. */
  timers?: ServerTimers;
}

/** The timers the server arms per connection. */
export interface ServerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const nodeTimers: ServerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * What is wrong with a frame's shape, found by one pass over its bytes (strings skipped) that
 * stops at the first bracket past `maxDepth` or the first value past `maxValues`: a frame of a
 * million nested or listed brackets costs a millisecond here instead of up to seconds in
 * `JSON.parse`. Valid protocol messages nest 4 deep at most.
 */
export function frameShapeProblem(bytes: Uint8Array, maxDepth: number, maxValues: number): 'too-deep' | 'too-many-values' | undefined {
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // a backslash escapes the next byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > maxDepth) return 'too-deep';
      if (++values > maxValues) return 'too-many-values';
    } else if (b === 0x7d || b === 0x5d) depth--;
    else if (b === 0x2c && ++values > maxValues) return 'too-many-values';
  }
  return undefined;
}

interface Connection {
  id: number;
  socket: WebSocket;
  /** The instance it reports for, once it said hello. */
  key?: string;
  logged: number;
  helloTimer?: unknown;
  resetsLogged: boolean;
}

const LOG_LIMIT_PER_CONNECTION = 20;

export class LiveServer {
  readonly aggregator: Aggregator;
  /** Observe mode's figures (`cachelens/observe`): the candidates for caching. */
  readonly candidates = new Candidates();
  readonly token: string;
  readonly rejections: Record<Rejection, number> = {
    token: 0, origin: 0, path: 0, busy: 0, 'hello-timeout': 0, 'too-deep': 0, 'too-many-values': 0, 'over-budget': 0, oversize: 0, binary: 0, 'out-of-order': 0,
    'not-json': 0, 'not-object': 0, 'bad-version': 0, 'unknown-type': 0, 'bad-field': 0,
  };
  /** Messages accepted, all connections together. */
  accepted = 0;
  /** Frames handled (accepted or dropped), all connections together. */
  frames = 0;
  readonly #options: Required<Pick<LiveServerOptions, 'maxMessageBytes' | 'allowedOrigins' | 'requestTimeoutMs' | 'port' | 'helloTimeoutMs' | 'maxConnections' | 'maxNestingDepth' | 'maxValuesPerFrame' | 'timers'>>;
  readonly #log: (line: string) => void;
  readonly #connections = new Set<Connection>();
  readonly #pending = new Map<string, { resolve: (r: ResultMessage | TraceMessage) => void; timer: ReturnType<typeof setTimeout> }>();
  #http: Server | undefined;
  #wss: WebSocketServer | undefined;
  #port = 0;
  #nextConnection = 1;

  constructor(options: LiveServerOptions = {}) {
    this.token = options.token ?? randomBytes(32).toString('base64url');
    this.aggregator = options.aggregator ?? new Aggregator();
    this.#log = options.log ?? (() => {});
    this.#options = {
      port: options.port ?? 0,
      maxMessageBytes: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
      allowedOrigins: options.allowedOrigins ?? [],
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      helloTimeoutMs: options.helloTimeoutMs ?? 10_000,
      maxConnections: options.maxConnections ?? 256,
      maxNestingDepth: options.maxNestingDepth ?? 16,
      maxValuesPerFrame: options.maxValuesPerFrame ?? 50_000,
      timers: options.timers ?? nodeTimers,
    };
  }

  /** Connections open now (with or without a hello). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Counter resets seen (function entries whose counters went down on one stream), all processes together. */
  get resets(): number {
    return this.aggregator.resets;
  }

  /** The port, once started. */
  get port(): number {
    return this.#port;
  }

  /** The value of `CACHELENS_ENDPOINT` for processes that should report here. */
  get endpoint(): string {
    return `ws://127.0.0.1:${this.#port}/?token=${encodeURIComponent(this.token)}`;
  }

  /** `{ CACHELENS_ENDPOINT: endpoint }`, for terminals and debug sessions. */
  get environment(): Record<string, string> {
    return { [ENDPOINT_ENV]: this.endpoint };
  }

  get listening(): boolean {
    return this.#http?.listening ?? false;
  }

  async start(): Promise<void> {
    if (this.#http) return;
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.#options.maxMessageBytes, perMessageDeflate: false });
    const http = createServer((_req, res) => {
      this.rejections.path++;
      res.writeHead(426, { 'content-type': 'text/plain' }).end('CacheLens: WebSocket only\n');
    });
    http.on('upgrade', (req, socket, head) => this.#upgrade(wss, req, socket, head));
    http.on('clientError', (_error, socket) => socket.destroy());
    this.#http = http;
    this.#wss = wss;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.#options.port, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    const address = http.address();
    this.#port = typeof address === 'object' && address ? address.port : 0;
    this.#log(`[server] listening on 127.0.0.1:${this.#port}`);
  }

  /** Closes every connection (their processes become gone) and stops listening. */
  async stop(): Promise<void> {
    const http = this.#http;
    if (!http) return;
    this.#http = undefined;
    this.dropConnections();
    this.#wss?.close();
    this.#wss = undefined;
    await new Promise<void>((resolve) => http.close(() => resolve()));
    for (const [, p] of this.#pending) clearTimeout(p.timer);
    this.#pending.clear();
  }

  /** Terminates every open connection (processes reconnect with their backoff). */
  dropConnections(): void {
    for (const c of this.#connections) c.socket.terminate();
  }

  /** Sends a message to one process (by instance key); false if it is not connected. */
  send(key: string, message: ExtensionToRuntime): boolean {
    let sent = false;
    for (const c of this.#connections) {
      if (c.key === key && c.socket.readyState === c.socket.OPEN) {
        c.socket.send(JSON.stringify(message));
        sent = true;
      }
    }
    return sent;
  }

  /** Sends a message to every connected process. Returns how many received it. */
  broadcast(message: ExtensionToRuntime): number {
    let n = 0;
    for (const c of this.#connections) {
      if (c.key && c.socket.readyState === c.socket.OPEN) {
        c.socket.send(JSON.stringify(message));
        n++;
      }
    }
    return n;
  }

  /**
   * Sends a clear (all functions when `id` is undefined) to one process and waits for its result.
   * Resolves `{ ok: false }` when the process is not connected or does not answer in time.
   */
  clear(key: string, id?: string): Promise<ResultMessage> {
    const requestId = randomUUID();
    const message: ExtensionToRuntime = id === undefined ? { v: 1, type: 'clear', requestId } : { v: 1, type: 'clear', requestId, id };
    return this.#request(key, requestId, message).then(asResult);
  }

  /** Sends a delete-key to one process and waits for its result. */
  deleteKey(key: string, id: string, cacheKey: string): Promise<ResultMessage> {
    const requestId = randomUUID();
    return this.#request(key, requestId, { v: 1, type: 'delete-key', requestId, id, key: cacheKey }).then(asResult);
  }

  /**
   * Asks one process for the recorded lookups of function `id` (a `trace-request`). Resolves the
   * `trace` answer, or a `result` with `ok: false` (unknown function, not connected, no answer in time).
   */
  trace(key: string, id: string): Promise<TraceMessage | ResultMessage> {
    const requestId = randomUUID();
    return this.#request(key, requestId, { v: 1, type: 'trace-request', requestId, id });
  }

  #request(key: string, requestId: string, message: ExtensionToRuntime): Promise<ResultMessage | TraceMessage> {
    if (!this.send(key, message)) {
      return Promise.resolve({ v: 1, type: 'result', requestId, ok: false, error: 'the process is not connected' });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        resolve({ v: 1, type: 'result', requestId, ok: false, error: `no answer within ${this.#options.requestTimeoutMs} ms` });
      }, this.#options.requestTimeoutMs);
      timer.unref();
      this.#pending.set(requestId, { resolve, timer });
    });
  }

  #upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, why: Rejection, text: string) => {
      this.rejections[why]++;
      this.#log(`[server] refused a connection from ${req.socket.remoteAddress ?? '?'}: ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'ws://127.0.0.1');
    } catch {
      return refuse(404, 'path', 'Not Found');
    }
    if (url.pathname !== '/') return refuse(404, 'path', 'Not Found');
    if (!this.#tokenMatches(url.searchParams.get('token'))) return refuse(401, 'token', 'Unauthorized (missing or wrong token)');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.#options.allowedOrigins.includes(origin)) {
      return refuse(403, 'origin', `Forbidden (origin ${origin} is not allowed)`);
    }
    if (this.#connections.size >= this.#options.maxConnections) {
      return refuse(503, 'busy', `Service Unavailable (already ${this.#connections.size} connections; retry later)`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  #tokenMatches(given: string | null): boolean {
    if (given === null) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  #accept(socket: WebSocket): void {
    const connection: Connection = { id: this.#nextConnection++, socket, logged: 0, resetsLogged: false };
    this.#connections.add(connection);
    const { timers, helloTimeoutMs } = this.#options;
    connection.helloTimer = timers.setTimeout(() => {
      connection.helloTimer = undefined;
      if (connection.key || socket.readyState !== socket.OPEN) return;
      this.rejections['hello-timeout']++;
      this.#note(connection, `no hello within ${helloTimeoutMs} ms; connection closed`);
      socket.close(1008, 'no hello in time');
    }, helloTimeoutMs);
    socket.on('message', (data, isBinary) => {
      try {
        this.#receive(connection, data, isBinary);
      } catch (error) {
        this.#drop(connection, 'bad-field', `handler failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.#drop(connection, 'oversize', `a frame over ${this.#options.maxMessageBytes} bytes; connection closed`);
      else this.#note(connection, `socket error: ${error.message}`);
    });
    socket.on('close', () => {
      this.#connections.delete(connection);
      if (connection.helloTimer !== undefined) timers.clearTimeout(connection.helloTimer);
      if (connection.key) {
        this.aggregator.disconnect(connection.id, Date.now());
        this.#log(`[server] process ${connection.key} disconnected`);
      }
    });
  }

  #receive(connection: Connection, data: RawData, isBinary: boolean): void {
    this.frames++;
    if (isBinary) return this.#drop(connection, 'binary', 'binary frames are not part of the protocol');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const { maxNestingDepth, maxValuesPerFrame } = this.#options;
    const shape = frameShapeProblem(bytes, maxNestingDepth, maxValuesPerFrame);
    if (shape === 'too-deep') return this.#drop(connection, shape, `arrays/objects nested deeper than ${maxNestingDepth}; not parsed`);
    if (shape) return this.#drop(connection, shape, `more than ${maxValuesPerFrame} values in one frame; not parsed`);
    const parsed = parseRuntimeMessage(bytes.toString('utf8'));
    if (!parsed.ok) return this.#drop(connection, parsed.fault, parsed.detail);
    const message = parsed.message;
    if (message.type === 'hello') {
      if (connection.key) return this.#drop(connection, 'out-of-order', 'a second hello on one connection');
      connection.key = message.instance;
      if (connection.helloTimer !== undefined) this.#options.timers.clearTimeout(connection.helloTimer);
      connection.helloTimer = undefined;
      const replaced = this.aggregator.connect(message, connection.id);
      this.candidates.hello(message.instance, message.startedAt);
      this.#log(`[server] process ${message.app} (pid ${message.pid}, ${message.hostname}, ${message.runtime} ${message.runtimeVersion}) connected`);
      if (replaced !== undefined) this.#closeReplaced(replaced);
    } else if (!connection.key) {
      return this.#drop(connection, 'out-of-order', `${message.type} before hello`);
    } else if (message.type === 'functions' || message.type === 'stats') {
      if (message.type === 'stats' && message.observed) this.candidates.update(connection.key, message.at, message.observed);
      const outcome = message.type === 'functions' ? this.aggregator.announce(connection.id, message.functions) : this.aggregator.update(connection.id, message.stats);
      if (outcome.resets > 0 && !connection.resetsLogged) {
        connection.resetsLogged = true;
        this.#log(`[server] connection ${connection.id} (process ${connection.key}): counters went down for ${outcome.resets} function(s); counted as a reset, later values add on top (logged once per connection)`);
      }
      if (outcome.refused > 0) {
        const a = this.aggregator;
        return this.#drop(connection, 'over-budget', `${outcome.refused} function(s) refused: a process may report at most ${a.maxFunctionsPerStream} functions and ${a.maxRetainedBytesPerStream} bytes of descriptors`);
      }
    } else {
      const pending = this.#pending.get(message.requestId);
      if (pending) {
        clearTimeout(pending.timer);
        this.#pending.delete(message.requestId);
        pending.resolve(message);
      }
    }
    this.accepted++;
  }

  /** A reconnect of the same OS process replaced connection `id`, which is still open: close it. */
  #closeReplaced(id: number): void {
    for (const c of this.#connections) {
      if (c.id !== id) continue;
      this.#note(c, 'replaced by a newer connection of the same process; closed');
      c.key = undefined;
      c.socket.close(1000, 'replaced by a newer connection');
    }
  }

  #drop(connection: Connection, why: Rejection, detail: string): void {
    this.rejections[why]++;
    this.#note(connection, `dropped a message (${why}): ${detail}`);
  }

  #note(connection: Connection, text: string): void {
    connection.logged++;
    if (connection.logged <= LOG_LIMIT_PER_CONNECTION) this.#log(`[server] connection ${connection.id}: ${text}`);
    else if (connection.logged === LOG_LIMIT_PER_CONNECTION + 1) this.#log(`[server] connection ${connection.id}: further problems are counted, not logged`);
  }
}

/** A command's answer must be a `result`; anything else under its request id is a failure. */
function asResult(answer: ResultMessage | TraceMessage): ResultMessage {
  return answer.type === 'result' ? answer : { v: 1, type: 'result', requestId: answer.requestId, ok: false, error: `unexpected ${answer.type} answer` };
}
