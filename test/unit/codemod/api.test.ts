// The core's API beyond the golden files: where the cursor may be, what a target reports, the
// tsconfig reader, the edit helpers and the diff.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { loadConfigFile } from '../../../runtime/src/index.js';
import {
  analyzeAt,
  applyEdits,
  BUILT_IN_BACKENDS,
  cacheFunction,
  CodemodError,
  declaredBackends,
  newConfigText,
  parseTsconfigDecorators,
  readDecoratorFlavour,
  toLineCharacter,
  toOffset,
  uncacheFunction,
  unifiedDiff,
  type AnalyzeResult,
} from '../../../extension/codemod/src/index.js';

const SOURCE = `import { memoize } from "cachelens";

// A plain comment, not attached documentation.

/** Documented. */
export async function load(id: string): Promise<string> {
  return [1, 2].map((n) => n + id).join();
}

export class Repo {
  /** Finds. */
  @memoize({ id: "src/repo.ts#Repo.find", ttl: "5m", max: 10 })
  find(id: string): string {
    return id;
  }

  count = 0;
}

export const square = memoize((n: number) => n * n, { id: "src/repo.ts#square", backend: "memory" });
`;

const at = (needle: string, delta = 0): number => {
  const index = SOURCE.indexOf(needle);
  assert.notEqual(index, -1, needle);
  return index + delta;
};
const analyze = (position: number | { line: number; character: number }): AnalyzeResult =>
  analyzeAt({ text: SOURCE, fileName: 'src/repo.ts', relPath: 'src/repo.ts', position });
const targetName = (result: AnalyzeResult): string => (result.ok ? result.target.name : `refused:${result.code}`);

