/**
 * `cachelens cache FILE:LINE[:COL] ...` and `cachelens uncache FILE:LINE[:COL]`: the codemod core
 * from a terminal. Unlike the core, this module reads and writes files: the source file, the
 * workspace's cachelens.config.json and package.json (the workspace root is the nearest folder
 * with a package.json above the file, or --root). Python files (.py) go to the Python core: the
 * source and cachelens.config.json at the app root (the nearest folder with pyproject.toml,
 * requirements.txt or setup.cfg).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cacheFunction, uncacheFunction } from './codemod.js';
import { BUILT_IN_BACKEND_LIST } from './backends.js';
import { backendType, CONFIG_FILE_NAME, isSharedBackend } from './config.js';
import { unifiedDiff } from './diff.js';
import { applyEdits } from './edits.js';
import { isJavaScript, SOURCE_EXTENSION_LIST, sourceExtension } from './source-files.js';
import { decoratorFlavour, findUp, readIfExists } from './project-files.js';
import { newTypeErrors, typeErrorRefusal } from './type-check.js';
import type { CacheOptions, Refusal, TextEdit } from './types.js';
import { isPythonFile, loadPythonCodemod, PYTHON_APP_MARKERS, PYTHON_EXTENSIONS, pythonAppRoot } from './python/index.js';

/** The runtime version written as `^<version>` when neither --runtime-version nor an installed cachelens says otherwise. */
export const DEFAULT_RUNTIME_VERSION = '0.1.0';

/** Where the command writes, and the directory relative paths start from; injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Default: process.cwd(). */
  cwd?: string;
}

