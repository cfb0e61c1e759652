/**
 * The Python grammar: tree-sitter's Python grammar compiled to WebAssembly, run by web-tree-sitter.
 * Nothing here needs Python installed. The two .wasm files load on the first call of
 * `loadPythonGrammar()` (about 0.7 MB), never at import: the extension bundle ships them next to its
 * chunks (webpack.config.js copies them), the npm package resolves them from its dependencies.
 * Offsets of the trees are UTF-16 code units of the parsed string, as everywhere in the core.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export type { Node, Tree };

/** The two files, by the name the bundle ships them under and the package path they come from. */
export const PYTHON_WASM_FILES = {
  runtime: { file: 'web-tree-sitter.wasm', module: 'web-tree-sitter/web-tree-sitter.wasm' },
  grammar: { file: 'tree-sitter-python.wasm', module: 'tree-sitter-python/tree-sitter-python.wasm' },
} as const;

/** Where a .wasm file is: next to this module (the extension bundle), else in its npm package. */
function locate(which: keyof typeof PYTHON_WASM_FILES, directory: string | undefined): string {
  const { file, module } = PYTHON_WASM_FILES[which];
  for (const dir of directory !== undefined ? [directory] : [__dirname]) {
    const beside = path.join(dir, file);
    if (existsSync(beside)) return beside;
  }
  // createRequire is left to Node by the bundler (webpack.config.js: createRequire: false).
  return createRequire(__filename).resolve(module);
}

/** A loaded grammar: parse Python source text into a tree (free it with `tree.delete()`). */
export interface PythonGrammar {
  parse(text: string): Tree;
}

let loading: Promise<PythonGrammar> | undefined;

/**
 * Loads the WebAssembly parser once per process. `wasmDirectory`: a folder holding both .wasm files
 * (default: this module's folder, then the npm packages). Rejects with an Error naming the file when
 * it cannot be read.
 */
export function loadPythonGrammar(wasmDirectory?: string): Promise<PythonGrammar> {
  loading ??= (async () => {
    const runtimeWasm = locate('runtime', wasmDirectory);
    const grammarWasm = locate('grammar', wasmDirectory);
    await Parser.init({ locateFile: () => runtimeWasm });
    const language = await Language.load(grammarWasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return {
      parse(text: string): Tree {
        const tree = parser.parse(text);
        if (!tree) throw new Error('the Python parser returned no tree');
        return tree;
      },
    };
  })().catch((error: unknown) => {
    loading = undefined;
    throw new Error(`cannot load the Python grammar (${error instanceof Error ? error.message : String(error)}): reinstall the extension or the @cachelens/codemod package`);
  });
  return loading;
}