describe('analyzeAt', () => {
  it('finds the function from its documentation, export keyword, name, body, nested callback and closing brace', () => {
    for (const position of [at('Documented'), at('export async'), at('load('), at('return [1'), at('n + id'), at('join();\n}', 8)]) {
      assert.equal(targetName(analyze(position)), 'load', `offset ${position}`);
    }
  });

  it('reports the target: kind, form, id, ranges, async, and not cached', () => {
    const result = analyze(at('load('));
    assert.ok(result.ok);
    const { target } = result;
    assert.equal(target.kind, 'function-declaration');
    assert.equal(target.form, 'wrapper');
    assert.equal(target.id, 'src/repo.ts#load');
    assert.equal(target.isAsync, true);
    assert.equal(target.returnsPromise, true);
    assert.equal(target.cached, undefined);
    assert.equal(SOURCE.slice(target.nameRange.start, target.nameRange.end), 'load');
    assert.equal(SOURCE.slice(target.range.start, target.range.start + 12), 'export async');
  });

  it('tells functions known to return a promise (async, or a declared Promise/PromiseLike) from the others', () => {
    const text = [
      'export async function a() { return 1; }',
      'export function b(): Promise<number> { return Promise.resolve(1); }',
      'export const c = (): PromiseLike<number> => Promise.resolve(1);',
      'export function d(): number { return 1; }',
      'export const e = () => fetch("x");',
      'export class K { m(): Promise<number> { return Promise.resolve(1); } n() { return 1; } }',
    ].join('\n');
    const returnsPromise = (needle: string): boolean | string => {
      const result = analyzeAt({ text, fileName: 'src/k.ts', relPath: 'src/k.ts', position: text.indexOf(needle) });
      return result.ok ? result.target.returnsPromise : `refused:${result.code}`;
    };
    assert.deepEqual(['a()', 'b()', 'c =', 'd()', 'e =', 'm()', 'n()'].map(returnsPromise), [true, true, true, false, false, true, false]);
  });

  it('sees cached targets from the decorator, the options and the wrapped function, with their options', () => {
    for (const position of [at('@memoize'), at('ttl: "5m"'), at('find(id'), at('Finds')]) {
      const result = analyze(position);
      assert.ok(result.ok, `offset ${position}`);
      assert.equal(result.target.name, 'Repo.find');
      assert.equal(result.target.form, 'decorator');
      assert.deepEqual(result.target.cached, {
        id: 'src/repo.ts#Repo.find',
        ttl: '5m',
        max: 10,
        raw: { id: 'id: "src/repo.ts#Repo.find"', ttl: 'ttl: "5m"', max: 'max: 10' },
      });
      assert.equal(result.target.id, 'src/repo.ts#Repo.find', 'the written id wins');
    }
    const wrapped = analyze(at('n * n'));
    assert.ok(wrapped.ok);
    assert.equal(wrapped.target.kind, 'variable-function');
    assert.equal(wrapped.target.cached?.backend, 'memory');
  });

  it('refuses outside functions: imports, comments that document nothing, blank lines, class fields', () => {
    assert.equal(targetName(analyze(at('import'))), 'refused:no-target');
    assert.equal(targetName(analyze(at('A plain comment'))), 'refused:no-target');
    assert.equal(targetName(analyze(at('\n\n/** Doc', 1))), 'refused:no-target');
    const field = analyze(at('count = 0'));
    assert.equal(targetName(field), 'refused:no-target');
    assert.match(!field.ok ? field.message : '', /in a class but not in a method/);
  });

  it('accepts {line, character} positions (zero-based) and refuses positions outside the text', () => {
    assert.equal(targetName(analyze({ line: 5, character: 0 })), 'load');
    assert.equal(targetName(analyze({ line: 500, character: 0 })), 'refused:no-target');
    assert.equal(targetName(analyze(SOURCE.length + 10)), 'refused:no-target');
  });

  it('converts line/character through CRLF line endings', () => {
    const crlf = SOURCE.replace(/\n/g, '\r\n');
    const result = analyzeAt({ text: crlf, fileName: 'a.ts', position: { line: 6, character: 4 } });
    assert.equal(targetName(result), 'load');
    assert.equal(toOffset(crlf, { line: 1, character: 50 }), crlf.indexOf('\r\n\r\n//') + 2, 'a character past the end of a line is clamped to it, before the CR');
  });

  it('refuses files it does not handle', () => {
    for (const fileName of ['types.d.ts', 'data.json', 'README.md']) {
      const result = analyzeAt({ text: SOURCE, fileName, position: 0 });
      assert.equal(!result.ok && result.code, 'unsupported-file', fileName);
    }
  });

  it('answers from a reused parse while the text is unchanged, and sees a changed text', () => {
    const first = analyze(at('load('));
    assert.ok(first.ok);
    const edited = SOURCE.replace('load(', 'fetchOne(');
    const second = analyzeAt({ text: edited, fileName: 'src/repo.ts', relPath: 'src/repo.ts', position: edited.indexOf('fetchOne(') });
    assert.equal(targetName(second), 'fetchOne');
    assert.equal(targetName(analyze(at('load('))), 'load');
  });
});

