/**
 * The panel's link to a cached function (issue 15, item 8): a process that runs the built app
 * reports `dist/prices.js:14`; the link opens `src/prices.ts` at the function. Built here by the
 * real TypeScript compiler (external and inline source maps, a decorator), then mapped back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { mapToSource, segmentsOfLine, sourceMappingUrl } from '../../../extension/src/live/source-map.js';
import { declarationLine, locateSource, type SourceLocator } from '../../../extension/src/live/source-location.js';

const PRICES = `import { memoize } from './memoize';

export interface Price { sku: string; cents: number }

/** Prices of a catalogue, slow to compute. */
export const getPrices = memoize(
  function getPrices(skus: string[]): Price[] {
    return skus.map((sku) => ({ sku, cents: sku.length * 100 }));
  },
  { id: "src/prices.ts#getPrices", ttl: "5m" },
);

export class Repo {
  constructor(private readonly rows: Map<string, number>) {}

  @memoize({ id: "src/prices.ts#Repo.find" })
  find(sku: string): number | undefined {
    return this.rows.get(sku);
  }
}
`;
const MEMOIZE = `export function memoize(...args: any[]): any { return args[0]; }\n`;

let root: string;
const read = async (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};
const io: SourceLocator = {
  resolve: async (file) => {
    const full = path.resolve(root, file);
    return fs.existsSync(full) ? full : undefined;
  },
  read,
};

/** Compiles src/ of `dir` with tsc's own emitter into dist/ (CommonJS, legacy decorators). */
function build(dir: string, options: ts.CompilerOptions): void {
  const program = ts.createProgram([path.join(dir, 'src/prices.ts'), path.join(dir, 'src/memoize.ts')], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators: true, strict: true,
    rootDir: path.join(dir, 'src'), outDir: `${dir}/dist`, ...options,
  });
  const result = program.emit();
  assert.deepEqual(ts.getPreEmitDiagnostics(program).concat(result.diagnostics).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
}

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(index >= 0, `no line holds ${needle}`);
  return index + 1;
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-srcmap-'));
  for (const variant of ['external', 'inline']) {
    fs.mkdirSync(path.join(root, variant, 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, variant, 'src/prices.ts'), PRICES);
    fs.writeFileSync(path.join(root, variant, 'src/memoize.ts'), MEMOIZE);
  }
  build(path.join(root, 'external'), { sourceMap: true });
  build(path.join(root, 'inline'), { inlineSourceMap: true });
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('source maps: a built line back to its source', () => {
  for (const variant of ['external', 'inline']) {
    test(`tsc's ${variant} map takes both memoize call sites of dist/prices.js back to src/prices.ts`, async () => {
      const built = path.join(root, variant, 'dist/prices.js');
      const js = fs.readFileSync(built, 'utf8');
      assert.ok(sourceMappingUrl(js), 'tsc wrote a sourceMappingURL comment');
      const source = path.join(root, variant, 'src/prices.ts');
      // Where a running process reports the calls: the line of `memoize(` in the built file.
      const fnLine = lineOf(js, 'exports.getPrices = (0, memoize_1.memoize)(');
      const decoratorLine = lineOf(js, '(0, memoize_1.memoize)({ id: "src/prices.ts#Repo.find" })');
      assert.notEqual(fnLine, lineOf(PRICES, 'memoize('), 'the built line differs from the source line (else the test proves nothing)');
      assert.deepEqual(await mapToSource(built, fnLine, read), { file: source, line: lineOf(PRICES, 'export const getPrices = memoize(') });
      assert.deepEqual(await mapToSource(built, decoratorLine, read), { file: source, line: lineOf(PRICES, '@memoize(') });
    });
  }

  test('no map, a malformed map, a map of another scheme, or an unmapped line: undefined, never a throw', async () => {
    const dir = path.join(root, 'odd');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'none.js'), 'const a = 1;\n');
    assert.equal(await mapToSource(path.join(dir, 'none.js'), 1, read), undefined);
    fs.writeFileSync(path.join(dir, 'bad.js'), 'x;\n//# sourceMappingURL=bad.js.map\n');
    for (const map of ['{', '{"version":3,"sources":["a.ts"],"mappings":"!!!"}', '{"version":2,"sources":[],"mappings":""}', '{"version":3,"sections":[]}']) {
      fs.writeFileSync(path.join(dir, 'bad.js.map'), map);
      assert.equal(await mapToSource(path.join(dir, 'bad.js'), 1, read), undefined, map);
    }
    fs.writeFileSync(path.join(dir, 'web.js'), 'x;\n//# sourceMappingURL=web.js.map\n');
    fs.writeFileSync(path.join(dir, 'web.js.map'), JSON.stringify({ version: 3, sourceRoot: 'webpack://', sources: ['a.ts'], mappings: 'AAAA' }));
    assert.equal(await mapToSource(path.join(dir, 'web.js'), 1, read), undefined);
    fs.writeFileSync(path.join(dir, 'web.js.map'), JSON.stringify({ version: 3, sourceRoot: '../lib', sources: ['a.ts'], mappings: 'AAAA;;AACA' }));
    assert.deepEqual(await mapToSource(path.join(dir, 'web.js'), 1, read), { file: path.join(root, 'lib/a.ts'), line: 1 }, 'sourceRoot is relative to the map');
    assert.equal(await mapToSource(path.join(dir, 'web.js'), 2, read), undefined, 'a line without segments');
    assert.deepEqual(await mapToSource(path.join(dir, 'web.js'), 3, read), { file: path.join(root, 'lib/a.ts'), line: 2 });
    assert.equal(await mapToSource(path.join(dir, 'web.js'), 0, read), undefined);
  });

  test('Base64 VLQ: multi-digit and negative values, relative fields across lines', () => {
    // Line 0: [0,0,0,0], [16 -> col 16, src 0, line 0+0, col 0+8]; line 1: [col 2, src 0, line -> 0+16=16, col 8-4=4]
    assert.deepEqual(segmentsOfLine('AAAA,gBAAQ;EAgBJ', 0), [[0, 0, 0, 0], [16, 0, 0, 8]]);
    assert.deepEqual(segmentsOfLine('AAAA,gBAAQ;EAgBJ', 1), [[2, 0, 16, 4]]);
    assert.deepEqual(segmentsOfLine('A;A', 1), [], 'one-field segments have no source');
    assert.throws(() => segmentsOfLine('g', 0), /middle of a number/);
  });
});

