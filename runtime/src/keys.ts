/**
 * Cache keys: a canonical, deterministic text for a list of arguments, the same in every process
 * and on every machine (remote stores share keys across replicas).
 *
 * Rules (see docs/configuration.md, "Keys"):
 * - `1` and `"1"` differ; `0` and `-0` are the same key (as in `Map` and JSON).
 * - Plain objects are key-order independent; properties whose value is `undefined` count as absent.
 * - Trailing `undefined` arguments count as absent: `f(1)` and `f(1, undefined)` share a key
 *   (default parameters cannot tell them apart either). `undefined` in the middle is kept.
 * - Date, Map, Set (order independent), BigInt, typed arrays, ArrayBuffer, RegExp, nested arrays and
 *   plain objects are supported; objects with `toJSON` are keyed by what it returns.
 * - Functions, symbols, other class instances, cycles, nesting deeper than `MAX_KEY_DEPTH` and
 *   values that cannot be read (a getter, `toJSON` or Proxy trap that throws) throw `CacheKeyError`.
 */
import { CacheKeyError } from './errors.js';

/** Thrown internally with the location; `canonicalArgs` turns it into a CacheKeyError. */
class KeyProblem {
  constructor(readonly path: string, readonly problem: string) {}
}

const objectProto = Object.prototype;

/** Deepest nesting of objects in an argument: deeper ones are a CacheKeyError, not a stack overflow. */
export const MAX_KEY_DEPTH = 1000;

