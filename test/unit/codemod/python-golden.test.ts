// Golden files of the Python codemod: every case in test/fixtures/codemod-python/<case>/ is run
// through the core and compared byte for byte with its expected files; each transform is applied
// twice (the second run changes nothing) and undone (cache then uncache is the identity, unless a
// case says `roundTrip: false`: an import that was there before and is unused after goes too); inputs
// and results are compiled by Debian's Python, and the cases with a `run` are imported and called
// twice with the real runtime (one miss, then one hit). UPDATE_GOLDEN=1 rewrites the expected files.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { applyEdits, type TextEdit } from '../../../extension/codemod/src/index.js';
import { loadPythonCodemod, type PythonCacheInput, type PythonCodemod } from '../../../extension/codemod/src/python/index.js';
import { cursorIn, golden, read } from './golden.js';
import { loadPyCases, pythonCompileErrors, runtimeHasMemoize, runWithRuntime, type PyGoldenCase } from './python.js';

let codemod: PythonCodemod;

function cacheInput(c: PyGoldenCase, text: string): PythonCacheInput {
  const config = read(c.dir, 'input.config.json');
  return {
    text,
    fileName: `app${c.ext}`,
    relPath: c.relPath,
    position: cursorIn(text, c as never),
    options: c.options,
    config: config === undefined ? undefined : { text: config },
    ...(c.onCached ? { onCached: c.onCached } : {}),
  };
}

function assertNonOverlapping(edits: readonly TextEdit[]): void {
  for (let i = 1; i < edits.length; i++) assert.ok(edits[i - 1]!.end <= edits[i]!.start, 'edits are sorted and do not overlap');
}

const refusalText = (result: { ok: boolean; code?: string; message?: string }): string =>
  `${JSON.stringify({ code: result.code, message: result.message }, null, 2)}\n`;

describe('Python codemod golden files', () => {
  before(async () => {
    codemod = await loadPythonCodemod();
  });

  for (const c of loadPyCases()) {
    it(c.name, () => {
      const input = read(c.dir, c.inputFile)!;
      const fileName = `app${c.ext}`;
      if (!c.refusal && c.ext === '.py') assert.deepEqual(pythonCompileErrors([input]), [undefined], 'the input itself compiles');

      if (c.mode === 'uncache') {
        const result = codemod.uncacheFunction({ text: input, fileName, position: cursorIn(input, c as never) });
        if (c.refusal) {
          assert.equal(result.ok, false);
          const actual = refusalText(result as never);
          assert.equal(actual, golden(c.dir, 'expected.json', actual));
          return;
        }
        assert.ok(result.ok, JSON.stringify(result));
        assertNonOverlapping(result.edits.source);
        const output = applyEdits(input, result.edits.source);
        assert.equal(output, golden(c.dir, `expected${c.ext}`, output), 'source matches the golden file byte for byte');
        assert.deepEqual(pythonCompileErrors([output]), [undefined], 'the result compiles');
        return;
      }

      const result = codemod.cacheFunction(cacheInput(c, input));
      if (c.refusal) {
        assert.equal(result.ok, false, 'refused');
        const actual = refusalText(result as never);
        assert.equal(actual, golden(c.dir, 'expected.json', actual));
        // A refusal is the same on a second try (no state kept between calls).
        assert.deepEqual(codemod.cacheFunction(cacheInput(c, input)), result);
        return;
      }
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.change, c.mode === 'update' ? 'updated' : 'created');
      assertNonOverlapping(result.edits.source);
      const output = applyEdits(input, result.edits.source);
      assert.equal(output, golden(c.dir, `expected${c.ext}`, output), 'source matches the golden file byte for byte');
      assert.deepEqual(pythonCompileErrors([output]), [undefined], 'the result compiles with Python');

      const configIn = read(c.dir, 'input.config.json');
      const configOut = result.edits.config ? applyEdits(configIn ?? '', result.edits.config.edits) : undefined;
      assert.equal(result.edits.config?.create ?? false, result.edits.config !== undefined && configIn === undefined);
      if (configOut !== undefined) {
        assert.equal(configOut, golden(c.dir, 'expected.config.json', configOut));
        assert.doesNotThrow(() => JSON.parse(configOut), 'the config is valid JSON');
        assert.ok(!configOut.includes('$schema'), 'no $schema path is written');
      } else {
        assert.equal(read(c.dir, 'expected.config.json'), undefined, 'no config change expected');
      }

      // Idempotence: the same command on the result changes nothing.
      const again = codemod.cacheFunction(cacheInput(c, output));
      assert.ok(again.ok, JSON.stringify(again));
      assert.equal(again.change, 'unchanged');
      assert.deepEqual(again.edits.source, []);
      assert.ok(again.target.cached, 'the second run sees the target as cached');
      assert.equal(again.target.id, result.target.id);
      const refused = codemod.cacheFunction({ ...cacheInput(c, output), onCached: 'refuse' });
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.code, 'already-cached');

      // Round trip: uncache restores the input byte for byte.
      if (c.mode === 'cache' && c.roundTrip !== false) {
        const undo = codemod.uncacheFunction({ text: output, fileName, position: cursorIn(output, c as never) });
        assert.ok(undo.ok, JSON.stringify(undo));
        assert.equal(applyEdits(output, undo.edits.source), input, 'cache then uncache is the identity');
      }

      if (c.run) {
        if (!runtimeHasMemoize()) return; // the runtime's memoize is not on this branch yet (python/src/cachelens/memoize.py)
        const outcome = runWithRuntime(output, configOut ?? configIn, c.run);
        assert.equal(outcome.second, outcome.first, 'the hit returns what the miss computed');
        assert.deepEqual({ misses: outcome.misses, hits: outcome.hits }, c.run.expect ?? { misses: 1, hits: 1 }, 'one miss, then one hit');
      }
    });
  }
});
