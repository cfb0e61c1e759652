/**
 * The structure of a value as a list of leaves (path, type, text), for the `verify` option: a
 * stable hash of it (two values with the same structure and contents hash alike, in any process)
 * and the paths where two values differ. Unlike the key rule (`keys.ts`), which refuses what it
 * cannot key, this takes anything a function may return: class instances (their own enumerable
 * properties, under their class's name), Maps, Sets, typed arrays, Dates, errors, functions and
 * symbols (by name), cycles (a reference to the path seen first), and objects that throw when read
 * (getters, Proxies: `unreadable`). Walks at most `MAX_NODES` nodes; the rest is one `truncated` leaf.
 */
import { createHash } from 'node:crypto';

/** Most nodes walked in one value; past it the value is summarised by one `truncated` leaf. */
export const MAX_NODES = 100_000;

/** One leaf of a value: where it is, what type it has, and its contents as text. */
export interface Leaf {
  readonly path: string;
  readonly type: string;
  readonly text: string;
}

type Visit = (path: string, type: string, text: string) => void;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function member(path: string, name: string): string {
  return IDENTIFIER.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function className(value: object): string {
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null) return 'Object';
    const ctor = (proto as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'Object';
  } catch {
    return 'Object';
  }
}

/** Calls `visit` for every leaf of `value`, in a deterministic order (object keys sorted). */
export function walkValue(value: unknown, visit: Visit, maxNodes = MAX_NODES): void {
  const seen = new Map<object, string>();
  let nodes = 0;
  const walk = (v: unknown, path: string): void => {
    if (++nodes > maxNodes) {
      if (nodes === maxNodes + 1) visit(path, 'truncated', '');
      return;
    }
    switch (typeof v) {
      case 'undefined': return visit(path, 'undefined', '');
      case 'boolean': return visit(path, 'boolean', String(v));
      case 'number': return visit(path, 'number', Object.is(v, -0) ? '-0' : String(v));
      case 'bigint': return visit(path, 'bigint', String(v));
      case 'string': return visit(path, 'string', v);
      case 'symbol': return visit(path, 'symbol', v.description ?? '');
      case 'function': return visit(path, 'function', v.name);
    }
    if (v === null) return visit(path, 'null', '');
    const o = v as object;
    const first = seen.get(o);
    if (first !== undefined) return visit(path, 'reference', first);
    seen.set(o, path);
    try {
      walkObject(o, path);
    } catch {
      visit(path, 'unreadable', ''); // a Proxy trap or a getter threw
    }
  };
  const walkObject = (o: object, path: string): void => {
    if (Array.isArray(o)) {
      visit(path, `array(${o.length})`, '');
      for (let i = 0; i < o.length; i++) walk(o[i], `${path}[${i}]`);
      return;
    }
    if (ArrayBuffer.isView(o)) {
      const bytes = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      return visit(path, `${className(o)}(${o.byteLength} bytes)`, createHash('sha1').update(bytes).digest('base64'));
    }
    if (o instanceof ArrayBuffer) return visit(path, `ArrayBuffer(${o.byteLength} bytes)`, createHash('sha1').update(new Uint8Array(o)).digest('base64'));
    if (o instanceof Date) return visit(path, 'Date', Number.isNaN(o.getTime()) ? 'Invalid Date' : o.toISOString());
    if (o instanceof RegExp) return visit(path, 'RegExp', String(o));
    if (o instanceof Error) visit(path, className(o), `${o.name}: ${o.message}`);
    else if (o instanceof Map) {
      visit(path, `Map(${o.size})`, '');
      let i = 0;
      for (const [k, value] of o) {
        walk(k, `${path}.keys()[${i}]`);
        walk(value, `${path}.values()[${i}]`);
        i++;
      }
      return;
    } else if (o instanceof Set) {
      visit(path, `Set(${o.size})`, '');
      let i = 0;
      for (const value of o) walk(value, `${path}.values()[${i++}]`);
      return;
    } else if (o instanceof Promise || o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef) {
      return visit(path, className(o), ''); // opaque: their contents cannot be read synchronously
    } else if (o instanceof Number || o instanceof String || o instanceof Boolean) {
      return visit(path, className(o), String(o.valueOf()));
    } else {
      visit(path, className(o), '');
    }
    for (const name of Object.keys(o).sort()) walk((o as Record<string, unknown>)[name], member(path, name));
  };
  walk(value, 'value');
}

/** A stable hash of `value`'s structure and contents (base64 SHA-1 of its leaves). Never throws. */
export function valueHash(value: unknown): string {
  const hash = createHash('sha1');
  walkValue(value, (path, type, text) => {
    hash.update(path).update('\u0000').update(type).update('\u0000').update(text).update('\u0001');
  });
  return hash.digest('base64');
}

/** Most leaves listed per value when two values are compared (the first difference is past them: `truncated`). */
const MAX_DIFF_LEAVES = 10_000;

/** The leaves of `value`, at most `MAX_DIFF_LEAVES`. */
export function leavesOf(value: unknown): Leaf[] {
  const leaves: Leaf[] = [];
  walkValue(value, (path, type, text) => { leaves.push({ path, type, text }); }, MAX_DIFF_LEAVES);
  return leaves;
}

/** One place where two values differ: `undefined` on a side where the path does not exist. */
export interface LeafDifference {
  readonly path: string;
  readonly a: Leaf | undefined;
  readonly b: Leaf | undefined;
}

/** The first `max` paths where `a` and `b` differ, in `a`'s order, then the paths only `b` has. */
export function differences(a: unknown, b: unknown, max: number): LeafDifference[] {
  const left = leavesOf(a);
  const right = new Map(leavesOf(b).map((leaf) => [leaf.path, leaf]));
  const found: LeafDifference[] = [];
  for (const leaf of left) {
    const other = right.get(leaf.path);
    right.delete(leaf.path);
    if (other !== undefined && other.type === leaf.type && other.text === leaf.text) continue;
    found.push({ path: leaf.path, a: leaf, b: other });
    if (found.length >= max) return found;
  }
  for (const leaf of right.values()) {
    found.push({ path: leaf.path, a: undefined, b: leaf });
    if (found.length >= max) break;
  }
  return found;
}