describe('the link: the id where the workspace declares it, else the source map, else as reported', () => {
  const external = 'external';
  const source = () => path.join(root, external, 'src/prices.ts');
  test('the scan\'s list finds the file; the line is where that file declares the id now', async () => {
    const found = await locateSource({ file: `${external}/dist/prices.js`, line: 9, id: 'src/prices.ts#getPrices' }, [{ id: 'src/prices.ts#getPrices', file: `${external}/src/prices.ts`, line: 42 }], io);
    assert.deepEqual(found, { file: source(), line: lineOf(PRICES, 'export const getPrices = memoize(') });
  });

  test('two apps of one workspace cache the same id: the link opens the reporting app\'s source', async () => {
    const saved = root;
    root = path.join(saved, 'two-apps');
    for (const [app, blank] of [['a-app', 0], ['b-app', 3]] as const) {
      fs.mkdirSync(path.join(root, app, 'src'), { recursive: true });
      fs.writeFileSync(path.join(root, app, 'src/prices.ts'), '\n'.repeat(blank) + PRICES);
    }
    fs.mkdirSync(path.join(root, 'b-app/dist'), { recursive: true });
    fs.writeFileSync(path.join(root, 'b-app/dist/prices.js'), 'exports.x = 1;\n');
    // As the workspace resolves a path a process reports relative to its own folder: under a folder, else in any app.
    const apps: SourceLocator = {
      read,
      resolve: async (file) => ['', 'a-app', 'b-app'].map((dir) => path.join(root, dir, file)).find((p) => fs.existsSync(p)),
    };
    try {
      const known = [{ id: 'src/prices.ts#getPrices', file: 'a-app/src/prices.ts', line: 6 }, { id: 'src/prices.ts#getPrices', file: 'b-app/src/prices.ts', line: 9 }];
      const found = await locateSource({ file: 'dist/prices.js', line: 1, id: 'src/prices.ts#getPrices' }, known, apps);
      assert.deepEqual(found, { file: path.join(root, 'b-app/src/prices.ts'), line: 3 + lineOf(PRICES, 'export const getPrices = memoize(') });
    } finally {
      root = saved;
    }
  });

  test('the id\'s own path, at the line of its memoize call; a built location through its map; a source location as is', async () => {
    const saved = root;
    const source = path.join(saved, external, 'src/prices.ts');
    root = path.join(saved, external); // the app's root: ids are relative to it
    try {
      assert.deepEqual(await locateSource({ id: 'src/prices.ts#Repo.find' }, [], io), { file: source, line: lineOf(PRICES, '@memoize(') });
      const js = fs.readFileSync(path.join(root, 'dist/prices.js'), 'utf8');
      const fnLine = lineOf(js, 'exports.getPrices = (0, memoize_1.memoize)(');
      // A custom id (no file in it): the reported location, mapped.
      assert.deepEqual(await locateSource({ file: 'dist/prices.js', line: fnLine, id: 'prices' }, [], io), { file: source, line: lineOf(PRICES, 'memoize(') });
      assert.deepEqual(await locateSource({ file: 'src/prices.ts', line: 7 }, [], io), { file: source, line: 7 });
      assert.equal(await locateSource({ file: 'dist/gone.js', line: 7 }, [], io), undefined);
      // The id's file no longer holds the id, and the built file has no usable map: the declaration of the name.
      fs.writeFileSync(path.join(root, 'src/plain.ts'), 'export class Repo {\n  x = 1;\n  async find(sku: string) {\n    return sku;\n  }\n}\n');
      fs.writeFileSync(path.join(root, 'dist/plain.js'), 'exports.x = 1;\n');
      assert.deepEqual(await locateSource({ file: 'dist/plain.js', line: 1, id: 'src/plain.ts#Repo.find' }, [], io), { file: path.join(root, 'src/plain.ts'), line: 3 });
    } finally {
      root = saved;
    }
  });

  test('declarationLine finds functions, consts and methods by name; 1 when absent', () => {
    const text = 'import x from "y";\nconst other = 1;\nexport function getPrices() {}\nclass A {\n  static async load<T>(a: T) {}\n}\nconst $rate = () => 1;\n';
    assert.equal(declarationLine(text, 'getPrices'), 3);
    assert.equal(declarationLine(text, 'A.load'), 5);
    assert.equal(declarationLine(text, '$rate'), 7);
    assert.equal(declarationLine(text, 'missing'), 1);
  });
});
