import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TraceError } from './errors.js';

/**
 * Trace formats:
 * - `lirs`: text, one unsigned integer key a line; a line holding `*` is a marker and skipped.
 * - `lines`: text, each non-empty line is a key (a string; `\r\n` endings accepted).
 * - `i32be`: binary, 32-bit big-endian signed integers back to back (the cache2k traces).
 * - `i64be`: binary, 64-bit big-endian signed integers back to back.
 */
export type TraceFormat = 'lirs' | 'lines' | 'i32be' | 'i64be';
export const TRACE_FORMATS: readonly TraceFormat[] = ['lirs', 'lines', 'i32be', 'i64be'];

/** A key of a trace: integers as numbers (as strings beyond 2^53), text lines as strings. */
export type TraceKey = number | string;

/** Receives the keys of a trace in order, a batch at a time (`keys[0..count-1]`). */
export type KeySink = (keys: readonly TraceKey[], count: number) => void;

export type Compression = 'none' | 'gzip' | 'xz';

export interface TraceSummary {
  accesses: number;
  /** Decompressed bytes read. */
  bytes: number;
  compression: Compression;
}

const BATCH = 65536;

/** Detects gzip and xz by their magic bytes (not by the file name). */
export async function detectCompression(path: string): Promise<Compression> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new TraceError('CACHELENS_TRACE_OPEN', path, 0, false, `cannot open the trace (${(error as Error).message}); check the --trace path.`);
  }
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 6 && head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    return 'none';
  } finally {
    await handle.close();
  }
}

