// The codemod on code nobody here wrote: every function of the given npm packages' sources (up to
// a bound per package) is cached with the core API at a cursor in its body, as a user would;
// the result must parse, cache again to no change (idempotent), and "Remove caching" must give
// back the file byte for byte. TypeScript files owned by a tsconfig.json are type-checked before
// and after (newTypeErrors: the file and its importers), as the CLI and the extension do.
// Not part of npm test: the packages are installed outside the repository.
//
// Usage:
//   npm install --prefix /tmp/survey express@4 axios dayjs zod p-queue date-fns
//   node --import tsx bench/codemod-survey.ts /tmp/survey/node_modules [--per-package 80] [--typed 40]
// Prints a Markdown table (one row per package) and, per refusal code, how often it answered.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ts } from 'ts-morph';
import { applyEdits, cacheFunction, newTypeErrors, uncacheFunction, type TextEdit } from '../extension/codemod/src/index.js';

interface PackageSpec {
  readonly name: string;
  /** Folders (relative to the package) whose sources are surveyed. */
  readonly dirs: readonly string[];
  /** Write a tsconfig.json over `dirs[0]` so TypeScript sources are type-checked as a project. */
  readonly tsconfig?: boolean;
}

const PACKAGES: readonly PackageSpec[] = [
  { name: 'zod', dirs: ['src/v4/core'], tsconfig: true },
  { name: 'express', dirs: ['lib'] },
  { name: 'axios', dirs: ['lib'] },
  { name: 'p-queue', dirs: ['dist'] },
  { name: 'dayjs', dirs: ['esm'] },
  { name: 'date-fns', dirs: ['.'] },
];

const argv = process.argv.slice(2);
const modules = path.resolve(argv[0] ?? '/tmp/survey/node_modules');
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const PER_PACKAGE = option('per-package', 80);
const TYPED = option('typed', 40);

const SOURCE = /\.(ts|tsx|js|cjs|mjs)$/;
const isDeclaration = (f: string): boolean => /\.d\.[cm]?ts$/.test(f);

