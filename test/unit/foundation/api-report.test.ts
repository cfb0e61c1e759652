/**
 * The public surface of `cachelens` (runtime/src/index.ts) is recorded in runtime/api/cachelens.api.md
 * by api-extractor, so that a change of the surface shows as a diff in review. This test builds the
 * declarations from the current sources (into a temporary folder in runtime/: no build needed), runs
 * api-extractor in check mode, and fails when the committed report is out of date. To update it:
 * `npm run api -w cachelens`, then commit runtime/api/cachelens.api.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import { ROOT } from '../../harness/paths';

const RUNTIME = path.join(ROOT, 'runtime');
const REPORT = path.join(RUNTIME, 'api', 'cachelens.api.md');

/** The runtime's declarations, emitted by the repository's own tsc from runtime/src into `outDir`. */
function emitDeclarations(outDir: string): void {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [
    tsc, '-p', path.join(RUNTIME, 'tsconfig.json'), '--outDir', outDir, '--emitDeclarationOnly',
    '--composite', 'false', '--incremental', 'false', '--declarationMap', 'false', '--sourceMap', 'false',
  ], { stdio: 'pipe', timeout: 120_000 });
}

/** The first lines where two texts differ, for the failure message. */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}:\n  committed: ${a[i] ?? '(end of file)'}\n  now:       ${b[i] ?? '(end of file)'}`;
  }
  return '(no line differs)';
}

test('runtime/api/cachelens.api.md records the public surface of the current sources', { timeout: 180_000 }, () => {
  // Inside the package folder, so that the declarations resolve `cachelens/...` subpaths (the
  // shared facts) as the built package does, and the report reads the same as `npm run api`'s.
  const temp = fs.mkdtempSync(path.join(RUNTIME, '.api-check-'));
  try {
    emitDeclarations(path.join(temp, 'dts'));
    const configObject = ExtractorConfig.loadFile(path.join(RUNTIME, 'api-extractor.json'));
    configObject.projectFolder = RUNTIME;
    configObject.mainEntryPointFilePath = path.join(temp, 'dts', 'index.d.ts');
    configObject.apiReport = { ...configObject.apiReport!, reportTempFolder: path.join(temp, 'report') };
    const config = ExtractorConfig.prepare({
      configObject,
      configObjectFullPath: path.join(RUNTIME, 'api-extractor.json'),
      packageJsonFullPath: path.join(RUNTIME, 'package.json'),
    });
    const problems: string[] = [];
    const result = Extractor.invoke(config, {
      localBuild: false, // check mode: compare with the committed report, never rewrite it
      messageCallback: (message: ExtractorMessage) => {
        if (message.logLevel === 'error' || message.logLevel === 'warning') problems.push(message.formatMessageWithoutLocation());
        message.handled = true;
      },
    });
    const now = fs.readFileSync(path.join(temp, 'report', 'cachelens.api.md'), 'utf8');
    const committed = fs.readFileSync(REPORT, 'utf8');
    assert.ok(!result.apiReportChanged && now === committed,
      'the public surface of cachelens changed: run `npm run api -w cachelens` and commit runtime/api/cachelens.api.md ' +
      `(and list the change in docs/architecture.md, "Public surface"). First difference, ${firstDifference(committed, now)}`);
    assert.deepEqual(problems, [], 'api-extractor reported problems');
    assert.ok(result.succeeded);
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
});

/** The names `cachelens` exports, read from the committed report. */
function reportedNames(): string[] {
  const report = fs.readFileSync(REPORT, 'utf8');
  return [...report.matchAll(/^export (?:declare )?(?:abstract )?(?:const|function|class|interface|type|namespace|enum) (\w+)/gm)].map((m) => m[1]!);
}

/** True when `name` is a whole word inside some `code span` of `markdown`. */
function inCodeSpan(markdown: string, name: string): boolean {
  const word = new RegExp(`\\b${name}\\b`);
  return [...markdown.matchAll(/`([^`\n]+)`/g)].some((m) => word.test(m[1]!));
}

test('every public name is listed in architecture.md ("Public surface") and documented in configuration.md; every internal one is listed as internal', () => {
  const names = reportedNames();
  assert.ok(names.includes('memoize') && names.includes('startReporter') && names.length > 40, `names read from the report: ${names.join(', ')}`);
  const architecture = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const start = architecture.indexOf('## Public surface');
  assert.ok(start >= 0, 'architecture.md has a "Public surface" section');
  const section = architecture.slice(start, architecture.indexOf('\n## ', start + 1));
  const table = section.slice(section.indexOf('| name |'));
  const configuration = fs.readFileSync(path.join(ROOT, 'docs', 'configuration.md'), 'utf8');
  for (const name of names) {
    assert.ok(inCodeSpan(table, name), `${name} is exported by cachelens but not in the table of architecture.md's "Public surface"`);
    assert.ok(inCodeSpan(configuration, name), `${name} is exported by cachelens but not documented in configuration.md`);
  }
  const internal = fs.readFileSync(path.join(RUNTIME, 'src', 'internal.ts'), 'utf8');
  const internalValues = [...internal.matchAll(/^export \{([^}]+)\}/gm)].flatMap((m) => m[1]!.split(',').map((n) => n.trim())).filter(Boolean);
  assert.ok(internalValues.includes('memoryKey'), `names read from internal.ts: ${internalValues.join(', ')}`);
  const prose = section.slice(0, section.indexOf('| name |'));
  for (const name of internalValues) {
    assert.ok(inCodeSpan(prose, name), `${name} is exported by cachelens/internal but not listed as internal in architecture.md`);
    assert.ok(!names.includes(name) || name === 'Reporter', `${name} is both public and internal`);
  }
});
