// Golden files: every case in test/fixtures/codemod/<case>/ is run through the core and compared
// byte for byte with its expected files; each transform is applied twice (idempotence) and undone
// (cache then uncache is the identity); TypeScript inputs and results are type-checked with the real
// compiler under strict: true and strict: false (a case's `strict` can narrow that).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import {
  applyEdits,
  cacheFunction,
  uncacheFunction,
  type CacheInput,
  type CacheResult,
  type TextEdit,
} from '../../../extension/codemod/src/index.js';
import { cursorIn, golden, loadCases, read, typeCheck, type GoldenCase } from './golden.js';

const RUNTIME_VERSION = '0.1.0';

function cacheInput(c: GoldenCase, text: string): CacheInput {
  const config = read(c.dir, 'input.config.json');
  const packageJson = read(c.dir, 'input.package.json');
  return {
    text,
    fileName: `src/app${c.ext}`,
    relPath: c.relPath,
    position: cursorIn(text, c),
    options: c.options,
    flavour: c.flavour,
    config: config === undefined ? undefined : { text: config },
    packageJson: packageJson === undefined ? undefined : { text: packageJson },
    runtimeVersion: RUNTIME_VERSION,
    ...(c.onCached ? { onCached: c.onCached } : {}),
  };
}

function assertNonOverlapping(edits: readonly TextEdit[]): void {
  for (let i = 1; i < edits.length; i++) assert.ok(edits[i - 1]!.end <= edits[i]!.start, 'edits are sorted and do not overlap');
}

const isTypeScript = (ext: string): boolean => ['.ts', '.tsx', '.mts', '.cts'].includes(ext);

describe('codemod golden files', () => {
  for (const c of loadCases()) {
    it(c.name, () => {
      const input = read(c.dir, c.inputFile)!;
      const modes = c.strict ?? [true, false];
      /** Diagnostics of `text` under each of the case's settings, labelled with the setting. */
      const check = (text: string): string[] => modes.flatMap((strict) => typeCheck(c.inputFile, text, c.flavour, c.dir, strict).map((d) => `strict ${strict}: ${d}`));
      if (isTypeScript(c.ext) && !c.refusal && c.name !== 'syntax-error') {
        assert.deepEqual(check(input), [], 'the input itself type-checks');
      }

      if (c.mode === 'uncache') {
        const result = uncacheFunction({ text: input, fileName: `src/app${c.ext}`, position: cursorIn(input, c), flavour: c.flavour });
        if (c.refusal) {
          assert.equal(result.ok, false);
          assert.deepEqual(golden(c.dir, 'expected.json', `${JSON.stringify({ code: !result.ok && result.code, message: !result.ok && result.message }, null, 2)}\n`), `${JSON.stringify({ code: !result.ok && result.code, message: !result.ok && result.message }, null, 2)}\n`);
          return;
        }
        assert.ok(result.ok, JSON.stringify(result));
        assertNonOverlapping(result.edits.source);
        const output = applyEdits(input, result.edits.source);
        assert.equal(output, golden(c.dir, `expected${c.ext}`, output));
        if (isTypeScript(c.ext)) assert.deepEqual(check(output), []);
        return;
      }

      const result: CacheResult = cacheFunction(cacheInput(c, input));
      if (c.refusal) {
        assert.equal(result.ok, false, 'refused');
        const actual = `${JSON.stringify({ code: !result.ok && result.code, message: !result.ok && result.message }, null, 2)}\n`;
        assert.equal(actual, golden(c.dir, 'expected.json', actual));
        return;
      }
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.change, c.mode === 'update' ? 'updated' : 'created');
      assertNonOverlapping(result.edits.source);
      const output = applyEdits(input, result.edits.source);
      assert.equal(output, golden(c.dir, `expected${c.ext}`, output), 'source matches the golden file byte for byte');

      // Config and package.json: expected files when the case changes them, none otherwise.
      const configIn = read(c.dir, 'input.config.json') ?? '';
      const configOut = result.edits.config ? applyEdits(configIn, result.edits.config.edits) : undefined;
      assert.equal(result.edits.config?.create ?? false, result.edits.config !== undefined && read(c.dir, 'input.config.json') === undefined);
      if (configOut !== undefined) assert.equal(configOut, golden(c.dir, 'expected.config.json', configOut));
      else assert.equal(read(c.dir, 'expected.config.json'), undefined, 'no config change expected');
      const packageIn = read(c.dir, 'input.package.json');
      const packageOut = result.edits.packageJson && packageIn !== undefined ? applyEdits(packageIn, result.edits.packageJson) : undefined;
      if (packageOut !== undefined) assert.equal(packageOut, golden(c.dir, 'expected.package.json', packageOut));
      else assert.equal(read(c.dir, 'expected.package.json'), undefined, 'no package.json change expected');
      if (configOut !== undefined) assert.equal(ts.parseConfigFileTextToJson('cachelens.config.json', configOut).error, undefined, 'the config stays valid JSONC');

      if (isTypeScript(c.ext)) assert.deepEqual(check(output), [], 'the result type-checks (strict: true and false)');

      // Idempotence: the same command on the result changes nothing (options edited in place, identical).
      const again = cacheFunction(cacheInput(c, output));
      assert.ok(again.ok, JSON.stringify(again));
      assert.equal(again.change, 'unchanged');
      assert.deepEqual(again.edits.source, []);
      assert.ok(again.target.cached, 'the second run sees the target as cached');
      const refused = cacheFunction({ ...cacheInput(c, output), onCached: 'refuse' });
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.code, 'already-cached');

      // Round trip: uncache restores the input byte for byte.
      if (c.mode === 'cache' && c.roundTrip !== false) {
        const undo = uncacheFunction({ text: output, fileName: `src/app${c.ext}`, position: cursorIn(output, c), flavour: c.flavour });
        assert.ok(undo.ok, JSON.stringify(undo));
        assert.equal(applyEdits(output, undo.edits.source), input, 'cache then uncache is the identity');
      }
    });
  }
});