/** Exit codes: 0 done, 1 refused or failed (nothing written), 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const USAGE = [
  'cachelens cache FILE:LINE[:COL] [--backend NAME] [--ttl DURATION] [--max N] [--dry-run] [--root DIR] [--runtime-version X.Y.Z]',
  'cachelens uncache FILE:LINE[:COL] [--dry-run] [--root DIR]',
  '',
  '  FILE:LINE[:COL]  the function to (un)cache: 1-based line and column (default: the first non-blank character)',
  `  --backend NAME   a backend of ${CONFIG_FILE_NAME} or a built-in type (${BUILT_IN_BACKEND_LIST})`,
  '  --ttl DURATION   "500ms", "30s", "5m", "1h", "1d", or a number of seconds',
  '  --max N          maximum number of entries (a positive integer)',
  '  --dry-run        print a unified diff of every file the command would change, write nothing',
  '  --root DIR       the workspace root (default: the nearest folder above FILE with a package.json; for a .py',
  '                   file, with a pyproject.toml, requirements.txt or setup.cfg)',
  '',
].join('\n');

class UsageError extends Error {
  override readonly name = 'UsageError';
}
class CliError extends Error {
  override readonly name = 'CliError';
}

interface Parsed {
  command: 'cache' | 'uncache';
  file: string;
  line: number;
  column: number | undefined;
  options: CacheOptions;
  dryRun: boolean;
  root: string | undefined;
  runtimeVersion: string | undefined;
}

function parseArgs(argv: readonly string[]): Parsed {
  const [command, location, ...rest] = argv;
  if (command !== 'cache' && command !== 'uncache') throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}; expected cache or uncache.`);
  if (location === undefined || location.startsWith('--')) throw new UsageError(`${command} needs FILE:LINE[:COL], for example src/prices.ts:12.`);
  const match = /^(.+?):(\d+)(?::(\d+))?$/.exec(location);
  if (!match) throw new UsageError(`${JSON.stringify(location)} is not FILE:LINE[:COL]; write for example src/prices.ts:12 or src/prices.ts:12:5.`);
  const valued = command === 'cache' ? ['backend', 'ttl', 'max', 'root', 'runtime-version'] : ['root'];
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const option = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!option) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; options start with --.`);
    const name = option[1]!;
    if (name === 'dry-run') {
      values.set(name, 'true');
    } else if (valued.includes(name)) {
      const value = option[2] ?? rest[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      values.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name} for ${command}; known: ${[...valued, 'dry-run'].map((o) => `--${o}`).join(', ')}.`);
    }
  }
  const line = Number(match[2]);
  const column = match[3] === undefined ? undefined : Number(match[3]);
  if (line < 1 || (column !== undefined && column < 1)) throw new UsageError(`LINE and COL start at 1 (got ${location}).`);
  const ttl = values.get('ttl');
  const max = values.get('max');
  const options: { backend?: string; ttl?: string | number; max?: number } = {};
  if (values.has('backend')) options.backend = values.get('backend')!;
  if (ttl !== undefined) options.ttl = /^\d+(\.\d+)?$/.test(ttl) ? Number(ttl) : ttl;
  if (max !== undefined) {
    if (!/^\d+$/.test(max)) throw new UsageError(`--max ${JSON.stringify(max)} is not a positive integer; pass the maximum number of entries, for example --max 1000.`);
    options.max = Number(max);
  }
  return {
    command,
    file: match[1]!,
    line,
    column,
    options,
    dryRun: values.has('dry-run'),
    root: values.get('root'),
    runtimeVersion: values.get('runtime-version'),
  };
}

function installedRuntimeVersion(root: string): string | undefined {
  const text = readIfExists(path.join(root, 'node_modules', 'cachelens', 'package.json'));
  return text ? (JSON.parse(text) as { version?: string }).version : undefined;
}

function describeRefusal(refusal: Refusal): string {
  return `${refusal.message} [${refusal.code}]`;
}

async function run(parsed: Parsed, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const file = path.resolve(cwd, parsed.file);
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`no such file: ${parsed.file} (resolved to ${file}); check the path.`);
  const python = isPythonFile(file);
  if (sourceExtension(file) === undefined && !python) {
    throw new CliError(`${parsed.file} is not a TypeScript, JavaScript or Python source file (${SOURCE_EXTENSION_LIST}, ${PYTHON_EXTENSIONS.join(', ')}).`);
  }
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (parsed.line > lines.length || (parsed.line === lines.length && lines[lines.length - 1] === '' && lines.length > 1)) {
    throw new CliError(`line ${parsed.line} is out of range: ${parsed.file} has ${text.endsWith('\n') ? lines.length - 1 : lines.length} lines.`);
  }
  const lineText = lines[parsed.line - 1]!.replace(/\r$/, '');
  const character = parsed.column !== undefined ? parsed.column - 1 : Math.max(0, lineText.search(/\S/));
  if (character > lineText.length) throw new CliError(`column ${parsed.column} is out of range: line ${parsed.line} has ${lineText.length} characters.`);

  const shown = (p: string): string => path.relative(cwd, p).split(path.sep).join('/') || '.';
  const root =
    parsed.root !== undefined
      ? path.resolve(cwd, parsed.root)
      : python
        ? pythonAppRoot(path.dirname(file), (p) => existsSync(p) && statSync(p).isFile())
        : findUp(path.dirname(file), 'package.json');
  if (root === undefined) {
    throw new CliError(
      python
        ? `no ${PYTHON_APP_MARKERS.join(', ').replace(/, (?=[^,]*$)/, ' or ')} found in ${path.dirname(file)} or above: run the command inside a Python app, or pass --root DIR.`
        : `no package.json found in ${path.dirname(file)} or above: run the command inside a Node project (npm init), or pass --root DIR.`,
    );
  }
  const relPath = path.relative(root, file).split(path.sep).join('/');
  const position = { line: parsed.line - 1, character };

  const writes: { file: string; before: string | undefined; edits: readonly TextEdit[] }[] = [];
  let summary: string;
  if (python) {
    summary = await runPython(parsed, { text, file, fileName: shown(file), relPath, position, root }, writes);
  } else if (parsed.command === 'cache') {
    const flavour = isJavaScript(sourceExtension(file)!) ? 'none' : decoratorFlavour(path.dirname(file), root);
    const configPath = path.join(root, CONFIG_FILE_NAME);
    const packagePath = path.join(root, 'package.json');
    const config = readIfExists(configPath);
    const packageJson = readIfExists(packagePath);
    const result = cacheFunction({
      text,
      fileName: shown(file),
      relPath,
      position,
      options: parsed.options,
      flavour,
      config: config === undefined ? undefined : { text: config },
      packageJson: packageJson === undefined ? undefined : { text: packageJson },
      runtimeVersion: parsed.runtimeVersion ?? installedRuntimeVersion(root) ?? DEFAULT_RUNTIME_VERSION,
      // The CLI has no runtime tarball to copy into the app (the extension ships one): a registry range.
      runtimeSource: 'registry',
    });
    if (!result.ok) throw new CliError(describeRefusal(result));
    if (result.edits.source.length > 0) {
      const check = newTypeErrors(file, text, applyEdits(text, result.edits.source), root);
      if (check.added.length > 0) throw new CliError(describeRefusal(typeErrorRefusal(result.target.name, check.added)));
    }
    writes.push({ file, before: text, edits: result.edits.source });
    if (result.edits.config) writes.push({ file: configPath, before: result.edits.config.create ? undefined : config, edits: result.edits.config.edits });
    if (result.edits.packageJson) writes.push({ file: packagePath, before: packageJson, edits: result.edits.packageJson });
    summary = `${result.change === 'created' ? 'cached' : result.change === 'updated' ? 'updated the options of' : 'nothing to change for'} ${result.target.id}`;
    const backend = parsed.options.backend;
    if (backend !== undefined && !result.target.returnsPromise && isSharedBackend(config, backend)) {
      io.stderr(`warning: ${result.target.name} is not async (and declares no Promise return type), but with the ${backendType(config, backend)} backend ` +
        `every call returns a Promise: make it async and await it where it is called, or use memory or lru.\n`);
    }
  } else {
    const flavour = isJavaScript(sourceExtension(file)!) ? 'none' : decoratorFlavour(path.dirname(file), root);
    const result = uncacheFunction({ text, fileName: shown(file), relPath, position, flavour });
    if (!result.ok) throw new CliError(describeRefusal(result));
    writes.push({ file, before: text, edits: result.edits.source });
    summary = `removed caching from ${result.target.id}`;
  }

  const changed = writes.filter((w) => w.edits.length > 0);
  if (parsed.dryRun) {
    for (const w of changed) {
      const name = shown(w.file);
      io.stdout(unifiedDiff(w.before ?? '', w.edits, w.before === undefined ? '/dev/null' : `a/${name}`, `b/${name}`));
    }
    io.stderr(`${summary} (dry run: nothing written)\n`);
    return EXIT_OK;
  }
  // Compute every new text first, so a failure leaves no file half-done.
  const outputs = changed.map((w) => ({ file: w.file, text: applyEdits(w.before ?? '', w.edits), created: w.before === undefined }));
  for (const output of outputs) {
    try {
      writeFileSync(output.file, output.text);
    } catch (error) {
      throw new CliError(`cannot write ${shown(output.file)} (${(error as NodeJS.ErrnoException).code ?? String(error)}): make it writable, then run the command again.`);
    }
  }
  const files = outputs.map((o) => `${shown(o.file)}${o.created ? ' (created)' : ''}`).join(', ');
  io.stdout(`${summary}${files ? `; wrote ${files}` : ''}\n`);
  if (outputs.some((o) => path.basename(o.file) === 'package.json')) io.stdout('added the cachelens dependency to package.json: run npm install.\n');
  return EXIT_OK;
}

/**
 * `cache` / `uncache` on a Python file: the same plan as for TypeScript (the source and
 * cachelens.config.json at the app root), over the Python core. requirements.txt is not edited:
 * the CLI has no wheel of the runtime to copy into the app (the extension has one).
 */
