/** package.json's contributions and the extension's code agree. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CONFIG_FILE_NAME } from 'cachelens/config-file';
import { Commands } from '../../../extension/src/commands';
import { LANGUAGE_IDS, LANGUAGE_WHEN_CLAUSE } from '../../../extension/src/languages';
import { ROOT } from '../../harness/paths';

interface Manifest {
  main: string;
  activationEvents: string[];
  engines: { vscode: string };
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
  };
  devDependencies: Record<string, string>;
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;

describe('extension manifest', () => {
  test('every command id in the code is contributed, and every contributed command is in the code', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(Commands).sort());
  });

  test('every menu entry names a contributed command', () => {
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) assert.ok(contributed.has(entry.command), `${menu}: ${entry.command}`);
    }
  });

  test('"Cache this function" is in the editor context menu for TypeScript and JavaScript files', () => {
    const entry = manifest.contributes.menus['editor/context']?.find((e) => e.command === Commands.cacheFunction);
    assert.ok(entry?.when, 'has a when clause');
    const languages = /\/(.*)\//.exec(entry.when)?.[1];
    assert.ok(languages, entry.when);
    for (const id of ['typescript', 'typescriptreact', 'javascript', 'javascriptreact']) {
      assert.match(id, new RegExp(languages), `${id} matches ${entry.when}`);
    }
    assert.doesNotMatch('json', new RegExp(languages));
  });

  test('the onLanguage activation events are exactly the supported languages (extension/src/languages.ts)', () => {
    const activating = manifest.activationEvents.filter((e) => e.startsWith('onLanguage:')).map((e) => e.slice('onLanguage:'.length));
    assert.deepEqual([...activating].sort(), [...LANGUAGE_IDS].sort());
  });

  test('every editorLangId clause of the menus is the supported languages\' clause, and every cache command entry has one', () => {
    const cacheCommands = new Set<string>([Commands.cacheFunction, Commands.changeSettings, Commands.removeCaching]);
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        const clauses = (entry.when ?? '').split('&&').map((c) => c.trim()).filter((c) => c.startsWith('editorLangId') || c.startsWith('resourceLangId'));
        for (const clause of clauses) assert.equal(clause, LANGUAGE_WHEN_CLAUSE, `${menu}: ${entry.command}`);
        if (cacheCommands.has(entry.command)) assert.equal(clauses.length, 1, `${menu}: ${entry.command} is offered only in a supported language (${entry.when})`);
      }
    }
  });

  test('the workspace activation event names the config file (cachelens/config-file)', () => {
    assert.ok(manifest.activationEvents.includes(`workspaceContains:**/${CONFIG_FILE_NAME}`), JSON.stringify(manifest.activationEvents));
  });

  test('@types/vscode is not newer than the engine the manifest declares (vsce refuses that)', () => {
    const engine = manifest.engines.vscode.replace(/^\^/, '').split('.').map(Number);
    const types = manifest.devDependencies['@types/vscode']!.replace(/^\^/, '').split('.').map(Number);
    assert.ok(types[0]! < engine[0]! || (types[0] === engine[0] && types[1]! <= engine[1]!));
  });

  test('the entry point the manifest names is what webpack builds', () => {
    assert.equal(manifest.main, './dist/extension/extension.js');
    const config = fs.readFileSync(path.join(ROOT, 'webpack.config.js'), 'utf8');
    assert.match(config, /dist\/extension/);
  });
});

describe('extension settings', () => {
  // The code reads settings only through readSettings() (lint rule cachelens/settings-only), which reads
  // exactly the keys of SettingDefaults: so these are the settings the code reads.
  test('contributes.configuration declares exactly the settings the code reads, with the same defaults', async () => {
    const { SETTINGS_SECTION, SettingDefaults } = await import('../../../extension/src/settings-defaults.js');
    const declared = (manifest.contributes as unknown as { configuration: { properties: Record<string, { default: unknown }> } })
      .configuration.properties;
    const fromCode = Object.fromEntries(Object.entries(SettingDefaults).map(([key, value]) => [`${SETTINGS_SECTION}.${key}`, value]));
    const fromManifest = Object.fromEntries(Object.entries(declared).map(([key, value]) => [key, value.default]));
    assert.deepEqual(fromManifest, fromCode);
  });

  test('every declared setting has a type and a description', () => {
    const declared = (manifest.contributes as unknown as { configuration: { properties: Record<string, { type?: string; description?: string; markdownDescription?: string }> } })
      .configuration.properties;
    for (const [key, value] of Object.entries(declared)) {
      assert.ok(value.type, `${key}: type`);
      assert.ok((value.description ?? value.markdownDescription ?? '').length > 20, `${key}: description`);
    }
  });

  test('the config file schema the manifest contributes is built into the package', () => {
    const validation = (manifest.contributes as unknown as { jsonValidation: { fileMatch: string; url: string }[] }).jsonValidation;
    assert.deepEqual(validation.map((v) => v.fileMatch), [CONFIG_FILE_NAME]);
    assert.match(validation[0]!.url, /^\.\/dist\/runtime\/cachelens\.config\.schema\.json$/);
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    assert.match(ignore, /^!dist\/runtime\/\*\*$/m);
  });
});
