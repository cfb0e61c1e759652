/**
 * The safety net after caching: the file and the files that import it must type-check exactly as
 * before, in the tsconfig that owns the file. Compares the diagnostics of those files with the old
 * and the new text and returns the ones the change adds. Reads the project from disk (like
 * project-files.ts); the core (codemod.ts) stays free of file access.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { getLibFiles } from '@ts-morph/common';
import { ts } from 'ts-morph';
import { refuse, type Refusal } from './types.js';

/** A diagnostic the change would add: where (in the changed text for the cached file) and what. */
export interface NewTypeError {
  /** Path of the file, relative to the owning tsconfig's folder, posix separators. */
  readonly file: string;
  /** 1-based line and column. */
  readonly line: number;
  readonly column: number;
  /** `TS2339` etc. */
  readonly code: string;
  readonly message: string;
}

export interface TypeCheckOutcome {
  /** The tsconfig.json that owns the file; undefined when none does (then nothing was checked). */
  readonly tsconfig: string | undefined;
  /** Files whose diagnostics were compared: the file and its importers in that project. */
  readonly checked: number;
  readonly added: readonly NewTypeError[];
}

/**
 * Used when the project cannot resolve `cachelens` yet (the edit adds the dependency, the install
 * comes later): the runtime's public signatures of `memoize`, so the check sees the real types.
 * Kept in step with runtime/src/memoize/ (index.ts, methods.ts) by test/unit/codemod/type-check.test.ts.
 */
export const FALLBACK_RUNTIME_DECLARATION = `declare module "cachelens" {
  type MemoizableFunction = (...args: any[]) => unknown;
  interface MemoizeOptions { readonly [option: string]: unknown }
  interface MemoizeDecorator {
    <This, M extends (this: This, ...args: any[]) => unknown>(method: M, context: ClassMethodDecoratorContext<This, M>): M;
    <T>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): TypedPropertyDescriptor<T> | void;
  }
  export function memoize<F extends MemoizableFunction>(fn: F, options?: MemoizeOptions): F;
  export function memoize(options?: MemoizeOptions): MemoizeDecorator;
}
`;
const FALLBACK_NAME = '__cachelens_fallback__.d.ts';

const normalize = (file: string): string => path.resolve(file).split(path.sep).join('/');

/** The parsed tsconfig.json at or above the file's folder whose files include it (following solution-style references). */
export function owningProject(file: string, stopAt?: string): { configFile: string; parsed: ts.ParsedCommandLine } | undefined {
  const target = normalize(file);
  const parse = (configFile: string): ts.ParsedCommandLine | undefined => {
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    });
    return parsed ?? undefined;
  };
  const owns = (configFile: string, seen: Set<string>): { configFile: string; parsed: ts.ParsedCommandLine } | undefined => {
    if (seen.has(configFile) || !existsSync(configFile)) return undefined;
    seen.add(configFile);
    const parsed = parse(configFile);
    if (!parsed) return undefined;
    if (parsed.fileNames.some((f) => normalize(f) === target)) return { configFile, parsed };
    for (const ref of parsed.projectReferences ?? []) {
      const refConfig = ref.path.endsWith('.json') ? ref.path : path.join(ref.path, 'tsconfig.json');
      const found = owns(refConfig, seen);
      if (found) return found;
    }
    return undefined;
  };
  const seen = new Set<string>();
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const found = owns(path.join(dir, 'tsconfig.json'), seen);
    if (found) return found;
    if (dir === stopAt || path.dirname(dir) === dir) return undefined;
  }
}

/** Where the lib.*.d.ts files are: the project's TypeScript, or ts-morph's in-memory copy under a virtual folder. */
function libraryFiles(configFile: string): { dir: string; inMemory?: ReadonlyMap<string, string> } {
  try {
    const manifest = createRequire(configFile).resolve('typescript/package.json');
    const dir = path.join(path.dirname(manifest), 'lib');
    if (existsSync(path.join(dir, 'lib.d.ts'))) return { dir };
  } catch {
    // No TypeScript installed in the project: use ts-morph's.
  }
  const dir = path.resolve(path.dirname(configFile), '__cachelens_lib__');
  return { dir, inMemory: new Map(getLibFiles().map((f) => [normalize(path.join(dir, f.fileName)), f.text])) };
}

const libCache = new Map<string, ts.SourceFile>();
/** Parsed project and package files by path and language version, with the mtime they were read at. */
const fileCache = new Map<string, { mtimeMs: number; sf: ts.SourceFile }>();

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

