import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CacheKeyError } from '../../../runtime/src/index.js';
import { canonicalArgs, memoryKey } from '../../../runtime/src/internal.js';

const key = (...args: unknown[]): string => canonicalArgs('t', args);

test('1 and "1" are different keys, in canonical text and in memory keys', () => {
  assert.notEqual(key(1), key('1'));
  assert.notEqual(memoryKey('t', [1], 1), memoryKey('t', ['1'], 1));
  assert.notEqual(key(true), key('true'));
  assert.notEqual(key(null), key('null'));
  assert.notEqual(key(1n), key(1));
});

test('plain objects are key-order independent, nested too', () => {
  assert.equal(key({ a: 1, b: 2 }), key({ b: 2, a: 1 }));
  assert.equal(key({ x: { a: 1, b: [1, { d: 1, c: 2 }] } }), key({ x: { b: [1, { c: 2, d: 1 }], a: 1 } }));
  assert.notEqual(key({ a: 1 }), key({ a: '1' }));
  assert.equal(key(Object.assign(Object.create(null) as object, { a: 1 })), key({ a: 1 }));
});

test('undefined: a property set to undefined is absent; trailing undefined arguments are absent; others are kept', () => {
  assert.equal(key({ a: 1, b: undefined }), key({ a: 1 }));
  assert.equal(key(1, undefined), key(1));
  assert.equal(key(undefined), key());
  assert.notEqual(key(undefined, 1), key(1));
  assert.notEqual(key([undefined]), key([]));
  assert.equal(memoryKey('t', ['x', undefined], 2), memoryKey('t', ['x'], 1));
  assert.equal(memoryKey('t', [1, undefined], 2), memoryKey('t', [1], 1));
});

test('Date, Map, Set, BigInt, typed arrays, ArrayBuffer, RegExp, nested arrays', () => {
  assert.equal(key(new Date('2024-01-02T03:04:05Z')), 'Date(2024-01-02T03:04:05.000Z)');
  assert.notEqual(key(new Date(0)), key(0));
  assert.equal(key(new Map([['a', 1], ['b', 2]])), key(new Map([['b', 2], ['a', 1]])));
  assert.notEqual(key(new Map([['a', 1]])), key({ a: 1 }));
  assert.equal(key(new Set([1, 2, 3])), key(new Set([3, 2, 1])));
  assert.notEqual(key(new Set([1])), key([1]));
  assert.equal(key(10n ** 30n), '1000000000000000000000000000000n');
  assert.equal(key(new Uint8Array([1, 2])), 'Uint8Array(1,2)');
  assert.notEqual(key(new Uint8Array([1, 2])), key(new Int8Array([1, 2])));
  assert.notEqual(key(new Uint8Array([1, 2])), key([1, 2]));
  assert.equal(key(new Uint8Array([255]).buffer), 'ArrayBuffer(ff)');
  assert.equal(key(/a+/gi), 'RegExp("a+",gi)');
  assert.equal(key([[1, [2]], 'x']), '[[1,[2]],"x"]');
  assert.notEqual(key([1, 2]), key(1, 2));
  assert.equal(key(NaN), key(NaN));
  assert.notEqual(key(Infinity), key(-Infinity));
  assert.equal(key(-0), key(0));
});

test('objects with toJSON are keyed by what it returns', () => {
  class Money { constructor(readonly cents: number) {} toJSON() { return { cents: this.cents }; } }
  assert.equal(key(new Money(5)), key({ cents: 5 }));
  assert.notEqual(key(new Money(5)), key(new Money(6)));
});

test('strings are escaped, so no two argument lists collide', () => {
  assert.notEqual(key('a,b'), key('a', 'b'));
  assert.notEqual(key('"a"'), key('a'));
  assert.notEqual(memoryKey('t', ['a\u0001b'], 1), memoryKey('t', ['a', 'b'], 2));
  assert.notEqual(memoryKey('t', ['ab', 'c'], 2), memoryKey('t', ['a', 'bc'], 2));
  assert.notEqual(memoryKey('t', ['\u0000"x"'], 1), memoryKey('t', [['x']], 1));
  assert.notEqual(memoryKey('t', [1, 2], 2), memoryKey('t', ['\u00021,2'], 1));
  assert.notEqual(memoryKey('t', [1, 2], 2), memoryKey('t', ['1', '2'], 2));
  assert.notEqual(memoryKey('t', ['a\u0001b', 'c'], 2), memoryKey('t', ['a', 'b\u0001c'], 2));
  assert.notEqual(memoryKey('t', ['{"a":1}'], 1), memoryKey('t', [{ a: 1 }], 1));
  assert.notEqual(memoryKey('t', ['\u0082abc'], 1), memoryKey('t', ['ab', 'c'], 2), 'a lone string cannot pose as a length-prefixed pair');
  assert.notEqual(memoryKey('t', ['x'.repeat(200), 'y'], 2), memoryKey('t', ['x'.repeat(199), 'xy'], 2));
  assert.equal(memoryKey('t', ['é'], 1), '\u0000"é"');
  assert.equal(memoryKey('t', ['日本'], 1), '日本');
  assert.equal(memoryKey('t', [{ b: 1, a: 2 }], 1), memoryKey('t', [{ a: 2, b: 1 }], 1), 'one plain object: order independent on the fast path too');
  assert.equal(memoryKey('t', [{ a: 1, d: new Date(0) }], 1), memoryKey('t', [{ d: new Date(0), a: 1 }], 1));
});

