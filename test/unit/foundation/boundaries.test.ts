/**
 * The architecture's dependency direction is a build error, not a review comment: each case
 * lints a one-line import as if it stood in a part's folder, with the project's own ESLint config.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ruleMessages } from '../../harness/lint';

async function importErrors(file: string, source: string): Promise<string[]> {
  return (await ruleMessages('cachelens/part-boundaries', file, `${source}\nexport const used = x;\n`)).map((m) => m.message);
}

const forbidden: [part: string, file: string, source: string][] = [
  ['runtime', 'runtime/src/boundary-probe.ts', "import * as x from 'vscode';"],
  ['runtime', 'runtime/src/boundary-probe.ts', "import { Project as x } from 'ts-morph';"],
  ['runtime', 'runtime/src/boundary-probe.ts', "import { Commands as x } from '../../extension/src/commands.js';"],
  ['codemod', 'extension/codemod/src/boundary-probe.ts', "import * as x from 'vscode';"],
  ['codemod', 'extension/codemod/src/boundary-probe.ts', "import { Commands as x } from '../../src/commands.js';"],
  ['extension', 'extension/src/boundary-probe.ts', "import * as x from '../../webview/src/main.js';"],
  ['webview', 'webview/src/boundary-probe.ts', "import * as x from 'vscode';"],
  ['webview', 'webview/src/boundary-probe.ts', "import * as x from 'node:fs';"],
  ['webview', 'webview/src/boundary-probe.ts', "import * as x from 'fs';"],
  ['webview', 'webview/src/boundary-probe.ts', "import { Commands as x } from '../../extension/src/commands.js';"],
  ['protocol', 'protocol/boundary-probe.ts', "import * as x from 'node:net';"],
  // The shared grammar only by its package name (a relative path breaks in the published packages),
  // and nothing else of the runtime.
  ['codemod', 'extension/codemod/src/boundary-probe.ts', "import { durationMs as x } from '../../../runtime/shared/units.js';"],
  ['codemod', 'extension/codemod/src/boundary-probe.ts', "import { memoize as x } from 'cachelens';"],
  ['webview', 'webview/src/boundary-probe.ts', "import { memoize as x } from 'cachelens';"],
  ['runtime', 'runtime/src/boundary-probe.ts', "import { durationMs as x } from '../shared/units.js';"],
  ['shared', 'runtime/shared/boundary-probe.js', "import * as x from 'node:fs';"],
];

const allowed: [part: string, file: string, source: string][] = [
  ['runtime', 'runtime/src/boundary-probe.ts', "import { LRUCache as x } from 'lru-cache';"],
  ['codemod', 'extension/codemod/src/boundary-probe.ts', "import { Project as x } from 'ts-morph';"],
  ['extension', 'extension/src/boundary-probe.ts', "import * as x from 'vscode';"],
  ['extension', 'extension/src/boundary-probe.ts', "import * as x from '../../protocol/panel.js';"],
  ['webview', 'webview/src/boundary-probe.ts', "import * as x from '../../protocol/panel.js';"],
  ['codemod', 'extension/codemod/src/boundary-probe.ts', "import { durationMs as x } from 'cachelens/units';"],
  ['webview', 'webview/src/boundary-probe.ts', "import { durationMs as x } from 'cachelens/units';"],
  ['runtime', 'runtime/src/boundary-probe.ts', "import { durationMs as x } from 'cachelens/units';"],
  ['extension', 'extension/src/boundary-probe.ts', "import { durationMs as x } from 'cachelens/units';"],
  ['codemod', 'extension/codemod/src/boundary-probe.ts', "import { CONFIG_FILE_NAME as x } from 'cachelens/config-file';"],
  ['webview', 'webview/src/boundary-probe.ts', "import { BACKEND_TYPES as x } from 'cachelens/config-file';"],
];

describe('dependency direction between the parts', () => {
  for (const [part, file, source] of forbidden) {
    test(`${part} may not: ${source}`, async () => {
      const errors = await importErrors(file, source);
      assert.equal(errors.length, 1, `expected one boundary error for ${file}, got ${JSON.stringify(errors)}`);
    });
  }
  for (const [part, file, source] of allowed) {
    test(`${part} may: ${source}`, async () => {
      assert.deepEqual(await importErrors(file, source), []);
    });
  }
});