async function runPython(
  parsed: Parsed,
  at: { text: string; file: string; fileName: string; relPath: string; position: { line: number; character: number }; root: string },
  writes: { file: string; before: string | undefined; edits: readonly TextEdit[] }[],
): Promise<string> {
  const codemod = await loadPythonCodemod();
  const { text, file, fileName, relPath, position, root } = at;
  if (parsed.command === 'uncache') {
    const result = codemod.uncacheFunction({ text, fileName, relPath, position });
    if (!result.ok) throw new CliError(describeRefusal(result));
    writes.push({ file, before: text, edits: result.edits.source });
    return `removed caching from ${result.target.id}`;
  }
  const configPath = path.join(root, CONFIG_FILE_NAME);
  const config = readIfExists(configPath);
  const result = codemod.cacheFunction({
    text,
    fileName,
    relPath,
    position,
    options: parsed.options,
    config: config === undefined ? undefined : { text: config },
  });
  if (!result.ok) throw new CliError(describeRefusal(result));
  writes.push({ file, before: text, edits: result.edits.source });
  if (result.edits.config) writes.push({ file: configPath, before: result.edits.config.create ? undefined : config, edits: result.edits.config.edits });
  return `${result.change === 'created' ? 'cached' : result.change === 'updated' ? 'updated the options of' : 'nothing to change for'} ${result.target.id}`;
}

/**
 * Runs `cache` or `uncache` with the arguments after the program name (e.g.
 * `['cache', 'src/prices.ts:12', '--ttl', '5m']`) and returns the exit code.
 */
export async function main(argv: string[], io: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(`${USAGE}`);
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  try {
    return await run(parseArgs(argv), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`cachelens: ${error.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.stderr(`cachelens: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
