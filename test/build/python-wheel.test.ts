/**
 * The Python runtime's wheel the extension ships (dist/runtime, made by `npm run build` through
 * scripts/bundle-python.mjs) installs with no package index into a fresh venv over Debian's
 * Python, the way "Cache this function" in a .py file installs it, and works there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../harness/paths';

test('the shipped Python wheel installs offline into a venv and memoizes', { timeout: 180_000 }, () => {
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const wheel = path.join(ROOT, 'dist', 'runtime', `cachelens-${version}-py3-none-any.whl`);
  assert.ok(fs.existsSync(wheel), `${wheel} is missing: run npm run build (it needs Debian's python3-pip)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-wheel-'));
  try {
    const venv = path.join(dir, 'venv');
    const make = spawnSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', venv], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(make.status, 0, make.stderr);
    const python = path.join(venv, 'bin', 'python');
    const env = { ...process.env, PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONPATH: '' };
    const install = spawnSync(python, ['-m', 'pip', 'install', '--no-index', '--quiet', wheel], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(install.status, 0, install.stderr);
    const run = spawnSync(python, ['-c', [
      'import json, cachelens',
      'from cachelens import memoize, cache_of',
      'computed = []',
      '@memoize(id="app.py#double")',
      'def double(n):',
      '    computed.append(n)',
      '    return n * 2',
      'double(21); double(21)',
      'print(json.dumps({"version": cachelens.__version__, "value": double(21), "computed": len(computed), "hits": cache_of(double).stats()["hits"], "where": cachelens.__file__}))',
    ].join('\n')], { cwd: dir, encoding: 'utf8', env, timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { version: string; value: number; computed: number; hits: number; where: string };
    assert.ok(result.where.startsWith(venv), `cachelens was imported from the venv, not ${result.where}`);
    assert.deepEqual({ ...result, where: undefined }, { version, value: 42, computed: 1, hits: 2, where: undefined });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