const diagnosticKey = (d: ts.Diagnostic): string =>
  `${d.file ? normalize(d.file.fileName) : ''}\u0000${d.code}\u0000${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;

/**
 * The diagnostics that replacing `before` by `after` in `file` adds to the file and its importers,
 * in the project that owns the file. Costs two type checks of those files only (the second program
 * reuses the first's unchanged files). JavaScript files are checked only when the project checks
 * them (`checkJs`).
 * @param stopAt the folder above which no tsconfig.json is looked for (the workspace root).
 */
export function newTypeErrors(file: string, before: string, after: string, stopAt?: string): TypeCheckOutcome {
  const project = owningProject(file, stopAt);
  if (!project) return { tsconfig: undefined, checked: 0, added: [] };
  const { configFile, parsed } = project;
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, incremental: false, composite: false, declaration: false, tsBuildInfoFile: undefined };
  const target = normalize(file);
  if (/\.[cm]?jsx?$/.test(target) && !options.checkJs) return { tsconfig: configFile, checked: 0, added: [] };
  const fallback = normalize(path.join(path.dirname(configFile), FALLBACK_NAME));

  const host = ts.createCompilerHost(options, true);
  // The standard library: the project's own TypeScript's, else the copy ts-morph keeps in memory
  // (ts-morph's compiler has no lib folder on disk).
  const libs = libraryFiles(configFile);
  host.getDefaultLibLocation = () => libs.dir;
  host.getDefaultLibFileName = (o) => path.join(libs.dir, ts.getDefaultLibFileName(o));
  let current = before;
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, create) => {
    const key = normalize(name);
    if (key === target) return ts.createSourceFile(name, current, languageVersion, true);
    if (key === fallback) return ts.createSourceFile(name, FALLBACK_RUNTIME_DECLARATION, languageVersion, true);
    // lib.*.d.ts never change: parsed once per process (they are most of a small project's cost).
    const isLib = libs.inMemory?.has(key) === true || key.startsWith(normalize(libs.dir) + '/');
    if (isLib) {
      const libKey = `${key}\u0000${JSON.stringify(languageVersion)}`;
      let sf = libCache.get(libKey);
      if (!sf) {
        const lib = libs.inMemory?.get(key);
        sf = lib !== undefined ? ts.createSourceFile(name, lib, languageVersion, true) : getSourceFile(name, languageVersion, onError, create);
        if (sf) libCache.set(libKey, sf);
      }
      return sf;
    }
    // Other files: parsed once per process while unchanged on disk (most of the cost of a check).
    const fileKey = `${key}\u0000${JSON.stringify(languageVersion)}`;
    const mtimeMs = modifiedAt(name);
    const held = fileCache.get(fileKey);
    if (held && held.mtimeMs === mtimeMs) return held.sf;
    const sf = getSourceFile(name, languageVersion, onError, create);
    if (sf && mtimeMs !== undefined) fileCache.set(fileKey, { mtimeMs, sf });
    return sf;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => normalize(name) === target || normalize(name) === fallback || libs.inMemory?.has(normalize(name)) === true || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (normalize(name) === target ? current : normalize(name) === fallback ? FALLBACK_RUNTIME_DECLARATION : libs.inMemory?.get(normalize(name)) ?? readFile(name));

  // Importers: project files that name the file's base name and resolve an import to it.
  const base = path.basename(target).replace(/\.[^.]+$/, '').replace(/^index$/, path.basename(path.dirname(target)));
  const importers = parsed.fileNames.filter((f) => {
    if (normalize(f) === target) return false;
    const text = readFile(f);
    if (text === undefined || !text.includes(base)) return false;
    return ts.preProcessFile(text, true, true).importedFiles.some((imported) =>
      normalize(ts.resolveModuleName(imported.fileName, f, options, host).resolvedModule?.resolvedFileName ?? '') === target);
  });
  const affected = [target, ...importers.map(normalize)];

  const check = (program: ts.Program): ts.Diagnostic[] =>
    affected.flatMap((f) => {
      const sf = program.getSourceFile(f);
      return sf ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)] : [];
    });
  // An ambient module would shadow an installed runtime: the fallback only when none resolves.
  const installed = ts.resolveModuleName('cachelens', target, options, host).resolvedModule !== undefined;
  const roots = installed ? parsed.fileNames : [...parsed.fileNames, fallback];
  const first = ts.createProgram({ rootNames: roots, options, host, projectReferences: parsed.projectReferences ?? [] });
  const old = new Map<string, number>();
  for (const d of check(first)) old.set(diagnosticKey(d), (old.get(diagnosticKey(d)) ?? 0) + 1);
  current = after;
  const second = ts.createProgram({ rootNames: roots, options, host, oldProgram: first, projectReferences: parsed.projectReferences ?? [] });
  const added: NewTypeError[] = [];
  for (const d of check(second)) {
    const key = diagnosticKey(d);
    const left = old.get(key) ?? 0;
    if (left > 0) {
      old.set(key, left - 1);
      continue;
    }
    const { line, character } = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0) : { line: 0, character: 0 };
    added.push({
      file: d.file ? path.relative(path.dirname(configFile), d.file.fileName).split(path.sep).join('/') : path.basename(configFile),
      line: line + 1,
      column: character + 1,
      code: `TS${d.code}`,
      message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
    });
  }
  return { tsconfig: configFile, checked: affected.length, added };
}

/** One line per new error: `src/a.ts:3:5 TS2339 Property 'x' does not exist...`. */
export function describeTypeErrors(added: readonly NewTypeError[], limit = 3): string {
  const shown = added.slice(0, limit).map((e) => `${e.file}:${e.line}:${e.column} ${e.code} ${e.message.replace(/\.$/, '')}`);
  return added.length > limit ? `${shown.join('; ')}; and ${added.length - limit} more` : shown.join('; ');
}

/** The refusal when caching `name` would add type errors (code `type-errors`), quoting them. */
export function typeErrorRefusal(name: string, added: readonly NewTypeError[]): Refusal {
  return refuse(
    'type-errors',
    `Caching ${name} would add ${added.length === 1 ? 'a type error' : `${added.length} type errors`} that the code does not have now: ${describeTypeErrors(added)}. Nothing was changed; cache a function whose type the wrapper keeps, or adjust the code first.`,
  );
}
