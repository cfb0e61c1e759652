/**
 * Loads the codemod cores on first use only, in their own webpack chunk, so activation stays fast:
 * ts-morph (several MB) for TypeScript and JavaScript, tree-sitter's Python grammar (WebAssembly)
 * for Python. `sourceCodemod(languageId)` is the one place that picks the core for a language
 * (languages.ts says which); callers see the same analyze / uncache shapes for every language.
 */
import type { AnalyzeInput, AnalyzeResult, PythonCodemod, UncacheInput, UncacheResult, WatchResult } from '../codemod/src/index.js';
import { codemodKind, type CodemodKind } from './languages.js';

export type Codemod = typeof import('../codemod/src/index.js');

let loading: Promise<Codemod> | undefined;
let loadingPython: Promise<PythonCodemod> | undefined;

export function loadCodemod(): Promise<Codemod> {
  loading ??= import(/* webpackChunkName: "codemod" */ '../codemod/src/index.js');
  return loading;
}

/** The Python core (the grammar's .wasm files are next to the codemod chunk, see webpack.config.js). */
export function loadPythonCodemod(): Promise<PythonCodemod> {
  loadingPython ??= loadCodemod().then((codemod) => codemod.loadPythonCodemod());
  return loadingPython;
}

/** What every language's core answers, in the same shapes. */
export interface SourceCodemod {
  readonly kind: CodemodKind;
  analyzeAt(input: AnalyzeInput): AnalyzeResult;
  uncacheFunction(input: UncacheInput): UncacheResult;
  /** "Watch this cache" on a function an existing cache of the language already caches (Python's functools); absent where there is none. */
  watchFunction?(input: AnalyzeInput): WatchResult;
}

/** The core for a document's language id, or undefined for a language CacheLens does not cache in. */
export async function sourceCodemod(languageId: string): Promise<SourceCodemod | undefined> {
  const kind = codemodKind(languageId);
  if (kind === 'python') {
    const python = await loadPythonCodemod();
    return { kind, analyzeAt: python.analyzeAt, uncacheFunction: python.uncacheFunction, watchFunction: python.watchFunction };
  }
  if (kind === 'typescript') {
    const codemod = await loadCodemod();
    return { kind, analyzeAt: codemod.analyzeAt, uncacheFunction: codemod.uncacheFunction };
  }
  return undefined;
}