function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      if (entry === 'node_modules' || entry === 'tests' || entry === 'test' || entry === '__tests__' || entry === 'locale' || entry === 'locales') continue;
      const full = path.join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (SOURCE.test(entry) && !isDeclaration(entry) && !/\.min\.js$/.test(entry)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Offsets just inside the body of each function a user could point at (named forms, not callbacks). */
function cursors(text: string, fileName: string): number[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: number[] = [];
  const visit = (node: ts.Node): void => {
    const fn = ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) ? node : undefined;
    if (fn?.body) {
      const parent = fn.parent;
      const named =
        ts.isFunctionDeclaration(fn) ||
        ts.isMethodDeclaration(fn) ||
        ts.isVariableDeclaration(parent) ||
        ts.isPropertyAssignment(parent) ||
        (ts.isBinaryExpression(parent) && parent.right === fn) ||
        ts.isExportAssignment(parent);
      if (named) out.push(ts.isBlock(fn.body) ? fn.body.getStart(sf) + 1 : fn.body.getStart(sf));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** `offset` of the old text, in the text after `edits`. */
function mapOffset(offset: number, edits: readonly TextEdit[]): number {
  let delta = 0;
  for (const e of edits) if (e.end <= offset) delta += e.newText.length - (e.end - e.start);
  return offset + delta;
}

interface Row {
  pkg: string;
  files: number;
  functions: number;
  transformed: number;
  refused: Map<string, number>;
  typeErrors: number;
  typeChecked: number;
  brokeSyntax: number;
  notIdempotent: number;
  notRestored: number;
}

function parses(text: string, fileName: string): boolean {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : undefined);
  return (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length === 0;
}

const rows: Row[] = [];
const reasons = new Map<string, string>();
const started = performance.now();
for (const spec of PACKAGES) {
  const root = path.join(modules, spec.name);
  if (!existsSync(root)) {
    console.error(`skip ${spec.name}: not installed in ${modules}`);
    continue;
  }
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  if (spec.tsconfig) {
    writeFileSync(path.join(root, spec.dirs[0]!, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, skipLibCheck: true, types: [], allowImportingTsExtensions: true },
      include: ['**/*.ts'],
      exclude: ['tests'],
    }));
  }
  const row: Row = { pkg: `${spec.name}@${version}`, files: 0, functions: 0, transformed: 0, refused: new Map(), typeErrors: 0, typeChecked: 0, brokeSyntax: 0, notIdempotent: 0, notRestored: 0 };
  const files = spec.dirs.flatMap((d) => sources(path.join(root, d)));
  // Spread the bound over the files (a few functions from many files, not all of the first ones).
  const perFile = files.map((file) => ({ file, text: readFileSync(file, 'utf8') })).map((f) => ({ ...f, at: cursors(f.text, f.file) })).filter((f) => f.at.length > 0);
  const picked: { file: string; text: string; offset: number }[] = [];
  for (let round = 0; picked.length < PER_PACKAGE && perFile.some((f) => f.at.length > round); round++) {
    for (const f of perFile) {
      if (picked.length >= PER_PACKAGE) break;
      const offset = f.at[round];
      if (offset !== undefined) picked.push({ file: f.file, text: f.text, offset });
    }
  }
  row.files = new Set(picked.map((p) => p.file)).size;
  for (const { file, text, offset } of picked) {
    row.functions++;
    const relPath = path.relative(root, file).split(path.sep).join('/');
    const javascript = !/\.tsx?$/.test(file);
    const input = { text, fileName: file, relPath, position: offset, options: { ttl: '5m' }, flavour: javascript ? ('none' as const) : ('standard' as const), runtimeVersion: '0.1.0', config: { text: '{}' } };
    const result = cacheFunction(input);
    if (!result.ok) {
      row.refused.set(result.code, (row.refused.get(result.code) ?? 0) + 1);
      if (!reasons.has(`${result.code} ${spec.name}`)) reasons.set(`${result.code} ${spec.name}`, `${row.pkg} ${relPath}: ${result.message}`);
      continue;
    }
    const output = applyEdits(text, result.edits.source);
    if (!parses(output, file)) {
      row.brokeSyntax++;
      continue;
    }
    if (!javascript && spec.tsconfig && row.typeChecked < TYPED) {
      row.typeChecked++;
      const check = newTypeErrors(file, text, output, root);
      if (check.added.length > 0) {
        row.typeErrors++;
        row.refused.set('type-errors', (row.refused.get('type-errors') ?? 0) + 1);
        if (!reasons.has('type-errors (check)')) reasons.set('type-errors (check)', `${row.pkg} ${relPath}: ${check.added[0]!.code} ${check.added[0]!.message}`);
        continue;
      }
    }
    row.transformed++;
    const at = mapOffset(offset, result.edits.source);
    const again = cacheFunction({ ...input, text: output, position: at });
    if (!again.ok || again.change !== 'unchanged') row.notIdempotent++;
    const undo = uncacheFunction({ text: output, fileName: file, relPath, position: at, flavour: input.flavour });
    if (!undo.ok || applyEdits(output, undo.edits.source) !== text) {
      row.notRestored++;
      if (!reasons.has('not restored')) reasons.set('not restored', `${row.pkg} ${relPath} at offset ${offset}: ${undo.ok ? 'different text' : undo.message}`);
    }
  }
  rows.push(row);
  console.error(`${row.pkg}: ${row.functions} functions in ${((performance.now() - started) / 1000).toFixed(0)} s so far`);
}

const refusedTotal = (r: Row): number => [...r.refused.values()].reduce((a, b) => a + b, 0);
const lines = [
  '| package | files | functions | transformed | refused with reason | of which by the type check (TS files checked) | syntax broken | not idempotent | not restored by Remove caching |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.pkg} | ${r.files} | ${r.functions} | ${r.transformed} | ${refusedTotal(r)} (${[...r.refused].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}) | ${r.typeErrors} (${r.typeChecked}) | ${r.brokeSyntax} | ${r.notIdempotent} | ${r.notRestored} |`),
];
const total = (f: (r: Row) => number): number => rows.reduce((a, r) => a + f(r), 0);
lines.push(`| **total** | ${total((r) => r.files)} | ${total((r) => r.functions)} | ${total((r) => r.transformed)} | ${total(refusedTotal)} | ${total((r) => r.typeErrors)} (${total((r) => r.typeChecked)}) | ${total((r) => r.brokeSyntax)} | ${total((r) => r.notIdempotent)} | ${total((r) => r.notRestored)} |`);
console.log(lines.join('\n'));
console.log('\nOne example per refusal code:');
for (const [code, example] of reasons) console.log(`- ${code}: ${example}`);
console.error(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
