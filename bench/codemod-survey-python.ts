// The Python codemod on code nobody here wrote: every def of Debian's Python packages (up to a
// bound per package, spread over its files) is cached with the core API at the def's name, as a
// user would; the result must compile with /usr/bin/python3, cache again to no change, and "Remove
// caching" must give back the file byte for byte. Not part of npm test (it reads the system's
// Python packages, whose versions differ between machines).
//
// Usage: node --import tsx bench/codemod-survey-python.ts [--per-package 300]
// Prints a Markdown table (one row per package) with the refusals by code.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, loadPythonCodemod } from '../extension/codemod/src/index.js';
import { loadPythonGrammar } from '../extension/codemod/src/python/grammar.js';

const PACKAGES: readonly { name: string; dir: string }[] = [
  { name: 'stdlib (top level)', dir: '/usr/lib/python3.11' },
  { name: 'flask', dir: '/usr/lib/python3/dist-packages/flask' },
  { name: 'werkzeug', dir: '/usr/lib/python3/dist-packages/werkzeug' },
  { name: 'redis', dir: '/usr/lib/python3/dist-packages/redis' },
  { name: 'cachetools', dir: '/usr/lib/python3/dist-packages/cachetools' },
  { name: 'flask_caching', dir: '/usr/lib/python3/dist-packages/flask_caching' },
  { name: 'diskcache', dir: '/usr/lib/python3/dist-packages/diskcache' },
];

const argv = process.argv.slice(2);
const at = argv.indexOf('--per-package');
const PER_PACKAGE = at >= 0 ? Number(argv[at + 1]) : 300;

function pythonFiles(dir: string, top: boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const file = path.join(dir, name);
      if (name.endsWith('.py')) return [file];
      return !top && statSync(file).isDirectory() && !name.startsWith('test') ? pythonFiles(file, false) : [];
    });
}

function compileErrors(texts: readonly string[]): number {
  const script = 'import json,sys\nbad=0\nfor t in json.load(sys.stdin):\n    try: compile(t,"x","exec",dont_inherit=True)\n    except SyntaxError: bad+=1\nprint(bad)';
  const result = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 1 << 30, timeout: 600_000 });
  if (result.status !== 0) throw new Error(result.stderr);
  return Number(result.stdout.trim());
}

async function main(): Promise<void> {
  const codemod = await loadPythonCodemod();
  const grammar = await loadPythonGrammar();
  const rows: string[] = [];
  const totals = { files: 0, defs: 0, transformed: 0, refused: 0, broken: 0, notIdempotent: 0, notRestored: 0 };
  for (const pkg of PACKAGES) {
    const files = pythonFiles(pkg.dir, pkg.dir === '/usr/lib/python3.11');
    if (files.length === 0) continue;
    // Every def of every file, then an even spread over the package up to the bound.
    const targets: { file: string; text: string; offset: number }[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const tree = grammar.parse(text);
      try {
        for (const def of tree.rootNode.descendantsOfType('function_definition')) {
          const name = def?.childForFieldName('name');
          if (name) targets.push({ file, text, offset: name.startIndex });
        }
      } finally {
        tree.delete();
      }
    }
    const step = Math.max(1, targets.length / PER_PACKAGE);
    const chosen = Array.from({ length: Math.min(PER_PACKAGE, targets.length) }, (_, i) => targets[Math.floor(i * step)]!);
    const refusals = new Map<string, number>();
    const outputs: string[] = [];
    let notIdempotent = 0;
    let notRestored = 0;
    for (const { file, text, offset } of chosen) {
      const input = { text, fileName: 'module.py', relPath: path.relative(pkg.dir, file), position: offset, options: { backend: 'memory', ttl: '5m' }, config: { text: '{}' } };
      const result = codemod.cacheFunction(input);
      if (!result.ok) {
        refusals.set(result.code, (refusals.get(result.code) ?? 0) + 1);
        continue;
      }
      const output = applyEdits(text, result.edits.source);
      outputs.push(output);
      const shift = result.edits.source.filter((e) => e.start <= offset).reduce((sum, e) => sum + e.newText.length - (e.end - e.start), 0);
      const again = codemod.cacheFunction({ ...input, text: output, position: offset + shift });
      if (!again.ok || again.change !== 'unchanged') notIdempotent++;
      const undo = codemod.uncacheFunction({ text: output, fileName: 'module.py', position: offset + shift });
      if (!undo.ok || applyEdits(output, undo.edits.source) !== text) notRestored++;
    }
    const broken = compileErrors(outputs);
    const refused = [...refusals.values()].reduce((a, b) => a + b, 0);
    const byCode = [...refusals].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ');
    rows.push(`| ${pkg.name} | ${files.length} | ${chosen.length} | ${outputs.length} | ${refused}${byCode ? ` (${byCode})` : ''} | ${broken} | ${notIdempotent} | ${notRestored} |`);
    totals.files += files.length;
    totals.defs += chosen.length;
    totals.transformed += outputs.length;
    totals.refused += refused;
    totals.broken += broken;
    totals.notIdempotent += notIdempotent;
    totals.notRestored += notRestored;
  }
  console.log('| package | files | defs | transformed | refused with reason | not compiling | not idempotent | not restored by Remove caching |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  const t = totals;
  console.log(`| **total** | ${t.files} | ${t.defs} | ${t.transformed} | ${t.refused} | ${t.broken} | ${t.notIdempotent} | ${t.notRestored} |`);
}

void main();
