/**
 * The value codec of the out-of-process stores (Redis, Memcached, disk).
 *
 * Format: one header byte, then the payload. `0x01` = `v8.serialize` output, `0x02` = the same,
 * deflate-compressed. v8's structured-clone format was chosen by measurement
 * (`bench/backends-serialize.ts`, `docs/benchmarks.md (backends section)`): it returns exactly what went in for
 * plain data, `undefined` vs `null`, `-0`, sparse arrays, Date, Map (any keys), Set, BigInt, RegExp,
 * Error, typed arrays and Buffers, and it throws on functions and symbols instead of silently
 * dropping them (msgpackr, twice as fast, loses `-0`, holes and functions; JSON with a reviver is
 * twice as slow). What it would change (class instances, null-prototype objects, errors' own
 * properties) is refused (not cached) unless `allowClassInstances` is set: see `notCacheableReason`,
 * the one rule of what a shared backend caches (docs/configuration.md, "What is cached").
 *
 * Values written by a newer Node may not be readable by an older one during a rolling upgrade:
 * such a value decodes as a miss (and is reported), never as a wrong value.
 */
import v8 from 'node:v8';
import zlib from 'node:zlib';
import { BackendConfigError, CacheBackendError } from './remote/errors.js';
import { MISS, type StoreEvents } from './types.js';
import { NOT_PLAIN, readPlain } from './remote/plain-read.js';

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
   * Cache values that come back changed: objects whose prototype is a class or null (they come
   * back as plain objects), errors with properties of their own (they come back without them).
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
  Object.prototype, Array.prototype, Date.prototype, Map.prototype, Set.prototype, RegExp.prototype,
  ArrayBuffer.prototype, Buffer.prototype, Boolean.prototype, Number.prototype, String.prototype,
]);
/** Native errors come back as the same class with their `message`, `stack` and `cause`, nothing else. */
const errorPrototypes = new Set<unknown>([
  Error.prototype, TypeError.prototype, RangeError.prototype, EvalError.prototype, ReferenceError.prototype,
  SyntaxError.prototype, URIError.prototype,
]);
const errorOwnKept = new Set(['message', 'stack', 'cause']);
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
/** Deeper values are refused: reading them back would exhaust the stack of the reader. */
export const MAX_VALUE_DEPTH = 1000;

/**
 * The rule of what a shared backend caches (Redis, Memcached, disk, and both tiers of the two-tier
 * store): a value is cached only if it comes back exactly as it went in. Returns why `value` would
 * not (a description naming where in the value), or undefined when it would. With `lossy`
 * (`allowClassInstances`), class instances, null-prototype objects and errors with extra
 * properties are accepted and come back changed (as plain objects / plain errors).
 * Never throws: a value that cannot be read (a getter or a Proxy trap that throws) is refused.
 */
export function notCacheableReason(value: unknown, lossy = false): string | undefined {
  let found: Found | undefined;
  try {
    found = unfaithfulPart(value, 0, new Set(), lossy);
  } catch (error) {
    return `it cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
  return found === undefined ? undefined : `${found.path || 'the value'} ${found.what}`;
}

/** What is not cacheable, and where (the path is built on the way back up, only when something was found). */
class Found {
  path = '';
  constructor(readonly what: string) {}
  under(segment: string): Found {
    this.path = segment + this.path;
    return this;
  }
}

function unfaithfulPart(value: unknown, depth: number, seen: Set<object>, lossy: boolean): Found | undefined {
  if (typeof value === 'function') return new Found('is a function');
  if (typeof value === 'symbol') return new Found('is a symbol');
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  if (depth >= MAX_VALUE_DEPTH) return new Found(`is nested more than ${MAX_VALUE_DEPTH} levels deep`);
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (errorPrototypes.has(proto)) {
    if (!lossy) {
      for (const k of Object.getOwnPropertyNames(value)) {
        if (!errorOwnKept.has(k)) return new Found(`is an error with its own property "${k}", which would be lost (only message, stack and cause are kept)`);
      }
    }
    return unfaithfulPart((value as Error).cause, depth + 1, seen, lossy)?.under('.cause');
  }
  if (proto === null) {
    if (!lossy) return new Found('is an object without a prototype (Object.create(null)), which would come back with Object.prototype');
  } else if (!allowedPrototypes.has(proto) && Object.getPrototypeOf(proto) !== typedArrayPrototype) {
    if (!lossy) return new Found(`is an instance of ${(proto as { constructor?: { name?: string } }).constructor?.name || 'a class'}`);
  }
  if (ArrayBuffer.isView(value)) return undefined;
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      const f = unfaithfulPart(k, depth + 1, seen, lossy)?.under(`<key ${i}>`) ?? unfaithfulPart(v, depth + 1, seen, lossy)?.under(`<value ${i}>`);
      if (f) return f;
      i++;
    }
  } else if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      const f = unfaithfulPart(v, depth + 1, seen, lossy)?.under(`<item ${i}>`);
      if (f) return f;
      i++;
    }
  }
  const isArray = Array.isArray(value);
  if (!isArray && proto !== Object.prototype && proto !== null && !lossy) {
    // Dates, Maps, Sets, regular expressions and boxed primitives keep no properties of their own.
    const own = value instanceof String ? [] : Object.keys(value);
    return own.length > 0 ? new Found(`has its own property "${own[0]!}", which would be lost`) : undefined;
  }
  for (const k in value) {
    const f = unfaithfulPart((value as Record<string, unknown>)[k], depth + 1, seen, lossy);
    if (f) return f.under(isArray ? `[${k}]` : `.${k}`);
  }
  return undefined;
}

/** Builds the codec from a backend's options; throws `BackendConfigError` naming a bad option. */
export function createCodec(options: SerializeOptions = {}): Codec {
  // The backend's config entry: its type names it in errors.
  const type = (options as { type?: unknown }).type;
  const backend = typeof type === 'string' ? type : 'shared';
  const compressAbove = options.compressAboveBytes ?? DEFAULT_COMPRESS_ABOVE;
  const max = options.maxValueBytes ?? DEFAULT_MAX_VALUE;
  if (compressAbove !== false && !(Number.isInteger(compressAbove) && compressAbove >= 0)) {
    throw new BackendConfigError(backend, 'compressAboveBytes', `must be a whole number of bytes >= 0 or false, got ${String(compressAbove)}.`);
  }
  if (!(Number.isInteger(max) && max > 0)) throw new BackendConfigError(backend, 'maxValueBytes', `must be a whole number of bytes > 0, got ${String(max)}.`);
  const lossy = options.allowClassInstances === true;

  return {
    encode(value, namespace) {
      const refused = notCacheableReason(value, lossy);
      if (refused !== undefined) return new ValueNotSerializableError(namespace, refused);
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
  if (header === RAW) {
    // Plain data is read here, several times faster for small values; the rest by v8.deserialize.
    const plain = readPlain(bytes, 1);
    if (plain !== NOT_PLAIN) return plain;
  }
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
