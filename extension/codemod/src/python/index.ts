/**
 * The Python codemod core: "Cache this function", "Change cache settings" and "Remove caching" for
 * `.py` files, pure functions from text to edits over tree-sitter's Python grammar (WebAssembly: no
 * Python needed). `loadPythonCodemod()` loads the grammar once (asynchronously); the functions it
 * returns are synchronous and take and return the same shapes as the TypeScript core.
 */
import type { AnalyzeInput, AnalyzeResult, CacheResult, UncacheInput, UncacheResult } from '../types.js';
import { loadPythonGrammar } from './grammar.js';
import { pythonAnalyzeAt, pythonCacheFunction, pythonUncacheFunction, type PythonCacheInput } from './codemod.js';
import { pythonWatchFunction, type WatchResult } from './watch.js';

export { isPythonFile, PYTHON_EXTENSIONS, renderPythonOptions, type PythonCacheInput } from './codemod.js';
export { PYTHON_WASM_FILES } from './grammar.js';
export * from './dependencies.js';
export type { WatchResult, WatchSuccess } from './watch.js';

export interface PythonCodemod {
  analyzeAt(input: AnalyzeInput): AnalyzeResult;
  cacheFunction(input: PythonCacheInput): CacheResult;
  uncacheFunction(input: UncacheInput): UncacheResult;
  /** "Watch this cache": `cachelens.watch(name)` after a functools-cached function (watch.ts). */
  watchFunction(input: AnalyzeInput): WatchResult;
}

/** Loads the Python grammar on first use (`wasmDirectory`: where both .wasm files are; default: next to this module, then the npm packages). */
export async function loadPythonCodemod(wasmDirectory?: string): Promise<PythonCodemod> {
  const grammar = await loadPythonGrammar(wasmDirectory);
  return {
    analyzeAt: (input) => pythonAnalyzeAt(grammar, input),
    cacheFunction: (input) => pythonCacheFunction(grammar, input),
    uncacheFunction: (input) => pythonUncacheFunction(grammar, input),
    watchFunction: (input) => pythonWatchFunction(grammar, input),
  };
}