describe('cacheFunction / uncacheFunction inputs', () => {
  const input = { text: SOURCE, fileName: 'src/repo.ts', relPath: 'src/repo.ts', flavour: 'standard' as const, runtimeVersion: '1.2.3' };

  it('rewrites the options of a cached target in place, keeping its id', () => {
    const result = cacheFunction({ ...input, position: at('find(id'), options: { backend: 'redis' }, config: { text: '{ "backends": {} }' } });
    assert.ok(result.ok);
    assert.equal(result.change, 'updated');
    assert.equal(applyEdits(SOURCE, result.edits.source), SOURCE.replace('{ id: "src/repo.ts#Repo.find", ttl: "5m", max: 10 }', '{ id: "src/repo.ts#Repo.find", backend: "redis" }'));
    assert.equal(applyEdits('{ "backends": {} }', result.edits.config!.edits), '{ "backends": {\n  "redis": { "type": "redis", "url": "${REDIS_URL:-redis://127.0.0.1:6379/0}" }\n} }');
  });

  it('validates options, naming the option and the fix', () => {
    const cases: [object, RegExp][] = [
      [{ max: 0 }, /^max 0 is not a positive integer/],
      [{ max: 1.5 }, /^max 1.5 is not a positive integer/],
      [{ ttl: -1 }, /^ttl -1 is not a number of seconds/],
      [{ ttl: '5 minutes' }, /^ttl "5 minutes" is not a duration/],
      [{ backend: 'my backend' }, /^backend "my backend" is not a backend name/],
    ];
    for (const [options, message] of cases) {
      const result = cacheFunction({ ...input, position: at('load('), options });
      assert.equal(!result.ok && result.code, 'invalid-options');
      assert.match(!result.ok ? result.message : '', message);
    }
    const numeric = cacheFunction({ ...input, position: at('load('), options: { ttl: 90, max: 5 } });
    assert.ok(numeric.ok);
    assert.match(applyEdits(SOURCE, numeric.edits.source), /\{ id: "src\/repo\.ts#load", ttl: 90, max: 5 \}\);/);
  });

  it('refuses unreadable config and package.json files instead of guessing', () => {
    const config = cacheFunction({ ...input, position: at('load('), options: { backend: 'redis' }, config: { text: '{ "backends": ' } });
    assert.equal(!config.ok && config.code, 'invalid-config');
    const pkg = cacheFunction({ ...input, position: at('load('), options: {}, config: { text: '{}' }, packageJson: { text: '[1, 2]' } });
    assert.equal(!pkg.ok && pkg.code, 'invalid-package-json');
  });

  it('writes the dependency once: not when any dependency section has it', () => {
    const result = cacheFunction({ ...input, position: at('load('), options: {}, config: { text: '{}' }, packageJson: { text: '{ "devDependencies": { "cachelens": "*" } }' } });
    assert.ok(result.ok);
    assert.equal(result.edits.packageJson, undefined);
    assert.equal(result.edits.config, undefined);
    const single = cacheFunction({ ...input, position: at('load('), options: {}, config: { text: '{}' }, packageJson: { text: '{ "name": "x", "dependencies": { "zod": "3" } }' } });
    assert.ok(single.ok);
    assert.equal(applyEdits('{ "name": "x", "dependencies": { "zod": "3" } }', single.edits.packageJson!), '{ "name": "x", "dependencies": { "cachelens": "file:vendor/cachelens-1.2.3.tgz", "zod": "3" } }');
  });

  it('keeps the import when uncaching one of several cached functions, removes it with the last one', () => {
    const one = uncacheFunction({ text: SOURCE, fileName: 'src/repo.ts', position: at('n * n') });
    assert.ok(one.ok);
    const after = applyEdits(SOURCE, one.edits.source);
    assert.ok(after.startsWith('import { memoize } from "cachelens";'));
    assert.match(after, /export const square = \(n: number\) => n \* n;\n$/);
    const two = uncacheFunction({ text: after, fileName: 'src/repo.ts', position: after.indexOf('find(id') });
    assert.ok(two.ok);
    const plain = applyEdits(after, two.edits.source);
    assert.ok(plain.startsWith('// A plain comment'), plain.slice(0, 60));
    assert.match(plain, /\/\*\* Finds\. \*\/\n {2}find\(id: string\)/);
  });

  it('turns refusals into named errors with the same code', () => {
    const result = uncacheFunction({ text: SOURCE, fileName: 'src/repo.ts', position: at('load(') });
    assert.equal(result.ok, false);
    const error = new CodemodError(result as { code: 'not-cached'; message: string });
    assert.equal(error.name, 'CodemodError');
    assert.equal(error.code, 'not-cached');
    assert.equal(error.message, 'load is not cached: there is nothing to remove.');
  });
});