function thrown(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an unprintable value';
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function serialize(v: unknown, path: string, seen: object[]): string {
  switch (typeof v) {
    case 'string': return quoted(v);
    case 'number': return v === 0 ? '0' : String(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'undefined';
    case 'bigint': return `${v}n`;
    case 'symbol': throw new KeyProblem(path, `is a symbol (${String(v)}), which has no stable identity across processes`);
    case 'function': throw new KeyProblem(path, `is a function${v.name ? ` (${v.name})` : ''}, which cannot be compared by value`);
    default: break;
  }
  if (v === null) return 'null';
  const o = v as object;
  if (seen.includes(o)) throw new KeyProblem(path, 'contains a cycle (an object that contains itself)');
  if (seen.length >= MAX_KEY_DEPTH) throw new KeyProblem(path, `is nested more than ${MAX_KEY_DEPTH} levels deep`);
  seen.push(o);
  let out: string;
  try {
    out = serializeObject(o, path, seen);
  } catch (error) {
    if (error instanceof KeyProblem) throw error;
    // A Proxy trap, a getter or toJSON threw (or the stack ran out): named here, with the path.
    throw new KeyProblem(path, `could not be read (${thrown(error)})`);
  }
  seen.pop();
  return out;
}

function serializeObject(o: object, path: string, seen: object[]): string {
  let out: string;
  if (Array.isArray(o)) {
    out = '[';
    for (let i = 0; i < o.length; i++) out += (i ? ',' : '') + serialize(o[i], `${path}[${i}]`, seen);
    out += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto === objectProto || proto === null) {
      out = serializePlain(o as Record<string, unknown>, path, seen);
    } else if (o instanceof Date) {
      out = `Date(${Number.isNaN(o.getTime()) ? 'NaN' : o.toISOString()})`;
    } else if (o instanceof Map) {
      const parts: string[] = [];
      for (const [k, x] of o) {
        const ks = serialize(k, `${path}<key>`, seen);
        parts.push(`${ks}=>${serialize(x, `${path}.get(${ks})`, seen)}`);
      }
      out = `Map{${parts.sort(compareKeys).join(',')}}`;
    } else if (o instanceof Set) {
      const parts: string[] = [];
      let i = 0;
      for (const x of o) parts.push(serialize(x, `${path}<item ${i++}>`, seen));
      out = `Set{${parts.sort(compareKeys).join(',')}}`;
    } else if (ArrayBuffer.isView(o)) {
      const name = o.constructor.name;
      if (o instanceof DataView) out = `DataView(${Buffer.from(o.buffer, o.byteOffset, o.byteLength).toString('hex')})`;
      else out = `${name}(${Array.prototype.join.call(o, ',')})`;
    } else if (o instanceof ArrayBuffer) {
      out = `ArrayBuffer(${Buffer.from(o).toString('hex')})`;
    } else if (o instanceof RegExp) {
      out = `RegExp(${JSON.stringify(o.source)},${o.flags})`;
    } else if (typeof (o as { toJSON?: unknown }).toJSON === 'function') {
      out = serialize((o as { toJSON(key: string): unknown }).toJSON(''), path, seen);
    } else {
      const name = (o.constructor as { name?: string } | undefined)?.name || 'anonymous class';
      throw new KeyProblem(path, `is an instance of ${name} without toJSON(), which has no value-based identity`);
    }
  }
  return out;
}

/** The characters `JSON.stringify` escapes in a string: `"`, `\`, controls and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(s)`; a string with nothing to escape (most) is quoted as is, in a third of the time. */
function quoted(s: string): string {
  return ESCAPED.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/** How many property names `namePrefix` remembers (names beyond are quoted on every use). */
const QUOTED_NAMES_MAX = 1024;
/** Per property name: its text as the first member of an object (`{"name":`) and as a later one (`,"name":`). */
const quotedNames = new Map<string, { first: string; next: string }>();

/**
 * `{"name":` or `,"name":` (`first`: the object's first member), remembered: property names
 * repeat, and quoting them (and joining the separator) is much of a small object's text.
 */
function namePrefix(name: string, first: boolean): string {
  let q = quotedNames.get(name);
  if (q === undefined) {
    const text = quoted(name) + ':';
    q = { first: '{' + text, next: ',' + text };
    if (quotedNames.size < QUOTED_NAMES_MAX) quotedNames.set(name, q);
  }
  return first ? q.first : q.next;
}

/**
 * For the common small object whose keys are already sorted and whose values are strings,
 * finite numbers, booleans, null or undefined, the canonical text is exactly what JSON.stringify
 * produces (it also drops undefined properties and writes -0 as 0). It is written here in the one
 * pass that checks the object, reading each property once: for `{ id, kind }` (a number and a
 * string) 0.57x the time of checking and then calling `JSON.stringify` (median of 20 rounds).
 * Anything else answers undefined, and the canonical path (`serialize`) decides.
 */
export function plainAsJson(o: Record<string, unknown>): string | undefined {
  let previous: string | undefined;
  let out = '';
  try {
    for (const k in o) {
      if (previous !== undefined && k <= previous) return undefined;
      // for-in also visits inherited enumerable keys (none unless Object.prototype is polluted), which JSON leaves out.
      if (!Object.hasOwn(o, k)) return undefined;
      previous = k;
      const v = o[k];
      let text: string;
      switch (typeof v) {
        case 'string': text = quoted(v); break;
        case 'number':
          if (!Number.isFinite(v)) return undefined;
          text = v === 0 ? '0' : String(v);
          break;
        case 'boolean': text = v ? 'true' : 'false'; break;
        case 'undefined': continue;
        case 'object':
          if (v !== null) return undefined;
          text = 'null';
          break;
        default: return undefined;
      }
      out += namePrefix(k, out === '') + text;
    }
  } catch {
    return undefined; // a getter or Proxy trap threw: the canonical path names it in a CacheKeyError
  }
  return out === '' ? '{}' : out + '}';
}

function serializePlain(o: Record<string, unknown>, path: string, seen: object[]): string {
  const json = plainAsJson(o);
  if (json !== undefined) return json;
  const keys = Object.keys(o);
  // Most objects arrive with their keys already sorted or in one fixed order; sort only when needed.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) { keys.sort(compareKeys); break; }
  }
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    let x: unknown;
    try {
      x = o[k];
    } catch (error) {
      throw new KeyProblem(`${path}.${k}`, `could not be read (its getter threw ${thrown(error)})`);
    }
    if (x === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + serialize(x, `${path}.${k}`, seen);
    first = false;
  }
  return out + '}';
}

/**
 * `serialize(v)` for the shapes most arguments have (a primitive other than a symbol, or a plain
 * object of primitives whose keys are already sorted), without its bookkeeping (paths, the cycle
 * list, the walk); undefined for every other value, which takes `serialize`.
 */
export function flatText(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number': return v === 0 ? '0' : String(v);
    case 'string': return quoted(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'undefined';
    case 'object': {
      if (v === null) return 'null';
      let proto: unknown;
      try {
        proto = Object.getPrototypeOf(v);
      } catch {
        return undefined; // a Proxy trap threw: serialize names it
      }
      return proto === objectProto || proto === null ? plainAsJson(v as Record<string, unknown>) : undefined;
    }
    default: return undefined;
  }
}

/**
 * The canonical text of `args[0..length)`, trailing `undefined`s dropped.
 * @throws CacheKeyError naming `functionId` and the argument position.
 */
export function canonicalArgs(functionId: string, args: ArrayLike<unknown>, length = args.length): string {
  let n = length;
  while (n > 0 && args[n - 1] === undefined) n--;
  let out = '';
  let seen: object[] | undefined;
  for (let i = 0; i < n; i++) {
    const v = args[i];
    let text = flatText(v);
    if (text === undefined) {
      try {
        text = serialize(v, '', (seen ??= []));
      } catch (e) {
        if (e instanceof KeyProblem) throw new CacheKeyError(functionId, i, e.path, e.problem);
        throw e;
      }
    }
    out += i === 0 ? text : ',' + text;
  }
  return out;
}

/** The canonical text of one value (e.g. what a custom `key` function returned). */
export function canonicalValue(functionId: string, value: unknown): string {
  try {
    return serialize(value, '', []);
  } catch (e) {
    if (e instanceof KeyProblem) {
      throw new CacheKeyError(functionId, -1, e.path, e.problem);
    }
    throw e;
  }
}
