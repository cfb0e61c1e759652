/**
 * The runtime tarball the extension ships (dist/runtime, made by `npm run build`) installs into an
 * app with no registry and an empty npm cache, and works (the app depends on a copy of it in
 * vendor/ after "Cache this function").
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../harness/paths';

test('the shipped cachelens tarball installs with --offline and an empty cache, then memoizes', { timeout: 120_000 }, () => {
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const tarball = path.join(ROOT, 'dist', 'runtime', `cachelens-${version}.tgz`);
  assert.ok(fs.existsSync(tarball), `${tarball} is missing: run npm run build`);
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-offline-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-empty-npm-cache-'));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { cachelens: `^${version}` } }));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  const install = spawnSync('npm', ['install', '--offline', '--no-save', '--no-audit', '--no-fund', '--cache', cache, tarball], { cwd: app, env, encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  const run = spawnSync(process.execPath, ['-e', `
    const { memoize, cacheOf } = require('cachelens');
    let computed = 0;
    const double = memoize((n) => { computed++; return n * 2; }, { id: 'app.js#double' });
    double(21); double(21);
    console.log(JSON.stringify({ value: double(21), computed, hits: cacheOf(double).stats().hits }));
  `], { cwd: app, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { value: 42, computed: 1, hits: 2 });
});
