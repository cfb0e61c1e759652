// The type-check safety net: caching is refused, quoting the new diagnostic, when the file or a
// file importing it would gain a type error in the tsconfig that owns it (real compiler, real files).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../extension/codemod/src/cli.js';
import { newTypeErrors } from '../../../extension/codemod/src/index.js';

const RUNTIME = resolve(__dirname, '../../../runtime/src/index.ts');
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A project on disk: package.json, tsconfig.json (`strict`, and `cachelens` from the runtime's source when `runtime`), and `files`. */
function project(files: Record<string, string>, strict: boolean, runtime: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachelens-tc-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, skipLibCheck: true, types: [],
      allowImportingTsExtensions: true,
      ...(runtime ? { paths: { cachelens: [RUNTIME] }, types: ['node'], typeRoots: [resolve(__dirname, '../../../node_modules/@types')] } : {}),
    },
    include: ['src'],
  }));
  mkdirSync(join(dir, 'src'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'src', name), text);
  return dir;
}

async function cache(dir: string, file: string, line: number): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['cache', `src/${file}:${line}`, '--runtime-version', '0.1.0'], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd: dir });
  return { code, out, err };
}

const STATICS = `export const Shortcut = ({ className }: { className: string }): string => className.toUpperCase();
Shortcut.displayName = "Shortcut";
`;

const HELPER = `export function helper(n: number): string {
  return String(n);
}
`;
const IMPORTER = `import { helper } from "./helper.ts";
export const label: string = helper(1);
`;

describe('type check after caching', () => {
  for (const runtime of [true, false]) {
    for (const strict of [true, false]) {
      const setting = `strict: ${strict}, cachelens ${runtime ? 'resolved to the runtime' : 'not installed (fallback declaration)'}`;

      it(`refuses a component with statics, naming the assignment (${setting})`, async () => {
        const dir = project({ 'shortcut.ts': STATICS }, strict, runtime);
        const { code, err } = await cache(dir, 'shortcut.ts', 1);
        assert.equal(code, 1, err);
        assert.match(err, /Shortcut gets properties assigned \(Shortcut\.displayName at line 2:1\).*\(TS2339\).*\[type-errors\]/);
        assert.equal(readFileSync(join(dir, 'src/shortcut.ts'), 'utf8'), STATICS, 'nothing written');
      });

      if (strict) {
        it(`refuses a recursive function without a return type, quoting the compiler (${setting})`, async () => {
          const source = 'export function fact(n: number) {\n  return n <= 1 ? 1 : n * fact(n - 1);\n}\n';
          const dir = project({ 'fact.ts': source }, strict, runtime);
          const { code, err } = await cache(dir, 'fact.ts', 2);
          assert.equal(code, 1, err);
          assert.match(err, /Caching fact would add .*src\/fact\.ts:\d+:\d+ TS7023 'factUncached' implicitly has return type 'any'/);
          assert.equal(readFileSync(join(dir, 'src/fact.ts'), 'utf8'), source, 'nothing written');
        });
      }

      it(`caches a function with untyped parameters and a generic method without new errors (${setting})`, async () => {
        const source = strict
          ? 'export function slugOf(post: { slug: string }) {\n  return post.slug;\n}\n'
          : 'export function slugOf(post) {\n  return post.slug;\n}\n';
        const dir = project({ 'slug.ts': source, 'use.ts': 'import { slugOf } from "./slug.ts";\nexport const s: string = slugOf({ slug: "a" });\n' }, strict, runtime);
        const { code, err } = await cache(dir, 'slug.ts', 2);
        assert.equal(code, 0, err);
        assert.match(readFileSync(join(dir, 'src/slug.ts'), 'utf8'), /memoize\(function slugOf/);
      });
    }
  }

  it('reports what a change breaks in an importer, naming the importer', () => {
    const dir = project({ 'helper.ts': HELPER, 'use.ts': IMPORTER, 'other.ts': 'export const unrelated = 1;\n' }, true, false);
    const outcome = newTypeErrors(join(dir, 'src/helper.ts'), HELPER, HELPER.replace('string {', 'number {').replace('String(n)', 'n'), dir);
    assert.equal(outcome.checked, 2, 'the file and its one importer');
    assert.deepEqual(outcome.added.map((e) => `${e.file}:${e.line}:${e.column} ${e.code}`), ['src/use.ts:2:14 TS2322']);
  });

  it('checks nothing for a file no tsconfig owns', () => {
    const dir = project({}, true, false);
    writeFileSync(join(dir, 'loose.ts'), 'export const x = 1;\n');
    const outcome = newTypeErrors(join(dir, 'loose.ts'), 'export const x = 1;\n', 'export const x: string = 1;\n', dir);
    assert.equal(outcome.tsconfig, undefined);
    assert.deepEqual(outcome.added, []);
  });

  it('counts only added diagnostics: an error the file already had is not new', () => {
    const before = 'export const a: string = 1;\nexport const b = 2;\n';
    const dir = project({ 'a.ts': before }, true, false);
    const same = newTypeErrors(join(dir, 'src/a.ts'), before, '\n' + before, dir);
    assert.deepEqual(same.added, []);
    const worse = newTypeErrors(join(dir, 'src/a.ts'), before, before + 'export const c: number = "x";\n', dir);
    assert.deepEqual(worse.added.map((e) => `${e.file}:${e.line} ${e.code}`), ['src/a.ts:3 TS2322']);
    assert.equal(worse.checked, 1);
  });
});
