/**
 * `npm ci` on the oldest Node the README and package.json's `engines.node` promise installs without
 * an EBADENGINE warning: every package in package-lock.json accepts that version (issue 15, item
 * 15: webpack-cli 7.3 pulled rechoir 1.0, which wants Node >= 22.15).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
// semver is npm's own range grammar; it is in node_modules through several dev dependencies.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { minVersion(range: string): { version: string } | null; satisfies(version: string, range: string): boolean };
import { ROOT } from '../../harness/paths';

test('every locked package accepts the oldest Node that package.json and the README promise', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const oldest = semver.minVersion(manifest.engines.node)!.version;
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, new RegExp(`Node ${oldest.replace(/\.0$/, '').replace(/\./g, '\\.')} or newer`), 'the README names the same version');
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
  const refusing = Object.entries(lock.packages)
    .filter(([, p]) => p.engines && !Array.isArray(p.engines) && typeof p.engines.node === 'string' && !semver.satisfies(oldest, p.engines.node))
    .map(([name, p]) => `${name}@${p.version} wants node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(refusing, [], `npm ci on Node ${oldest} would warn EBADENGINE`);
});
