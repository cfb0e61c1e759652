/**
 * The value codec of the out-of-process stores (Redis, Memcached, disk).
 *
 * Format: one header byte, then the payload. `0x01` = `v8.serialize` output, `0x02` = the same,
 * deflate-compressed. v8's structured-clone format was chosen by measurement
 * (`bench/backends-serialize.ts`, `docs/benchmarks.md (backends section)`): it returns exactly what went in for
 * plain data, `undefined` vs `null`, `-0`, sparse arrays, Date, Map (any keys), Set, BigInt, RegExp,
 * Error, typed arrays and Buffers, and it throws on functions and symbols instead of silently
 * dropping them (msgpackr, twice as fast, loses `-0`, holes and functions; JSON with a reviver is
 * twice as slow). Objects with a class prototype would come back as plain objects, so they are
 * refused (not cached) unless `allowClassInstances` is set.
 *
 * Values written by a newer Node may not be readable by an older one during a rolling upgrade:
 * such a value decodes as a miss (and is reported), never as a wrong value.
 */
import v8 from 'node:v8';
import zlib from 'node:zlib';
import { CacheBackendError } from './remote/errors.js';
import { MISS, type StoreEvents } from './types.js';

/** Options of the codec, shared by every out-of-process backend's config entry. */
export interface SerializeOptions {
  /**
   * Encoded values larger than this many bytes are deflate-compressed before they are stored.
   * `false` turns compression off. Default: 16384 (16 KiB).
   */
  compressAboveBytes?: number | false;
  /**
   * Values whose stored form (after compression) is larger than this many bytes are not cached:
   * the call returns the computed value and the store reports `CACHELENS_VALUE_TOO_LARGE`.
   * Default: 1048576 (1 MiB, Memcached's default item size limit).
   */
  maxValueBytes?: number;
  /**
   * Cache objects whose prototype is a class (they come back as plain objects without methods).
   * Default: false (such values are not cached and reported as `CACHELENS_VALUE_NOT_SERIALIZABLE`).
   */
  allowClassInstances?: boolean;
}

/** The value cannot be stored faithfully (a function, a symbol, a class instance...). Not cached. */
export class ValueNotSerializableError extends CacheBackendError {
  constructor(namespace: string, why: string) {
    super('CACHELENS_VALUE_NOT_SERIALIZABLE', `A value of ${namespace} cannot be cached (${why}); it was returned uncached. Return plain data, or set allowClassInstances if losing the prototype is fine.`);
  }
}

/** The stored form is larger than `maxValueBytes`. Not cached. */
export class ValueTooLargeError extends CacheBackendError {
  constructor(namespace: string, bytes: number, max: number) {
    super('CACHELENS_VALUE_TOO_LARGE', `A value of ${namespace} takes ${bytes} bytes, more than maxValueBytes (${max}); it was returned uncached. Raise maxValueBytes or lower compressAboveBytes.`);
  }
}

/** A stored value could not be read back (written by another format or Node version, or damaged). Answered as a miss. */
export class ValueUnreadableError extends CacheBackendError {
  constructor(why: string) {
    super('CACHELENS_VALUE_UNREADABLE', `A cached value could not be decoded (${why}); it was treated as a miss and will be overwritten.`);
  }
}

const RAW = 0x01;
const DEFLATED = 0x02;
const DEFAULT_COMPRESS_ABOVE = 16_384;
const DEFAULT_MAX_VALUE = 1_048_576;

/** Resolved codec settings (validated once per store). */
export interface Codec {
  encode(value: unknown, namespace: string): Buffer | CacheBackendError;
  decode(bytes: Buffer): unknown;
}

const allowedPrototypes = new Set<unknown>([
  Object.prototype, null, Array.prototype, Date.prototype, Map.prototype, Set.prototype, RegExp.prototype,
  Error.prototype, TypeError.prototype, RangeError.prototype, ArrayBuffer.prototype, Buffer.prototype,
  Boolean.prototype, Number.prototype, String.prototype,
]);
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