describe('readDecoratorFlavour', () => {
  it('reads experimentalDecorators from JSONC (comments, trailing commas)', () => {
    assert.equal(readDecoratorFlavour('{\n  // legacy for NestJS\n  "compilerOptions": { "experimentalDecorators": true, },\n}'), 'legacy');
    assert.equal(readDecoratorFlavour('{ "compilerOptions": { "experimentalDecorators": false } }'), 'standard');
    assert.equal(readDecoratorFlavour('{ "compilerOptions": { /* "experimentalDecorators": true */ } }'), 'standard');
    assert.equal(readDecoratorFlavour('not json at all'), 'standard');
    assert.deepEqual(parseTsconfigDecorators('{ "extends": ["./a.json", "@tsconfig/node20"] }'), { experimentalDecorators: undefined, extends: ['./a.json', '@tsconfig/node20'] });
  });
});

describe('edit helpers', () => {
  it('applies edits in any order and rejects overlapping ones', () => {
    assert.equal(applyEdits('abcdef', [{ start: 4, end: 5, newText: 'E' }, { start: 0, end: 1, newText: 'A' }, { start: 2, end: 2, newText: '+' }]), 'Ab+cdEf');
    assert.throws(() => applyEdits('abcdef', [{ start: 0, end: 3, newText: '' }, { start: 2, end: 4, newText: '' }]), RangeError);
    assert.throws(() => applyEdits('abc', [{ start: 2, end: 9, newText: '' }]), /outside the text \(length 3\)/);
  });

  it('converts between offsets and line/character', () => {
    const text = 'ab\r\ncd\nef';
    assert.deepEqual(toLineCharacter(text, text.indexOf('d')), { line: 1, character: 1 });
    assert.equal(toOffset(text, { line: 2, character: 1 }), text.indexOf('f'));
    assert.equal(toOffset(text, { line: 3, character: 0 }), undefined);
  });

  it('builds a unified diff that patch(1) applies, for edits far apart and at the end of a file without newline', () => {
    assert.equal(spawnSync('patch', ['--version']).status, 0, 'patch(1) is missing: run bash test/harness/prereqs.sh (Debian package patch)');
    const old = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const edits = [
      { start: 0, end: 0, newText: 'first\n' },
      { start: old.indexOf('line 3\n'), end: old.indexOf('line 4\n'), newText: '' },
      { start: old.indexOf('line 20'), end: old.indexOf('line 20') + 7, newText: 'twenty\nand more' },
      { start: old.length, end: old.length, newText: '\nlast\n' },
    ];
    const diff = unifiedDiff(old, edits, 'a/f.txt', 'b/f.txt');
    assert.equal((diff.match(/^@@ /gm) ?? []).length, 3, diff);
    const dir = mkdtempSync(join(tmpdir(), 'cachelens-diff-'));
    try {
      writeFileSync(join(dir, 'f.txt'), old);
      const result = spawnSync('patch', ['-p1', '--silent'], { cwd: dir, input: diff, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr + result.stdout + diff);
      assert.equal(readFileSync(join(dir, 'f.txt'), 'utf8'), applyEdits(old, edits));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(unifiedDiff(old, [], 'a', 'b'), '');
  });
});

describe('config helpers', () => {
  it('declares the memory backend (and a picked built-in) in a new config', () => {
    assert.deepEqual(declaredBackends(newConfigText(undefined)), ['memory']);
    assert.deepEqual(declaredBackends(newConfigText('redis')), ['memory', 'redis']);
    assert.deepEqual(Object.keys(JSON.parse(newConfigText('disk')) as object), ['defaults', 'backends']);
  });
});

describe('the config the codemod writes, as the runtime reads it', () => {
  it('is accepted by the runtime schema and loader for every built-in backend it can add', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '../../../runtime/schema/cachelens.config.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const dir = mkdtempSync(join(tmpdir(), 'cachelens-config-'));
    try {
      for (const backend of Object.keys(BUILT_IN_BACKENDS)) {
        const text = newConfigText(backend);
        assert.ok(validate(JSON.parse(text)), `${backend}: ${JSON.stringify(validate.errors)}`);
        const file = join(dir, `${backend}.json`);
        writeFileSync(file, text);
        const config = loadConfigFile(file, {});
        assert.ok(config.backends[backend], `${backend} is declared`);
        assert.equal(config.defaults.backend, 'memory');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
