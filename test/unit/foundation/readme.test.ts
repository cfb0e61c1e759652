/**
 * The README (issue 15, item 16): the quick start stays the two lines, and it says how to use
 * CacheLens in one's own app, with facts that match the code: what the edit adds to package.json
 * and why, as the codemod writes it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BACKEND_DRIVERS, runtimeSpec, vendoredRuntimePath } from '../../../extension/codemod/src/index';
import { ROOT } from '../../harness/paths';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('the first code block is exactly the two quick-start lines', () => {
  const first = /```[a-z]*\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.equal(first, 'npm ci && npm start\nnpm test\n');
});

test('a section says how to use CacheLens in your own app: install the .vsix, cache, install, run from the terminal, commit', () => {
  const section = /## Using it in your own app\n([\s\S]*?)\n## /.exec(readme)?.[1]?.replace(/\s+/g, ' ');
  assert.ok(section, 'the section exists');
  for (const needle of ['code --install-extension', 'Cache this function', 'npm install', 'terminal', 'npm ci', 'package-lock.json']) {
    assert.ok(section.includes(needle), `mentions ${needle}`);
  }
  // What is added to package.json, spelled as the codemod writes it.
  assert.ok(section.includes(runtimeSpec('<version>', 'vendor')), runtimeSpec('<version>', 'vendor'));
  assert.ok(section.includes(vendoredRuntimePath('<version>')));
  for (const driver of Object.values(BACKEND_DRIVERS)) assert.ok(section.includes(driver.name), driver.name);
});
