/**
 * The public surface of `cachelens` (runtime/src/index.ts) is recorded in runtime/api/cachelens.api.md
 * by api-extractor, so that a change of the surface shows as a diff in review. This test builds the
 * declarations from the current sources (into a temporary folder: no build needed), runs
 * api-extractor in check mode, and fails when the committed report is out of date. To update it:
 * `npm run api -w cachelens`, then commit runtime/api/cachelens.api.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-api-'));
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
