/**
 * The extension reads its configuration in extension/src/settings.ts only (lint rule
 * `cachelens/settings-only`), so `SettingDefaults` is the set of settings the code reads, and the
 * manifest test that compares it with package.json covers every one of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ruleMessages, sources } from '../../harness/lint';
import { ROOT } from '../../harness/paths';

async function settingsErrors(file: string, source: string): Promise<string[]> {
  return (await ruleMessages('cachelens/settings-only', file, source)).map((m) => `${file}:${m.line}: ${m.message}`);
}

describe('settings are read only through extension/src/settings.ts', () => {
  test('no extension source but settings.ts calls getConfiguration()', async () => {
    const errors: string[] = [];
    for (const file of sources('extension/src')) errors.push(...(await settingsErrors(file, fs.readFileSync(path.join(ROOT, file), 'utf8'))));
    assert.deepEqual(errors, []);
  });

  const forbidden = [
    "vscode.workspace.getConfiguration('cachelens').get('inlineHints');",
    "vscode.workspace.getConfiguration().get('cachelens.live.allowedOrigins');",
    "const { workspace } = vscode; workspace.getConfiguration('cachelens');",
    "vscode.workspace?.getConfiguration?.('cachelens');",
    "vscode.workspace['getConfiguration']('cachelens');",
  ];
  for (const line of forbidden) {
    test(`reported outside settings.ts: ${line}`, async () => {
      const errors = await settingsErrors('extension/src/live/settings-probe.ts', `import * as vscode from 'vscode';\n${line}\n`);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!, /readSettings\(\)/);
    });
  }

  test('settings.ts itself may read the configuration', async () => {
    assert.deepEqual(await settingsErrors('extension/src/settings.ts', fs.readFileSync(path.join(ROOT, 'extension/src/settings.ts'), 'utf8')), []);
  });
});
