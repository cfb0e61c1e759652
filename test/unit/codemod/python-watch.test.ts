// Golden files of "Watch this cache" (extension/codemod/src/python/watch.ts): every case in
// test/fixtures/codemod-python-watch/<case>/ (`case.json` with the cursor text, `input.py`, and
// `expected.py` or, for a refusal, `expected.json`) compared byte for byte; a second run changes
// nothing; inputs and results compiled by Debian's Python, and one result imported with the real
// runtime (python/src) and called: watch() accepts the functools cache and counts its hits.
// UPDATE_GOLDEN=1 rewrites the expected files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, it, test } from 'node:test';
import { applyEdits } from '../../../extension/codemod/src/index.js';
import { loadPythonCodemod, type PythonCodemod } from '../../../extension/codemod/src/python/index.js';
import { golden, read } from './golden.js';
import { PYTHON, pythonCompileErrors } from './python.js';

const FIXTURES = resolve(__dirname, '../../fixtures/codemod-python-watch');
const PYTHON_SRC = resolve(__dirname, '../../../python/src');

interface WatchCase {
  name: string;
  dir: string;
  cursor: string;
  refusal?: boolean;
}

const cases: WatchCase[] = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({ ...(JSON.parse(readFileSync(join(FIXTURES, d.name, 'case.json'), 'utf8')) as Omit<WatchCase, 'name' | 'dir'>), name: d.name, dir: join(FIXTURES, d.name) }))
  .sort((a, b) => a.name.localeCompare(b.name));

let codemod: PythonCodemod;
const watch = (text: string, cursor: string) => codemod.watchFunction({ text, fileName: 'app.py', position: text.indexOf(cursor) });

describe('"Watch this cache" golden files (Python)', () => {
  before(async () => {
    codemod = await loadPythonCodemod();
  });

  test('there are cases, and refusals among them', () => {
    assert.ok(cases.length >= 10, `${cases.length} cases`);
    assert.ok(cases.some((c) => c.refusal));
  });

  for (const c of cases) {
    it(c.name, () => {
      const input = read(c.dir, 'input.py')!;
      assert.ok(input.includes(c.cursor), `cursor text ${c.cursor} is in the input`);
      const result = watch(input, c.cursor);
      if (c.refusal) {
        assert.equal(result.ok, false, 'refused');
        const actual = `${JSON.stringify({ code: !result.ok && result.code, message: !result.ok && result.message }, null, 2)}\n`;
        assert.equal(actual, golden(c.dir, 'expected.json', actual));
        return;
      }
      assert.deepEqual(pythonCompileErrors([input]), [undefined], 'the input compiles');
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.change, 'created');
      const output = applyEdits(input, result.edits.source);
      assert.equal(output, golden(c.dir, 'expected.py', output), 'matches the golden file byte for byte');
      assert.deepEqual(pythonCompileErrors([output]), [undefined], 'the result compiles with Python');
      const again = watch(output, c.cursor);
      assert.ok(again.ok && again.change === 'unchanged' && again.edits.source.length === 0, `a second run changes nothing: ${JSON.stringify(again)}`);
    });
  }

  it('the watched module imports and runs with the runtime (watch() accepts the functools cache, whose own counters stay right)', () => {
    const c = cases.find((k) => k.name === 'lru-cache-module')!;
    const input = read(c.dir, 'input.py')!;
    const result = watch(input, c.cursor);
    assert.ok(result.ok);
    const dir = mkdtempSync(join(tmpdir(), 'cachelens-pywatch-'));
    try {
      writeFileSync(join(dir, 'watched_app.py'), applyEdits(input, result.edits.source));
      const script = [
        'import json, watched_app',
        'watched_app.report(); watched_app.report(); watched_app.report()',
        'info = watched_app.get_rates.cache_info()',
        'print(json.dumps({"hits": info.hits, "misses": info.misses}))',
      ].join('\n');
      const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: `${PYTHON_SRC}:${dir}`, PYTHONDONTWRITEBYTECODE: '1' };
      delete env.CACHELENS_ENDPOINT;
      const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').pop()!), { hits: 2, misses: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
