// Shared helpers of the codemod tests: reading the golden cases and type-checking results.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import type { CacheOptions, DecoratorFlavour } from '../../../extension/codemod/src/index.js';

const here = __dirname;
export const FIXTURES = resolve(here, '../../fixtures/codemod');
const RUNTIME_ENTRY = resolve(here, '../../../runtime/src/index.ts');
const FALLBACK_DECLARATION = join(FIXTURES, 'cachelens.d.ts');
const JSX_SHIM = join(FIXTURES, 'jsx.d.ts');

/** What a golden case of every language's codemod says (`case.json`), whatever the language. */
export interface GoldenCaseCommon {
  readonly name: string;
  readonly dir: string;
  /** `cache` (default): cache at the cursor; `uncache`: remove caching; `update`: input is cached, options change. */
  readonly mode: 'cache' | 'uncache' | 'update';
  /** Text whose first character is the cursor (the `cursorOccurrence`-th occurrence, default 1). */
  readonly cursor: string;
  readonly cursorOccurrence?: number;
  readonly relPath: string;
  readonly options: CacheOptions;
  readonly onCached?: 'update' | 'refuse';
  /** Set when the transform is refused: the expected code and message are in expected.json. */
  readonly refusal?: boolean;
  /** cache then uncache gives back the input (default true for `cache`). */
  readonly roundTrip?: boolean;
}

/** One golden case: `case.json` plus `input.<ext>` and the expected files next to it. */
export interface GoldenCase extends GoldenCaseCommon {
  readonly flavour: DecoratorFlavour;
  /** The compiler settings each TypeScript input and result is checked under (default both: `strict: true` and `strict: false`). */
  readonly strict?: readonly boolean[];
  readonly inputFile: string;
  readonly ext: string;
}

export function loadCases(): GoldenCase[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(FIXTURES, d.name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Partial<GoldenCase>;
      const inputFile = readdirSync(dir).find((f) => f.startsWith('input.') && !f.endsWith('.json'));
      if (!inputFile) throw new Error(`${dir}: no input.<ext> file`);
      const ext = inputFile.slice('input'.length);
      return {
        mode: 'cache',
        relPath: `src/app${ext}`,
        options: {},
        flavour: 'standard',
        cursor: '',
        ...spec,
        name: d.name,
        dir,
        inputFile,
        ext,
      } as GoldenCase;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const read = (dir: string, file: string): string | undefined =>
  existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined;

/** Offset of the case's cursor in `text`. */
export function cursorIn(text: string, c: GoldenCase): number {
  let at = -1;
  for (let i = 0; i < (c.cursorOccurrence ?? 1); i++) {
    at = text.indexOf(c.cursor, at + 1);
    if (at === -1) throw new Error(`${c.name}: cursor text ${JSON.stringify(c.cursor)} not found`);
  }
  return at;
}

/** Compares with the golden file byte for byte; with UPDATE_GOLDEN=1 writes it instead (review the diff!). */
export function golden(dir: string, file: string, actual: string): string | undefined {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(join(dir, file), actual);
  return read(dir, file);
}

/** Uses the real runtime when it exports memoize, else the declaration the tests keep in the fixtures. */
export function cachelensTypes(): { path: string; real: boolean } {
  const real = existsSync(RUNTIME_ENTRY) && /export\s+(\{[^}]*\bmemoize\b|(async\s+)?function\s+memoize\b|const\s+memoize\b)/.test(readFileSync(RUNTIME_ENTRY, 'utf8'));
  return real ? { path: RUNTIME_ENTRY, real } : { path: FALLBACK_DECLARATION, real };
}

const sharedFiles = new Map<string, ts.SourceFile>();

/**
 * Type-checks one TypeScript text (`strict: true` unless told) with the real compiler, as a file in `dir`, resolving `cachelens` to the
 * runtime's source or the fallback declaration. Returns the diagnostics of that file only.
 */
export function typeCheck(fileName: string, text: string, flavour: DecoratorFlavour, dir = join(FIXTURES, '__virtual__'), strict = true): string[] {
  const cachelens = cachelensTypes();
  // The checked text lives next to the case's files (as __checked__.<ext>), so relative imports resolve.
  const virtual = resolve(dir, `__checked__${fileName.slice(fileName.lastIndexOf('.'))}`);
  const options: ts.CompilerOptions = {
    strict,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    jsx: ts.JsxEmit.Preserve,
    skipLibCheck: true,
    types: cachelens.real ? ['node'] : [],
    typeRoots: [resolve(here, '../../../node_modules/@types')],
    experimentalDecorators: flavour === 'legacy',
    ...(cachelens.real ? { paths: { cachelens: [cachelens.path] } } : {}),
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) => {
    if (resolve(name) === virtual) return ts.createSourceFile(name, text, version, true);
    // Library, runtime and shim files are the same for every case: parse them once per flavour.
    const key = `${flavour === 'legacy'}:${name}`;
    let file = sharedFiles.get(key);
    if (!file) {
      file = getSourceFile(name, version, onError, create);
      if (file) sharedFiles.set(key, file);
    }
    return file;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === virtual || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (resolve(name) === virtual ? text : readFile(name));
  const roots = cachelens.real ? [virtual, JSX_SHIM] : [virtual, JSX_SHIM, cachelens.path];
  const program = ts.createProgram(roots, options, host);
  const file = program.getSourceFile(virtual)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
    const { line, character } = file.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${line + 1}:${character + 1} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
