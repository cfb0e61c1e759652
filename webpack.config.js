// Two bundles: the extension host (Node, `vscode` external; ts-morph and web-tree-sitter in a lazy
// chunk of their own, the Python grammar's .wasm files beside it) and the webview (browser). The
// runtime is not bundled here: apps install it as a package.
const { readFileSync } = require('node:fs');
const path = require('node:path');

/**
 * The Python codemod parses with tree-sitter compiled to WebAssembly: its two .wasm files are read
 * at run time, next to the chunks (extension/codemod/src/python/grammar.ts looks there first), and
 * ship in the .vsix with dist/extension/. Emitted as they are, from the codemod's pinned packages.
 */
const PYTHON_GRAMMAR_FILES = ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm'];
class EmitPythonGrammar {
  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('EmitPythonGrammar', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'EmitPythonGrammar', stage: Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        for (const request of PYTHON_GRAMMAR_FILES) {
          const file = require.resolve(request, { paths: [path.resolve(__dirname, 'extension/codemod')] });
          compilation.fileDependencies.add(file);
          compilation.emitAsset(path.basename(file), new sources.RawSource(readFileSync(file)));
        }
      });
    });
  }
}

const tsRule = (configFile) => ({
  test: /\.ts$/,
  exclude: /node_modules/,
  use: [{ loader: 'ts-loader', options: {
    configFile,
    transpileOnly: true, // type-checking is `tsc -b`'s job
    onlyCompileBundledFiles: true,
    compilerOptions: { rootDir: __dirname, composite: false, declaration: false, emitDeclarationOnly: false, sourceMap: true },
  } }],
});

/** @type {(env: unknown, argv: { mode?: string }) => import('webpack').Configuration[]} */
module.exports = (_env, argv) => {
  const dev = argv.mode !== 'production';
  return [
    {
      name: 'extension',
      target: 'node20',
      mode: dev ? 'development' : 'production',
      // The what-if worker is an entry of its own (a worker_threads script bundling the runtime's
      // simulator), started only when the panel asks for a curve.
      entry: { extension: './extension/src/extension.ts', 'whatif-worker': './extension/src/whatif/worker.ts' },
      output: {
        path: path.resolve(__dirname, 'dist/extension'),
        filename: '[name].js',
        chunkFilename: 'chunk-[name].js',
        libraryTarget: 'commonjs2',
        clean: true,
      },
      externals: { vscode: 'commonjs vscode' },
      plugins: [new EmitPythonGrammar()],
      resolve: {
        extensions: ['.ts', '.js'],
        extensionAlias: { '.js': ['.ts', '.js'] },
        // web-tree-sitter's CommonJS build: its ES module build finds its .wasm through
        // import.meta.url, which webpack would fix at the build machine's path (and emit a second copy).
        alias: { 'web-tree-sitter$': require.resolve('web-tree-sitter', { paths: [path.resolve(__dirname, 'extension/codemod')] }) },
      },
      module: {
        rules: [tsRule(path.resolve(__dirname, 'extension/tsconfig.json'))],
        // createRequire(file) resolves packages of the user's project at run time (a tsconfig's
        // "extends"): Node's own, not webpack's bundle-time emulation.
        parser: { javascript: { createRequire: false } },
      },
      devtool: dev ? 'source-map' : 'nosources-source-map',
      optimization: { minimize: false },
      performance: { hints: false },
      // ts-morph's bundled TypeScript requires optional modules dynamically; those paths are unused.
      // ws requires its optional native helpers (bufferutil, utf-8-validate) inside try/catch and falls
      // back to JavaScript without them; the bundle leaves them out on purpose.
      ignoreWarnings: [{ module: /node_modules[\\/](@ts-morph|typescript)/ }, { module: /node_modules[\\/]ws[\\/]/, message: /bufferutil|utf-8-validate/ }],
    },
    {
      name: 'webview',
      target: 'web',
      mode: dev ? 'development' : 'production',
      entry: { main: './webview/src/main.ts' },
      output: { path: path.resolve(__dirname, 'dist/webview'), filename: '[name].js', clean: true },
      resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
      module: {
        rules: [
          tsRule(path.resolve(__dirname, 'webview/tsconfig.json')),
          { test: /\.css$/, type: 'asset/source' },
          // The codicon font, emitted next to main.js (inside localResourceRoots) and referenced by URL.
          { test: /\.ttf$/, type: 'asset/resource', generator: { filename: '[name][ext]' } },
        ],
      },
      devtool: dev ? 'source-map' : false,
      performance: { hints: false },
    },
  ];
};