/** First object reachable from `value` whose prototype would be lost, as a description; undefined if none. */
function classInstanceIn(value: unknown, seen: Set<object>): string | undefined {
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (!allowedPrototypes.has(proto) && !(proto !== null && Object.getPrototypeOf(proto) === typedArrayPrototype)) {
    return `an instance of ${(proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'a class'}`;
  }
  if (ArrayBuffer.isView(value)) return undefined;
  if (value instanceof Map) {
    for (const [k, v] of value) { const f = classInstanceIn(k, seen) ?? classInstanceIn(v, seen); if (f) return f; }
    return undefined;
  }
  if (value instanceof Set) {
    for (const v of value) { const f = classInstanceIn(v, seen); if (f) return f; }
    return undefined;
  }
  for (const k in value) { const f = classInstanceIn((value as Record<string, unknown>)[k], seen); if (f) return f; }
  return undefined;
}

/** Builds the codec from a backend's options; throws `TypeError` naming a bad option. */
export function createCodec(options: SerializeOptions = {}): Codec {
  const compressAbove = options.compressAboveBytes ?? DEFAULT_COMPRESS_ABOVE;
  const max = options.maxValueBytes ?? DEFAULT_MAX_VALUE;
  if (compressAbove !== false && !(Number.isInteger(compressAbove) && compressAbove >= 0)) {
    throw new TypeError(`compressAboveBytes must be a whole number of bytes >= 0 or false, got ${String(compressAbove)}`);
  }
  if (!(Number.isInteger(max) && max > 0)) throw new TypeError(`maxValueBytes must be a whole number of bytes > 0, got ${String(max)}`);
  const checkClasses = options.allowClassInstances !== true;

  return {
    encode(value, namespace) {
      if (checkClasses) {
        const found = classInstanceIn(value, new Set());
        if (found) return new ValueNotSerializableError(namespace, found);
      }
      let payload: Buffer;
      try {
        payload = v8.serialize(value);
      } catch (error) {
        return new ValueNotSerializableError(namespace, error instanceof Error ? error.message : String(error));
      }
      let header = RAW;
      if (compressAbove !== false && payload.length > compressAbove) {
        payload = zlib.deflateRawSync(payload, { level: 3 });
        header = DEFLATED;
      }
      if (payload.length + 1 > max) return new ValueTooLargeError(namespace, payload.length + 1, max);
      const out = Buffer.allocUnsafe(payload.length + 1);
      out[0] = header;
      payload.copy(out, 1);
      return out;
    },
    decode: decodeValue,
  };
}

/** Decodes a stored value; throws `ValueUnreadableError` when it is not in a known format. */
export function decodeValue(bytes: Buffer): unknown {
  const header = bytes[0];
  try {
    if (header === RAW) return v8.deserialize(bytes.subarray(1));
    if (header === DEFLATED) return v8.deserialize(zlib.inflateRawSync(bytes.subarray(1)));
  } catch (error) {
    throw new ValueUnreadableError(error instanceof Error ? error.message : String(error));
  }
  throw new ValueUnreadableError(`unknown format byte ${String(header)}`);
}

/**
 * `codec.encode`, for a store's `set`: a value that cannot be stored (not serializable, too
 * large) is reported through `events` and gives `undefined` (the set is skipped, the caller keeps
 * its computed value).
 */
export function encodeOrReport(codec: Codec, value: unknown, namespace: string, events: StoreEvents): Buffer | undefined {
  const bytes = codec.encode(value, namespace);
  if (bytes instanceof Error) {
    events.backendError?.(bytes);
    return undefined;
  }
  return bytes;
}

/** `codec.decode`, for a store's `get`: bytes that do not decode are reported through `events` and read as a miss. */
export function decodeOrMiss(codec: Codec, bytes: Buffer, events: StoreEvents): unknown {
  try {
    return codec.decode(bytes);
  } catch (error) {
    events.backendError?.(error as Error);
    return MISS;
  }
}
