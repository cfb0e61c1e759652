/**
 * Entry loaded by the extension host (extensionTestsPath): runs the mocha suites and reports each
 * test as one `CACHELENS-TEST pass|fail <title>` line, which the e2e driver turns into test results.
 */
import path from 'node:path';
import type MochaType from 'mocha';

export async function run(): Promise<void> {
  // mocha 12 is ESM-only: require() hands back its namespace object on the extension host's Node.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('mocha') as typeof MochaType | { default: typeof MochaType };
  const Mocha = 'default' in loaded ? loaded.default : loaded;
  const mocha = new Mocha({ ui: 'tdd', timeout: 30_000, color: false, reporter: 'spec' });
  for (const file of ['activation.test.js', 'panel.test.js', 'cache-commands.test.js', 'lens-refresh.test.js']) mocha.addFile(path.join(__dirname, file));
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host tests failed`)) : resolve()));
    runner.on('pass', (test) => console.log(`CACHELENS-TEST pass ${test.fullTitle()}`));
    runner.on('fail', (test, error: Error) => console.log(`CACHELENS-TEST fail ${test.fullTitle()} :: ${error.message.split('\n')[0]}`));
  });
}
