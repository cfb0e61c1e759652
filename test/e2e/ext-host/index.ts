/**
 * Entry loaded by the extension host (extensionTestsPath): runs the mocha suites and reports each
 * test as one `CACHELENS-TEST pass|fail <title>` line, which the e2e driver turns into test results.
 */
import fs from 'node:fs';
import path from 'node:path';
import type MochaType from 'mocha';

/**
 * The suites to run: those named one per line in the workspace's `.cachelens-ext-host-suites` (a
 * workspace made for them, such as a new app with no CacheLens in it yet), else the default ones.
 */
function suiteFiles(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require('vscode') as typeof import('vscode');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const listed = folder === undefined ? undefined : path.join(folder, '.cachelens-ext-host-suites');
  if (listed !== undefined && fs.existsSync(listed)) return fs.readFileSync(listed, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  return ['activation.test.js', 'panel.test.js', 'cache-commands.test.js', 'python-commands.test.js', 'lens-refresh.test.js'];
}

export async function run(): Promise<void> {
  // mocha 12 is ESM-only: require() hands back its namespace object on the extension host's Node.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('mocha') as typeof MochaType | { default: typeof MochaType };
  const Mocha = 'default' in loaded ? loaded.default : loaded;
  // 90 s: a step that type-checks a project (the codemod's safety net) took over 30 s on a loaded 2-core machine.
  const mocha = new Mocha({ ui: 'tdd', timeout: 90_000, color: false, reporter: 'spec' });
  for (const file of suiteFiles()) mocha.addFile(path.join(__dirname, file));
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host tests failed`)) : resolve()));
    runner.on('pass', (test) => console.log(`CACHELENS-TEST pass ${test.fullTitle()}`));
    runner.on('fail', (test, error: Error) => console.log(`CACHELENS-TEST fail ${test.fullTitle()} :: ${error.message.split('\n')[0]}`));
  });
}
