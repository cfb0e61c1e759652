/**
 * Whether an app's runtime is installed counts only its own node_modules and its npm workspace
 * root's (issue 15, item 6): a node_modules above that is there by accident (the app inside another
 * project's folder) would make the extension keep a "^0.1.0" that no teammate can install.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isWorkspaceMember, workspacePatterns } from '../../../extension/src/npm-workspaces';
import { ROOT } from '../../harness/paths';

describe('npm workspaces', () => {
  test('patterns come from the array form and from { packages }; anything else gives none', () => {
    assert.deepEqual(workspacePatterns('{ "workspaces": ["packages/*", "apps/web"] }'), ['packages/*', 'apps/web']);
    assert.deepEqual(workspacePatterns('{ "workspaces": { "packages": ["libs/**"] } }'), ['libs/**']);
    assert.deepEqual(workspacePatterns('{ "name": "x" }'), []);
    assert.deepEqual(workspacePatterns('not json'), []);
  });

  test('members match exactly, by one segment (*) or any depth (**)', () => {
    assert.ok(isWorkspaceMember(['apps/web'], 'apps/web'));
    assert.ok(isWorkspaceMember(['./apps/web/'], 'apps/web'));
    assert.ok(isWorkspaceMember(['packages/*'], 'packages/api'));
    assert.ok(!isWorkspaceMember(['packages/*'], 'packages/api/sub'));
    assert.ok(isWorkspaceMember(['libs/**'], 'libs/a/b'));
    assert.ok(!isWorkspaceMember(['apps/web'], 'apps/webshop'));
    assert.ok(!isWorkspaceMember(['apps.web'], 'appsXweb'), 'a dot is a dot');
  });

  test('this repository: the example is a member (its runtime is the hoisted one); a test workspace under out/ is not', () => {
    const patterns = workspacePatterns(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.ok(isWorkspaceMember(patterns, 'examples/dashboard'));
    assert.ok(!isWorkspaceMember(patterns, 'out/test/e2e/ws-ext-host'));
  });
});
