// Results that cannot be measured (a getter or a Proxy trap that throws) or are very deep, wide or
// cyclic, on the in-memory backends: the call returns the result, nothing is cached, the value is
// counted (backendErrors), and the process lives on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cacheOf, memoize } from '../../../runtime/src/index.js';
import { approxBytes } from '../../../runtime/src/units.js';
import { settle } from './helpers.js';

const root = path.resolve(__dirname, '../../..');

function throwingGetter(): { ok: number; boom: number } {
  return { ok: 1, get boom(): number { throw new Error('boom'); } };
}
function throwingProxy(): object {
  return new Proxy({ ok: 1 }, { ownKeys() { throw new Error('trap'); } });
}
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({ ok: 1 }, {});
  revoke();
  return proxy;
}

describe('a result that cannot be measured, on the in-memory backends', () => {
  for (const backend of ['memory', 'lru']) {
    it(`does not kill the process, is returned uncached and counted (${backend}, child process)`, () => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'values-child.ts'), backend], {
        cwd: root, encoding: 'utf8', timeout: 60_000,
      });
      assert.equal(child.status, 0, `exit code ${String(child.status)}: ${child.stderr}`);
      const r = JSON.parse(child.stdout) as { ok: number; calls: number; hits: number; entries: number; backendErrors: number };
      assert.deepEqual(r, { ok: 1, calls: 2, hits: 0, entries: 0, backendErrors: 2 });
      assert.match(child.stderr, /CACHELENS_VALUE_NOT_CACHEABLE/);
    });

    for (const [name, make] of [['a throwing getter', throwingGetter], ['a throwing Proxy trap', throwingProxy], ['a revoked Proxy', revokedProxy]] as const) {
      it(`a sync function's result with ${name} is returned and not cached (${backend})`, () => {
        let calls = 0;
        const made: object[] = [];
        const f = memoize((_n: number) => { calls++; const v = make(); made.push(v); return v; }, { backend, id: `values-sync-${backend}-${name}` });
        assert.equal(f(1), made[0]);
        assert.equal(f(1), made[1]);
        assert.equal(calls, 2);
        const s = cacheOf(f).stats();
        assert.equal(s.entries, 0);
        assert.equal(s.backendErrors, 2);
      });

      // (An async function cannot resolve to a revoked Proxy: the engine reads its `then`.)
      if (make !== revokedProxy) it(`an async function's result with ${name} is returned and not cached (${backend})`, async () => {
        let calls = 0;
        const f = memoize(async (_n: number) => { calls++; return make(); }, { backend, id: `values-async-${backend}-${name}` });
        await f(1);
        await settle();
        await f(1);
        await settle();
        assert.equal(calls, 2);
        assert.equal(cacheOf(f).stats().entries, 0);
        assert.equal(cacheOf(f).stats().backendErrors, 2);
      });
    }
  }

  it('deep, wide, sparse and cyclic results are cached, measured in bounded time', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    const wideMap = new Map(Array.from({ length: 200_000 }, (_, i) => [i, i]));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const [name, value] of Object.entries({ deep, sparse, wideMap, cyclic })) {
      const t0 = performance.now();
      const bytes = approxBytes(value);
      assert.ok(typeof bytes === 'number' && bytes > 0, `${name}: ${String(bytes)}`);
      assert.ok(performance.now() - t0 < 1000, `${name} took ${performance.now() - t0} ms`);
      let calls = 0;
      const f = memoize(() => { calls++; return value; }, { id: `values-shape-${name}` });
      assert.equal(f(), value);
      assert.equal(f(), value);
      assert.equal(calls, 1, name);
    }
  });
});
