// Arguments that cannot be read or are nested too deeply give a CacheKeyError naming the argument
// and the place inside it, before the function runs, on every key path of the in-memory backends
// (one object argument, two arguments, the general path, a `key` option). The shared-backend key
// path is covered over real servers in test/integration/stores/values.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheKeyError, memoize } from '../../../runtime/src/index.js';
import { MAX_KEY_DEPTH } from '../../../runtime/src/keys.js';

function deepArray(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
const getter = (): object => ({ id: 1, get boom(): number { throw new Error('boom'); } });
const trapProxy = (): object => new Proxy({ id: 1 }, { getPrototypeOf() { throw new Error('trap'); } });
const keysTrapProxy = (): object => new Proxy({ id: 1 }, { ownKeys() { throw new Error('trap'); } });
const badToJSON = (): object => ({ when: new (class Day { toJSON(): never { throw new Error('no json'); } })() });

/** [name, arguments, argumentIndex, path (exact, or a pattern), pattern of the problem] */
const CASES: [string, unknown[], number, string | RegExp, RegExp][] = [
  ['a 10,000-deep array (one argument)', [deepArray(10_000)], 0, /^(\[0\]){1000}$/, /is nested more than 1000 levels deep/],
  ['a 10,000-deep array (second argument)', ['a', deepArray(10_000)], 1, /^(\[0\]){1000}$/, /nested more than 1000 levels/],
  ['a 10,000-deep object chain', [{ next: JSON.parse('{"n":'.repeat(5000) + '1' + '}'.repeat(5000)) as unknown }], 0, /^\.next(\.n){999}$/, /nested more than 1000 levels/],
  ['a throwing getter (one argument)', [getter()], 0, '.boom', /could not be read \(its getter threw Error: boom\)/],
  ['a throwing getter (two arguments)', [1, getter()], 1, '.boom', /could not be read \(its getter threw Error: boom\)/],
  ['a throwing getter (three arguments)', [1, 2, { user: getter() }], 2, '.user.boom', /its getter threw Error: boom/],
  ['a Proxy whose getPrototypeOf trap throws', [trapProxy()], 0, '', /could not be read \(Error: trap\)/],
  ['a Proxy whose ownKeys trap throws', ['x', keysTrapProxy()], 1, '', /could not be read \(Error: trap\)/],
  ['a toJSON that throws', [badToJSON()], 0, '.when', /could not be read \(Error: no json\)/],
];

describe('arguments that cannot be keyed: CacheKeyError before the function runs', () => {
  for (const backend of ['memory', 'lru']) {
    for (const [name, args, index, path, problem] of CASES) {
      it(`${name} (${backend})`, () => {
        let calls = 0;
        const f = memoize((..._args: unknown[]) => { calls++; return 1; }, { backend, id: `argument-keys-${backend}-${name}` });
        assert.throws(() => f(...args), (e: unknown) => {
          assert.ok(e instanceof CacheKeyError, `${String(e)}`);
          assert.equal(e.code, 'CACHELENS_KEY');
          assert.equal(e.argumentIndex, index);
          if (typeof path === 'string') assert.equal(e.path, path);
          else assert.match(e.path, path);
          assert.match(e.message, problem);
          assert.match(e.message, new RegExp(`argument ${index + 1} \\(index ${index}\\)`));
          assert.ok(e.message.length < 500, `message of ${e.message.length} characters`);
          return true;
        });
        assert.equal(calls, 0);
      });
    }
  }

  it('a `key` option that returns an unreadable or too deep value names the key option', () => {
    for (const value of [deepArray(5000), getter()]) {
      let calls = 0;
      const f = memoize((x: number) => { calls++; return x; }, { key: () => value });
      assert.throws(() => f(1), (e: unknown) => e instanceof CacheKeyError && e.argumentIndex === -1 && /`key` option/.test(e.message));
      assert.equal(calls, 0);
    }
  });

  it(`nesting up to ${MAX_KEY_DEPTH} levels is keyed as before`, () => {
    let calls = 0;
    const f = memoize((x: unknown) => { calls++; return x; });
    f(deepArray(MAX_KEY_DEPTH - 1));
    f(deepArray(MAX_KEY_DEPTH - 1));
    assert.equal(calls, 1);
  });
});
