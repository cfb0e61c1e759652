// Compiles a small class that uses @memoize with TypeScript itself, once per decorator flavour
// (standard TC39 decorators and legacy experimentalDecorators), so the runtime is tested against
// exactly what tsc emits for each.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

export const runtimeEntry = path.resolve(__dirname, '../../../runtime/src/index.ts');

export const fixtureSource = `
import { memoize } from 'cachelens';

export const counts = { find: 0, version: 0, load: 0, big: 0 };

export class Repo {
  constructor(public readonly name: string) {}

  @memoize({ id: 'fixture#Repo.find' })
  find(id: number): string {
    counts.find++;
    return this.name + ':' + id;
  }

  @memoize()
  static version(n: number): number {
    counts.version++;
    return n + 1;
  }

  @memoize({ ttl: 60 })
  async load(id: string): Promise<string> {
    counts.load++;
    await new Promise((resolve) => setImmediate(resolve));
    return this.name + '/' + id.toUpperCase();
  }

  @memoize({ max: 10 })
  big(n: number): number[] {
    counts.big++;
    return new Array(2000).fill(n);
  }
}
`;

/** Transpiles `source` (default: the fixture) to CommonJS and writes it to a temp file; returns its path. */
export function compileFixture(experimentalDecorators: boolean, source = fixtureSource): string {
  const out = ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      experimentalDecorators,
      useDefineForClassFields: !experimentalDecorators,
    },
    reportDiagnostics: true,
  });
  if (out.diagnostics?.length) throw new Error(ts.flattenDiagnosticMessageText(out.diagnostics[0]!.messageText, '\n'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-decorators-'));
  const file = path.join(dir, `fixture-${experimentalDecorators ? 'legacy' : 'standard'}.cjs`);
  fs.writeFileSync(file, out.outputText.replace(/require\("cachelens"\)/g, `require(${JSON.stringify(runtimeEntry)})`));
  return file;
}

/** Type-checks `source` against the runtime's declarations; returns the diagnostics' texts. */
export function typeCheckFixture(experimentalDecorators: boolean, source = fixtureSource): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-typecheck-'));
  const file = path.join(dir, 'fixture.ts');
  fs.writeFileSync(file, source.replace(`from 'cachelens'`, `from ${JSON.stringify(runtimeEntry.replace(/\.ts$/, '.js'))}`));
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    experimentalDecorators,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [path.resolve(__dirname, '../../../node_modules/@types')],
    lib: ['lib.es2023.d.ts', 'lib.decorators.d.ts', 'lib.decorators.legacy.d.ts'],
  });
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || d.file.fileName === file || d.file.fileName.includes('/runtime/src/'))
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
