// Shared helpers of the Python codemod tests: the golden cases and Debian's Python, which compiles
// inputs and results and runs the cached methods with the real runtime (python/src).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { GoldenCaseCommon } from './golden.js';

export const PY_FIXTURES = resolve(__dirname, '../../fixtures/codemod-python');
export const PYTHON = '/usr/bin/python3';
const PYTHON_SRC = resolve(__dirname, '../../../python/src');

/** One golden case: `case.json` plus `input.py` (or `.pyi`) and the expected files next to it. */
export interface PyGoldenCase extends GoldenCaseCommon {
  /**
   * Import the result and call it twice with the runtime: `setup` (optional) is executed once in the
   * module's namespace, `call` evaluated twice there, `cache` names what `cache_of` takes; `expect`
   * the counters after both calls (default one miss, then one hit; a recursive function's own calls
   * go through the cache too).
   */
  readonly run?: { readonly setup?: string; readonly call: string; readonly cache: string; readonly expect?: { readonly misses: number; readonly hits: number } };
  readonly inputFile: string;
  readonly ext: string;
}

export function loadPyCases(): PyGoldenCase[] {
  return readdirSync(PY_FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(PY_FIXTURES, d.name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Partial<PyGoldenCase>;
      const inputFile = readdirSync(dir).find((f) => f.startsWith('input.') && !f.endsWith('.json'));
      if (!inputFile) throw new Error(`${dir}: no input.<ext> file`);
      const ext = inputFile.slice('input'.length);
      return { mode: 'cache', relPath: `app${ext}`, options: {}, cursor: '', ...spec, name: d.name, dir, inputFile, ext } as PyGoldenCase;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Compiles each text with Debian's Python (`compile(..., 'exec')`: the parser and the compiler's own
 * checks) and returns, per text, undefined or the SyntaxError it raised.
 */
export function pythonCompileErrors(texts: readonly string[]): (string | undefined)[] {
  const script = [
    'import json, sys',
    'out = []',
    'for i, text in enumerate(json.load(sys.stdin)):',
    '    try:',
    '        compile(text.encode("utf-8"), f"text{i}.py", "exec", dont_inherit=True)',
    '        out.append(None)',
    '    except SyntaxError as e:',
    '        out.append(f"{e.msg} (line {e.lineno})")',
    'print(json.dumps(out))',
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`cannot run ${PYTHON} (${result.error.message}): install Debian's python3 (bash test/harness/prereqs.sh does)`);
  if (result.status !== 0) throw new Error(`${PYTHON} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return (JSON.parse(result.stdout) as (string | null)[]).map((e) => e ?? undefined);
}

/** Whether the Python runtime has memoize yet (it lands in python/src/cachelens/memoize.py). */
export const runtimeHasMemoize = (): boolean => existsSync(join(PYTHON_SRC, 'cachelens', 'memoize.py'));

export interface RunOutcome {
  readonly first: string;
  readonly second: string;
  readonly hits: number;
  readonly misses: number;
}

/**
 * Imports `source` as a module (in a temporary folder holding `config` as cachelens.config.json),
 * runs `setup` once and evaluates `call` twice in its namespace, and reads
 * `cache_of(<cache>).stats()` with the real runtime.
 */
export function runWithRuntime(source: string, config: string | undefined, run: { readonly setup?: string; readonly call: string; readonly cache: string }): RunOutcome {
  const dir = mkdtempSync(join(tmpdir(), 'cachelens-pycodemod-'));
  try {
    writeFileSync(join(dir, 'cached_app.py'), source);
    if (config !== undefined) writeFileSync(join(dir, 'cachelens.config.json'), config);
    const script = [
      'import asyncio, importlib, inspect, json, sys',
      'import cachelens',
      'module = importlib.import_module("cached_app")',
      'ns = dict(vars(module))',
      'exec(sys.argv[3], ns)',
      'def call():',
      '    value = eval(sys.argv[1], ns)',
      '    return asyncio.run(value) if inspect.isawaitable(value) else value',
      'first, second = call(), call()',
      'stats = cachelens.cache_of(eval(sys.argv[2], ns)).stats()',
      'print(json.dumps({"first": repr(first), "second": repr(second), "hits": stats["hits"], "misses": stats["misses"]}))',
    ].join('\n');
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYTHON_SRC, PYTHONDONTWRITEBYTECODE: '1' };
    delete env.CACHELENS_ENDPOINT; // no live reporting from the test's process
    const result = spawnSync(PYTHON, ['-c', script, run.call, run.cache, run.setup ?? ''], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
    if (result.status !== 0) throw new Error(`running the cached module failed (${result.status ?? result.signal}): ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').pop()!) as RunOutcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
