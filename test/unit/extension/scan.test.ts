/** Finding cached functions by the codemod's `id` option, and where their hint goes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findCachedFunctions } from '../../../extension/src/live/scan.js';

describe('findCachedFunctions', () => {
  test('wrapper form: the hint goes on the line that opens the memoize call, not on the options line', () => {
    const text = [
      "import { memoize } from 'cachelens';",
      '',
      'export const getPrices = memoize(',
      '  async function getPrices(region: string) {',
      '    if (region) { return [1, 2]; }',
      '    return fetch(`x(${region})`);',
      '  },',
      '  { id: "src/prices.ts#getPrices", ttl: "5m" },',
      ');',
    ].join('\n');
    assert.deepEqual(findCachedFunctions(text), [{ id: 'src/prices.ts#getPrices', line: 2, idLine: 7 }]);
  });

  test('decorator form and several functions in one file', () => {
    const text = [
      'class UserRepo {',
      "  @memoize({ id: 'src/repo.ts#UserRepo.find', ttl: '1m' })",
      '  find(id: string) { return db.get(id); }',
      '',
      '  @memoize({',
      '    backend: "shared",',
      '    id: `src/repo.ts#UserRepo.list`,',
      '  })',
      '  list() { return []; }',
      '}',
    ].join('\n');
    assert.deepEqual(findCachedFunctions(text).map((m) => [m.id, m.line]), [['src/repo.ts#UserRepo.find', 1], ['src/repo.ts#UserRepo.list', 4]]);
  });

  test('ignores ids that are not function ids (no #) and handles CRLF', () => {
    assert.deepEqual(findCachedFunctions('const x = { id: "user-42" };'), []);
    assert.deepEqual(findCachedFunctions('const f = memoize(g,\r\n { id: "a.ts#g" });').map((m) => m.line), [0]);
  });

  test('Python: the id keyword of @memoize(...), on one line or spread over lines, as the codemod writes it', () => {
    const text = [
      'from cachelens import memoize',
      '',
      '@app.route("/sales/<region>")',
      '@memoize(backend="memory", ttl="5m", id="app.py#sales")',
      'def sales(region):',
      '    return {}',
      '',
      'class Units:',
      '    @cachelens.memoize(',
      '        ttl=60,',
      "        id='shop/units.py#Units.to_cents',",
      '    )',
      '    def to_cents(self, x): return x',
    ].join('\r\n');
    assert.deepEqual(findCachedFunctions(text), [
      { id: 'app.py#sales', line: 3, idLine: 3 },
      { id: 'shop/units.py#Units.to_cents', line: 8, idLine: 10 },
    ]);
  });

  test('Python: an id keyword of another call (a Dash component) is not a cached function', () => {
    assert.deepEqual(findCachedFunctions('layout = html.Div(id="page#top", children=[])\n'), []);
    assert.deepEqual(findCachedFunctions('x = dict(id="a.py#f")\n'), []);
  });
});
