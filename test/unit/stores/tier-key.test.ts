// The two-tier L1 key scheme: a pure, injective map from store keys (canonical argument text) to
// L1 keys that keeps the two forms memoize's call path computes inline (one number, one string).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalArgs } from '../../../runtime/src/keys.js';
import { memoryKey } from '../../../runtime/src/memoize/index.js';
import { tierKey } from '../../../runtime/src/stores/tiered.js';

const storeKey = (...args: unknown[]): string => canonicalArgs('f', args);

describe('tierKey', () => {
  it('maps the store key of one number argument to the number (the call path key)', () => {
    for (const n of [0, 1, 7, 1023, 1024, -1, 2.5, -0.125, 1e21, 1e-7, 0.1 + 0.2, Number.MAX_SAFE_INTEGER, Infinity, -Infinity]) {
      assert.equal(tierKey(storeKey(n)), n, String(n));
      assert.equal(tierKey(storeKey(n)), memoryKey('f', [n], 1), `agrees with memoryKey for ${n}`);
    }
    assert.ok(Object.is(tierKey(storeKey(-0)), 0), '-0 and 0 share a key, as in a Map');
    assert.ok(Number.isNaN(tierKey(storeKey(NaN))));
  });

  it('maps the store key of one string argument to the string when memoryKey keeps strings as they are', () => {
    for (const s of ['abc', 'user:42', 'a,b', '"quoted"', 'back\\slash', '42', 'true', 'null', ' lead', '\u2603 snow', '[1]']) {
      assert.equal(tierKey(storeKey(s)), s, JSON.stringify(s));
      assert.equal(tierKey(storeKey(s)), memoryKey('f', [s], 1), `agrees with memoryKey for ${JSON.stringify(s)}`);
    }
    // Strings memoryKey does not keep as is (empty, '{', control chars, U+0080-U+00FF first) are prefixed.
    for (const s of ['', '{x', '\u0001a', '\u00e9t\u00e9']) assert.equal(tierKey(storeKey(s)), '\u0000' + storeKey(s), JSON.stringify(s));
  });

  it('keeps a key that starts with { as it is, and prefixes every other key', () => {
    assert.equal(tierKey(storeKey({ a: 1 })), '{"a":1}');
    assert.equal(tierKey(storeKey('a', 'b')), '\u0000"a","b"');
    assert.equal(tierKey(storeKey(1, 2)), '\u00001,2');
    assert.equal(tierKey(storeKey(true)), '\u0000true');
    assert.equal(tierKey(storeKey(new Date(0))), '\u0000Date(1970-01-01T00:00:00.000Z)');
    assert.equal(tierKey(''), '\u0000', 'no arguments');
  });

  it('is injective over keys that look alike', () => {
    const keys = [
      '5', '"5"', '5n', '\u00005', '-0', '0', '00', '5.0', '0x10', '1e21', '1e+21', 'NaN', '"NaN"', 'Infinity', '-Infinity',
      '"a"', 'a', '\u0000"a"', '"a","b"', '"a"b"', '"a\\"b"', '"\\u0061"', '"a\nb"', '"{"', '{', '{"a":1}', '{"a":1},2',
      '""', '"', 'true', '"true"', 'null', 'undefined', '[1]', '"[1]"', '"\u0001"', '\u0001', '"\\u00e9"', 'é', '"é"',
    ];
    const seen = new Map<unknown, string>();
    for (const key of keys) {
      const k = tierKey(key);
      const mapKey = typeof k === 'number' ? `n:${Object.is(k, -0) ? 0 : k}` : `s:${k}`;
      assert.equal(seen.get(mapKey), undefined, `${JSON.stringify(key)} and ${JSON.stringify(seen.get(mapKey))} share the L1 key ${JSON.stringify(k)}`);
      seen.set(mapKey, key);
    }
  });

  it('never maps a string argument onto another argument list (a raw string is never a prefixed or { key)', () => {
    for (const s of ['a', 'x,y', '{', '\u0000a', '5']) {
      const asString = tierKey(storeKey(s));
      for (const other of [storeKey(5), storeKey('a', 'b'), storeKey({ a: 1 }), storeKey(['a'])]) {
        if (other !== storeKey(s)) assert.notEqual(asString, tierKey(other));
      }
    }
  });
});
