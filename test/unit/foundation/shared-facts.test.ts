/**
 * One home for each fact the parts share (runtime/shared/config-file.js, `cachelens/config-file`;
 * the languages in extension/src/languages.ts; the codemod's source extensions): every other part imports it, and the data files
 * that cannot import (the JSON Schema) carry the same values.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BACKEND_TYPES, CONFIG_FILE_NAME, IN_PROCESS_BACKEND_TYPES } from 'cachelens/config-file';
import { BUILT_IN_BACKENDS, CONFIG_FILE_NAME as codemodConfigFileName, isSharedBackend } from '../../../extension/codemod/src/index';
import { BUILTIN_BACKENDS } from '../../../extension/src/option-values';
import { BUILTIN_TYPES, knownBackendTypes } from '../../../runtime/src/backends';
import { CONFIG_FILE_NAME as runtimeConfigFileName } from '../../../runtime/src/config';
import { ROOT } from '../../harness/paths';

/** The code of every source file of the JS parts (comments removed), by path. */
function codeOf(dirs: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of dirs) {
    for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|js|mjs)$/.test(f) || f.endsWith('.d.ts')) continue;
      const rel = `${dir}/${f.split(path.sep).join('/')}`;
      const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
      // Comments start after a line start or a space (so a glob such as '**/*.ts' is not one).
      files.set(rel, text.replace(/(^|\s)\/\*[\s\S]*?\*\//g, '$1').replace(/(^|\s)\/\/.*$/gm, '$1'));
    }
  }
  return files;
}
const SOURCES = codeOf(['runtime/src', 'runtime/shared', 'extension/src', 'extension/codemod/src', 'webview/src', 'protocol']);
const HOME = 'runtime/shared/config-file.js';

describe('the config file name has one home (cachelens/config-file)', () => {
  test('runtime, codemod and extension use the shared name', () => {
    assert.equal(CONFIG_FILE_NAME, 'cachelens.config.json');
    assert.equal(runtimeConfigFileName, CONFIG_FILE_NAME);
    assert.equal(codemodConfigFileName, CONFIG_FILE_NAME);
  });

  test('no other source spells it as a value (a string that is the name, a path or a glob ending in it)', () => {
    const copies = [...SOURCES].filter(([file, code]) => file !== HOME && /['"`][^'"`\s]*cachelens\.config\.json['"`]/.test(code)).map(([file]) => file);
    assert.deepEqual(copies, []);
  });
});

describe('the built-in backend types have one home (cachelens/config-file)', () => {
  test('the runtime knows exactly the shared types, and its in-process ones are the shared list', () => {
    assert.deepEqual([...knownBackendTypes()].sort(), [...BACKEND_TYPES].sort());
    assert.deepEqual(BUILTIN_TYPES, IN_PROCESS_BACKEND_TYPES);
  });

  test('the JSON Schema enumerates exactly the shared types', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'runtime', 'schema', 'cachelens.config.schema.json'), 'utf8')) as {
      definitions: { backend: { properties: { type: { anyOf: { enum?: string[] }[] } } } };
    };
    const enumerated = schema.definitions.backend.properties.type.anyOf.find((a) => a.enum)?.enum;
    assert.deepEqual([...(enumerated ?? [])].sort(), [...BACKEND_TYPES].sort());
  });

  test('the codemod declares, and the quick pick offers, every shared type but tiered (its tiers are set up by hand), in the shared order', () => {
    const declarable = Object.keys(BUILT_IN_BACKENDS);
    assert.deepEqual(declarable, BACKEND_TYPES.filter((t) => t !== 'tiered'));
    assert.deepEqual(BUILTIN_BACKENDS.map((b) => b.type), declarable);
    for (const { type, description } of BUILTIN_BACKENDS) assert.ok(description.length > 10, type);
  });

  test('the codemod calls a type shared exactly when it is not an in-process type', () => {
    for (const type of BACKEND_TYPES) assert.equal(isSharedBackend(undefined, type), !IN_PROCESS_BACKEND_TYPES.includes(type), type);
  });

  test('no other source lists the in-process types', () => {
    const copies = [...SOURCES].filter(([file, code]) => file !== HOME && /['"]memory['"]\s*,\s*['"]lru['"]/.test(code)).map(([file]) => file);
    assert.deepEqual(copies, []);
  });
});

describe('the source files the codemod handles have one home (extension/codemod/src/source-files.ts)', () => {
  test('no other source lists their extensions', () => {
    const home = 'extension/codemod/src/source-files.ts';
    const copies = [...SOURCES].filter(([file, code]) => file !== home && /\.mts\b|\bts,\s*tsx\b/.test(code)).map(([file]) => file);
    assert.deepEqual(copies, []);
  });
});