/** The decompressed bytes of a file, chunk by chunk, with decoder failures as `TraceError`s. */
async function* bytesOf(path: string, compression: Compression): AsyncGenerator<Buffer> {
  let read = 0;
  async function* file(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      read += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  if (compression === 'none') {
    yield* file();
    return;
  }
  const fail = (error: unknown): TraceError =>
    new TraceError('CACHELENS_TRACE_DECOMPRESS', path, read, true,
      `the ${compression} data is corrupt or truncated near byte offset ${read} of the file (${(error as Error).message}); re-copy or re-compress the trace.`);
  try {
    if (compression === 'gzip') {
      const gunzip = createGunzip();
      const source = Readable.from(file());
      source.on('error', (error) => gunzip.destroy(error));
      for await (const chunk of source.pipe(gunzip)) yield chunk as Buffer;
    } else {
      const { XzReadableStream } = await loadXz();
      const web = Readable.toWeb(Readable.from(file())) as ReadableStream<Uint8Array>;
      for await (const chunk of new XzReadableStream(web) as unknown as AsyncIterable<Uint8Array>) {
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    }
  } catch (error) {
    if (error instanceof TraceError) throw error;
    throw fail(error);
  }
}

interface XzModule {
  XzReadableStream: new (compressed: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}

/** xz support (a WebAssembly decoder, no native code) is loaded only when an .xz trace is read. */
async function loadXz(): Promise<XzModule> {
  const mod = (await import('xz-decompress')) as unknown as XzModule & { default?: XzModule };
  return mod.XzReadableStream ? mod : mod.default!;
}

/**
 * Streams a trace file (plain, gzip or xz, detected by content) through `sink`, in order.
 * Throws `TraceError` with the byte offset for unreadable, corrupt or truncated input; the sink
 * may have seen part of the trace by then, so callers must discard partial results.
 */
export async function readTrace(path: string, format: TraceFormat, sink: KeySink): Promise<TraceSummary> {
  const compression = await detectCompression(path);
  const parser = format === 'i32be' || format === 'i64be'
    ? new BinaryParser(path, compression !== 'none', format === 'i32be' ? 4 : 8, sink)
    : new TextParser(path, compression !== 'none', format === 'lirs', sink);
  for await (const chunk of bytesOf(path, compression)) parser.push(chunk);
  parser.end();
  return { accesses: parser.accesses, bytes: parser.offset, compression };
}

class BinaryParser {
  accesses = 0;
  offset = 0;
  readonly #keys: TraceKey[] = new Array<TraceKey>(BATCH).fill(0);
  #count = 0;
  readonly #carry: Buffer;
  #carried = 0;

  constructor(readonly path: string, readonly compressed: boolean, readonly width: 4 | 8, readonly sink: KeySink) {
    this.#carry = Buffer.alloc(width);
  }

  push(chunk: Buffer): void {
    let i = 0;
    const w = this.width;
    if (this.#carried > 0) {
      while (this.#carried < w && i < chunk.length) this.#carry[this.#carried++] = chunk[i++]!;
      if (this.#carried < w) {
        this.offset += chunk.length;
        return;
      }
      this.#emit(this.#carry, 0);
      this.#carried = 0;
    }
    const whole = i + Math.floor((chunk.length - i) / w) * w;
    for (; i < whole; i += w) this.#emit(chunk, i);
    for (; i < chunk.length; i++) this.#carry[this.#carried++] = chunk[i]!;
    this.offset += chunk.length;
  }

  #emit(buffer: Buffer, at: number): void {
    let key: TraceKey;
    if (this.width === 4) {
      key = buffer.readInt32BE(at);
    } else {
      const big = buffer.readBigInt64BE(at);
      key = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big.toString();
    }
    this.#keys[this.#count++] = key;
    this.accesses++;
    if (this.#count === BATCH) this.#flush();
  }

  #flush(): void {
    if (this.#count > 0) this.sink(this.#keys, this.#count);
    this.#count = 0;
  }

  end(): void {
    if (this.#carried > 0) {
      const at = this.offset - this.#carried;
      throw new TraceError('CACHELENS_TRACE_TRUNCATED', this.path, at, false,
        `truncated: the last ${this.width * 8}-bit record starts at byte offset ${at}${this.compressed ? ' of the decompressed data' : ''} but only ${this.#carried} of its ${this.width} bytes are there; the file was cut short or is not in ${this.width === 4 ? 'i32be' : 'i64be'} format.`);
    }
    this.#flush();
  }
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const STAR = 0x2a;

class TextParser {
  accesses = 0;
  offset = 0;
  #line = 1;
  readonly #keys: TraceKey[] = new Array<TraceKey>(BATCH).fill(0);
  #count = 0;
  /** Bytes of a line split across chunks. */
  #pending: Buffer | undefined;

  constructor(readonly path: string, readonly compressed: boolean, readonly integers: boolean, readonly sink: KeySink) {}

  push(chunk: Buffer): void {
    let start = 0;
    let buffer = chunk;
    let base = this.offset;
    if (this.#pending !== undefined) {
      buffer = Buffer.concat([this.#pending, chunk]);
      start = 0;
      base = this.offset - this.#pending.length;
      this.#pending = undefined;
    }
    for (;;) {
      const nl = buffer.indexOf(NEWLINE, start);
      if (nl < 0) break;
      this.#onLine(buffer, start, nl, base + start);
      start = nl + 1;
    }
    if (start < buffer.length) this.#pending = Buffer.from(buffer.subarray(start));
    this.offset += chunk.length;
  }

  #onLine(buffer: Buffer, start: number, end: number, at: number): void {
    const line = this.#line++;
    if (end > start && buffer[end - 1] === CR) end--;
    if (this.integers) {
      let s = start;
      let e = end;
      while (s < e && (buffer[s] === 0x20 || buffer[s] === 0x09)) s++;
      while (e > s && (buffer[e - 1] === 0x20 || buffer[e - 1] === 0x09)) e--;
      if (s === e || (e - s === 1 && buffer[s] === STAR)) return;
      let value = 0;
      for (let i = s; i < e; i++) {
        const d = buffer[i]! - 0x30;
        if (d < 0 || d > 9) {
          const text = buffer.toString('latin1', s, Math.min(e, s + 40));
          throw new TraceError('CACHELENS_TRACE_FORMAT', this.path, at, false,
            `line ${line} (byte offset ${at}${this.compressed ? ' of the decompressed data' : ''}): expected an unsigned integer key or "*", got ${JSON.stringify(text)}; is this a lirs trace (try --format lines or i32be)?`);
        }
        value = value * 10 + d;
      }
      this.#add(Number.isSafeInteger(value) ? value : buffer.toString('latin1', s, e));
    } else {
      if (end === start) return;
      this.#add(buffer.toString('utf8', start, end));
    }
  }

  #add(key: TraceKey): void {
    this.#keys[this.#count++] = key;
    this.accesses++;
    if (this.#count === BATCH) {
      this.sink(this.#keys, this.#count);
      this.#count = 0;
    }
  }

  end(): void {
    if (this.#pending !== undefined) {
      const pending = this.#pending;
      this.#pending = undefined;
      this.#onLine(pending, 0, pending.length, this.offset - pending.length);
    }
    if (this.#count > 0) this.sink(this.#keys, this.#count);
    this.#count = 0;
  }
}
