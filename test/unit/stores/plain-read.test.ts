// The plain-data reader of the value codec: for any bytes, it answers what v8.deserialize answers,
// or declines (NOT_PLAIN) and leaves them to v8.deserialize. Model-based: v8 itself is the model.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import v8 from 'node:v8';
import { NOT_PLAIN, readPlain } from '../../../runtime/src/stores/remote/plain-read.js';
import { createCodec, decodeValue } from '../../../runtime/src/stores/serialize.js';
// A small deterministic generator (mulberry32), so a failure names a reproducible seed.
import { random as rng } from '../policy/random.js';


const NUMBERS = [0, -0, 1, -1, 63, 64, -64, -65, 127, 128, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1.5, -1e-300, 1e300, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE];
const STRINGS = ['', 'a', 'id', 'x'.repeat(200), 'é', 'naïve', '€uro', '日本語', '😀', '\ud800', 'a\u0000b', 'ÿ', '__proto__', 'constructor', '0', '1', '42', '4294967295', '-1', '1.5'];

function gen(random: () => number, depth: number, pool: object[]): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const r = random();
  if (depth > 4 || r < 0.35) {
    return pick<() => unknown>([
      () => pick(NUMBERS), () => pick(STRINGS), () => Math.floor(random() * 1e6) - 5e5, () => random() * 1e4,
      () => null, () => undefined, () => true, () => false, () => new Date(Math.floor(random() * 2e12)), () => new Date(NaN),
    ])();
  }
  if (r < 0.5 && pool.length > 0) return pick(pool); // a shared or cyclic part
  if (r < 0.75) {
    const object: Record<string, unknown> = {};
    pool.push(object);
    const n = Math.floor(random() * 5);
    for (let i = 0; i < n; i++) {
      const key = random() < 0.2 ? String(Math.floor(random() * 20)) : pick(STRINGS);
      if (key === '__proto__') Object.defineProperty(object, key, { value: gen(random, depth + 1, pool), enumerable: true, writable: true, configurable: true });
      else object[key] = gen(random, depth + 1, pool);
    }
    return object;
  }
  if (r < 0.9) {
    const array: unknown[] = [];
    pool.push(array);
    const n = Math.floor(random() * 5);
    for (let i = 0; i < n; i++) array.push(gen(random, depth + 1, pool));
    if (random() < 0.1) delete array[0]; // a hole
    if (random() < 0.05) (array as unknown as Record<string, unknown>).extra = 1; // a property besides the elements
    return array;
  }
  // Outside the plain subset: the reader must decline these.
  return pick<() => unknown>([
    () => new Map([[1, 'a']]), () => new Set(['a']), () => 10n, () => /x/g, () => Buffer.from('ab'),
    () => new Uint8Array([1, 2]), () => new Error('e'), () => Object.assign(Object.create(null) as object, { a: 1 }),
  ])();
}

/** Same value, same prototypes, same own key order, and the same sharing of parts. */
function sameShape(a: unknown, b: unknown, seenA = new Map<object, object>()): boolean {
  if (typeof a !== 'object' || a === null) return Object.is(a, b);
  if (typeof b !== 'object' || b === null) return false;
  const known = seenA.get(a);
  if (known !== undefined) return known === b;
  seenA.set(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (!isDeepStrictEqual(ka, kb)) return false;
  return ka.every((k) => sameShape((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], seenA));
}

it('reads exactly what v8.deserialize reads, or declines (10,000 random values)', () => {
  let read = 0;
  let declined = 0;
  for (let seed = 1; seed <= 10_000; seed++) {
    const value = gen(rng(seed), 0, []);
    const bytes = v8.serialize(value);
    const expected = v8.deserialize(bytes) as unknown;
    const got = readPlain(bytes, 0);
    if (got === NOT_PLAIN) { declined++; continue; }
    read++;
    assert.ok(sameShape(got, expected), `seed ${seed}`);
  }
  // Both paths are exercised.
  assert.ok(read > 5000, `read ${read}`);
  assert.ok(declined > 500, `declined ${declined}`);
});

it('declines damaged or truncated bytes, which v8.deserialize then judges', () => {
  const random = rng(7);
  for (let i = 0; i < 3000; i++) {
    const bytes = Buffer.from(v8.serialize(gen(random, 0, [])));
    const cut = random() < 0.5;
    const damaged = cut ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
    if (!cut) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
    let expected: { value: unknown } | { error: true };
    try { expected = { value: v8.deserialize(damaged) as unknown }; } catch { expected = { error: true }; }
    const got = readPlain(damaged, 0);
    if (got === NOT_PLAIN) continue;
    assert.ok('value' in expected, `case ${i}: read bytes v8 refuses`);
    assert.ok(sameShape(got, expected.value), `case ${i}`);
  }
});

it('declines other format versions, and bytes left over after the value', () => {
  const bytes = v8.serialize({ a: 1 });
  const older = Buffer.from(bytes);
  older[1] = 13;
  assert.equal(readPlain(older, 0), NOT_PLAIN);
  assert.equal(readPlain(Buffer.concat([bytes, Buffer.from([0x30])]), 0), NOT_PLAIN);
  assert.deepEqual(readPlain(Buffer.concat([Buffer.from([9, 9]), bytes]), 2), { a: 1 });
});

it('keeps an own "__proto__" key an own property (through the codec)', () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const codec = createCodec({});
  const back = decodeValue(codec.encode(value, 'ns') as Buffer) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.keys(back), ['__proto__', 'a']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

it('keeps shared and cyclic parts shared (through the codec)', () => {
  const shared = { n: 1 };
  const value: Record<string, unknown> = { a: shared, b: [shared, new Date(5)] };
  value.self = value;
  const codec = createCodec({});
  const back = decodeValue(codec.encode(value, 'ns') as Buffer) as { a: object; b: [object, Date]; self: unknown };
  assert.equal(back.a, back.b[0]);
  assert.equal(back.self, back);
  assert.equal(back.b[1].getTime(), 5);
});