for (const [label, value, where] of [
  ['a function', () => 1, ''],
  ['a symbol', Symbol('s'), ''],
  ['a class instance without toJSON', new (class Conn {})(), ''],
  ['a nested function', { user: { tags: [1, () => 2] } }, '.user.tags[1]'],
] as const) {
  test(`${label} gives a CacheKeyError naming the argument position${where ? ' and the path' : ''}`, () => {
    assert.throws(() => key('ok', value), (e: unknown) => {
      assert.ok(e instanceof CacheKeyError);
      assert.equal(e.code, 'CACHELENS_KEY');
      assert.equal(e.argumentIndex, 1);
      assert.equal(e.path, where);
      assert.match(e.message, /argument 2 \(index 1\)/);
      assert.match(e.message, /`key` option/);
      return true;
    });
  });
}

test('a cycle gives a CacheKeyError; a shared (acyclic) object does not', () => {
  const a: Record<string, unknown> = { x: 1 };
  a.self = a;
  assert.throws(() => key(a), (e: unknown) => e instanceof CacheKeyError && /cycle/.test(e.message) && e.path === '.self');
  const shared = { v: 1 };
  assert.equal(key([shared, shared]), '[{"v":1},{"v":1}]');
});

test('keys are the same in another process (deterministic across processes)', () => {
  const args = [{ b: [1, 2n, new Date(5)], a: new Map([['k', new Set(['z', 'y'])]]) }, 'x', 3.5];
  const script = `
    const { canonicalArgs } = require('./runtime/src/keys.ts');
    const args = [{ a: new Map([['k', new Set(['y', 'z'])]]), b: [1, 2n, new Date(5)] }, 'x', 3.5];
    process.stdout.write(canonicalArgs('t', args));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.resolve(__dirname, '../../..'), encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, key(...args));
});

test('a string argument is quoted as JSON.stringify quotes it, for every UTF-16 code unit and pair', () => {
  for (let c = 0; c < 0x10000; c++) {
    const s = `a${String.fromCharCode(c)}b`;
    assert.equal(canonicalArgs('f', [s]), JSON.stringify(s), `code unit ${c.toString(16)}`);
  }
  for (const s of ['\u{1F600}', 'x\ud83d\ude00y', '\ude00\ud83d', '', 'plain text', 'a"b\\c\n\u2028']) {
    assert.equal(canonicalArgs('f', [s, 1]), `${JSON.stringify(s)},1`);
  }
});

test('a flat plain object with sorted keys is written exactly as JSON.stringify writes it', async () => {
  const { plainAsJson } = await import('../../../runtime/src/keys.js');
  const objects: Record<string, unknown>[] = [
    {}, { a: 1 }, { a: -0, b: 0, c: 1.5e300, d: -2 }, { a: 'x"y\\z\n', b: true, c: false, d: null }, { a: undefined, b: 1 },
    { b: 1, c: undefined }, { 'a"b': 1, 'a\u2028': 'é\u{1F600}' }, { '\ud800': '\udfff' }, Object.assign(Object.create(null) as object, { k: 'v' }),
    { 1: 'one', 2: 'two', a: 3 }, { page: 2, size: 20 },
  ];
  for (const o of objects) assert.equal(plainAsJson(o), JSON.stringify(o), JSON.stringify(o));
  // Not flat or not sorted: left to the canonical path, which writes the same text the same way every time.
  for (const o of [{ b: 1, a: 2 }, { a: [1] }, { a: NaN }, { a: 1n }, { 10: 1, 9: 2 }]) assert.equal(plainAsJson(o as Record<string, unknown>), undefined);
  assert.equal(key({ b: 1, a: 2 }), key({ a: 2, b: 1 }));
});

test('an inherited enumerable property (a polluted Object.prototype) is not part of a key', () => {
  const before = key({ a: 1 });
  (Object.prototype as Record<string, unknown>).polluted = 1;
  try {
    assert.equal(key({ a: 1 }), before);
    assert.equal(memoryKey('t', [{ a: 1 }], 1), before);
  } finally {
    delete (Object.prototype as Record<string, unknown>).polluted;
  }
});
