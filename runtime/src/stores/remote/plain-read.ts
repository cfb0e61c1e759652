/**
 * A reader for the plain-data subset of V8's structured-clone format (what `v8.serialize` writes):
 * `undefined`, `null`, booleans, numbers, strings, plain objects, arrays without holes, dates, and
 * references to an object read earlier (shared or cyclic parts). It returns exactly what
 * `v8.deserialize` returns for those bytes, or `NOT_PLAIN` for anything else (a Map, a Buffer, a
 * hole, a BigInt, another format version, damaged bytes...), and the caller then uses
 * `v8.deserialize`, which stays the one authority on the format.
 *
 * Why: a cache hit of a small value spends most of its decoding time creating `v8.deserialize`'s
 * deserializer object, not reading the bytes (about 1.5 µs for an 80-byte object on the bench
 * machine, against about 0.2 µs here; `bench/backends.bench.ts`). Stored bytes do not change.
 *
 * Tags and layout as V8 writes them (src/objects/value-serializer.cc); lengths and counts are
 * unsigned LEB128 varints, int32 values zigzag-encoded.
 */
import os from 'node:os';
import v8 from 'node:v8';

/** Returned when the bytes hold anything outside the plain subset (or are not well formed). */
export const NOT_PLAIN: unique symbol = Symbol('not plain data');

const PADDING = 0x00;
const UNDEFINED = 0x5f; // _
const NULL = 0x30; // 0
const TRUE = 0x54; // T
const FALSE = 0x46; // F
const INT32 = 0x49; // I
const UINT32 = 0x55; // U
const DOUBLE = 0x4e; // N
const ONE_BYTE_STRING = 0x22; // "
const TWO_BYTE_STRING = 0x63; // c
const OBJECT_REFERENCE = 0x5e; // ^
const BEGIN_OBJECT = 0x6f; // o
const END_OBJECT = 0x7b; // {
const BEGIN_DENSE_ARRAY = 0x41; // A
const END_DENSE_ARRAY = 0x24; // $
const THE_HOLE = 0x2d; // -
const DATE = 0x44; // D
const VERSION = 0xff;
/** Deeper values go to `v8.deserialize` (the encoder refuses values nested deeper than 1000). */
const MAX_DEPTH = 1000;

/**
 * The format version this Node writes (a single varint byte); other versions take the slow path,
 * and so does every value on a big-endian machine (V8 writes doubles in the machine's order).
 */
const OWN_VERSION = os.endianness() === 'LE' ? (v8.serialize(null)[1] as number) : -1;

/** Thrown inside the reader to leave it; never escapes `readPlain`. */
const BAIL = new Error('not plain');

/** Buffer's own slicers, which `toString('latin1' | 'utf16le', start, end)` calls after checking its arguments. */
interface Slicers {
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}
const hasSlicers = typeof (Buffer.prototype as unknown as Partial<Slicers>).latin1Slice === 'function'
  && typeof (Buffer.prototype as unknown as Partial<Slicers>).ucs2Slice === 'function';
const latin1 = hasSlicers
  ? (buf: Buffer, start: number, end: number) => (buf as unknown as Slicers).latin1Slice(start, end)
  : (buf: Buffer, start: number, end: number) => buf.toString('latin1', start, end);
const ucs2 = hasSlicers
  ? (buf: Buffer, start: number, end: number) => (buf as unknown as Slicers).ucs2Slice(start, end)
  : (buf: Buffer, start: number, end: number) => buf.toString('utf16le', start, end);

class Reader {
  pos: number;
  readonly ids: object[] = [];

  constructor(readonly buf: Buffer, start: number) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw BAIL;
    return this.buf[this.pos++] as number;
  }

  /** A tag, skipping padding (V8 pads before two-byte strings to align them). */
  tag(): number {
    let t = this.byte();
    while (t === PADDING) t = this.byte();
    return t;
  }

  /** An unsigned 32-bit varint (at most 5 bytes, as V8 writes them). */
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    throw BAIL;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw BAIL;
    const t = this.tag();
    switch (t) {
      case ONE_BYTE_STRING: {
        const n = this.varint();
        const end = this.pos + n;
        if (end > this.buf.length) throw BAIL;
        const s = latin1(this.buf, this.pos, end);
        this.pos = end;
        return s;
      }
      case INT32: {
        const v = this.varint();
        return (v >>> 1) ^ -(v & 1);
      }
      case BEGIN_OBJECT: return this.object(depth);
      case BEGIN_DENSE_ARRAY: return this.array(depth);
      case DOUBLE: {
        if (this.pos + 8 > this.buf.length) throw BAIL;
        const d = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return d;
      }
      case TWO_BYTE_STRING: {
        const n = this.varint();
        const end = this.pos + n;
        if (end > this.buf.length || (n & 1) !== 0) throw BAIL;
        const s = ucs2(this.buf, this.pos, end);
        this.pos = end;
        return s;
      }
      case TRUE: return true;
      case FALSE: return false;
      case NULL: return null;
      case UNDEFINED: return undefined;
      case UINT32: return this.varint();
      case OBJECT_REFERENCE: {
        const id = this.varint();
        if (id >= this.ids.length) throw BAIL;
        return this.ids[id];
      }
      case DATE: {
        if (this.pos + 8 > this.buf.length) throw BAIL;
        const date = new Date(this.buf.readDoubleLE(this.pos));
        this.pos += 8;
        this.ids.push(date);
        return date;
      }
      default: throw BAIL;
    }
  }

  object(depth: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.ids.push(object);
    let count = 0;
    for (;;) {
      // Keys are strings or (array-index) numbers; anything else is not plain data.
      const t = this.tag();
      if (t === END_OBJECT) break;
      this.pos--;
      const raw = this.value(depth + 1);
      let key: string;
      if (typeof raw === 'string') key = raw;
      else if (typeof raw === 'number') key = String(raw);
      else throw BAIL;
      // An own "__proto__" (from JSON.parse or defineProperty) would set the prototype if assigned.
      if (key === '__proto__') throw BAIL;
      object[key] = this.value(depth + 1);
      count++;
    }
    if (this.varint() !== count) throw BAIL;
    return object;
  }

  array(depth: number): unknown[] {
    const length = this.varint();
    // A length the bytes cannot hold (at least one per element) is damage: no huge allocation.
    if (length > this.buf.length - this.pos) throw BAIL;
    const array: unknown[] = new Array(length);
    this.ids.push(array);
    for (let i = 0; i < length; i++) {
      if (this.buf[this.pos] === THE_HOLE) throw BAIL;
      array[i] = this.value(depth + 1);
    }
    // No properties besides the elements: END, 0 properties, the same length.
    if (this.tag() !== END_DENSE_ARRAY || this.varint() !== 0 || this.varint() !== length) throw BAIL;
    return array;
  }
}

/**
 * Reads the `v8.serialize` output in `bytes` from `start` (its version header first): the value
 * `v8.deserialize` would return, or `NOT_PLAIN` when the value is outside the plain subset, the
 * format version is not this Node's, the bytes are not well formed, or bytes are left over.
 */
export function readPlain(bytes: Buffer, start: number): unknown {
  if (bytes[start] !== VERSION || bytes[start + 1] !== OWN_VERSION) return NOT_PLAIN;
  const reader = new Reader(bytes, start + 2);
  try {
    const value = reader.value(0);
    return reader.pos === bytes.length ? value : NOT_PLAIN;
  } catch {
    // BAIL, or a RangeError (stack, allocation) from damaged bytes: v8.deserialize decides.
    return NOT_PLAIN;
  }
}
