/**
 * Installing the Python runtime into an app's interpreter from the wheel the extension ships
 * (extension/src/python/runtime-install.ts), against real interpreters: Debian's own, which
 * refuses installs outside a venv (PEP 668), and a `.venv` made for the app.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createVenv, installWheel, probeRuntime } from '../../extension/src/python/runtime-install';
import { ROOT } from '../harness/paths';

const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const wheel = path.join(ROOT, 'dist', 'runtime', `cachelens-${version}-py3-none-any.whl`);

test('Debian\'s interpreter: PEP 668 is reported, nothing is forced; a .venv over it takes the wheel', { timeout: 300_000 }, async () => {
  assert.ok(fs.existsSync(wheel), `${wheel} is missing: run npm run build`);
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-py-install-'));
  try {
    assert.deepEqual(await probeRuntime('/usr/bin/python3', app), { kind: 'missing' }, 'Debian\'s python has no cachelens');
    const system = await installWheel('/usr/bin/python3', wheel, app);
    assert.equal(system.kind, 'externally-managed', `pip's refusal is recognised (got ${JSON.stringify(system)})`);
    assert.deepEqual(await probeRuntime('/usr/bin/python3', app), { kind: 'missing' }, 'and nothing was installed');

    const venv = await createVenv('/usr/bin/python3', app);
    assert.equal(venv.kind, 'created', JSON.stringify(venv));
    const python = (venv as { python: string }).python;
    assert.ok(python.startsWith(path.join(app, '.venv')));
    assert.deepEqual(await probeRuntime(python, app), { kind: 'missing' });
    assert.deepEqual(await installWheel(python, wheel, app), { kind: 'installed', version });
    assert.deepEqual(await probeRuntime(python, app), { kind: 'installed', version });
    // --system-site-packages: the app keeps what Debian's interpreter has (pytest is a prerequisite).
    assert.equal(spawnSync(python, ['-c', 'import pytest'], { timeout: 30_000 }).status, 0, 'the venv sees Debian\'s pytest');
    assert.equal((await createVenv('/usr/bin/python3', app)).kind, 'created', 'an existing .venv is used as it is');
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
});

test('an interpreter that does not exist, and a missing wheel, are answered, never thrown', async () => {
  const missing = await probeRuntime('/nonexistent/python3');
  assert.equal(missing.kind, 'no-python');
  const outcome = await installWheel('/usr/bin/python3', '/nonexistent/cachelens.whl');
  assert.equal(outcome.kind, 'failed');
  assert.match((outcome as { detail: string }).detail, /does not exist/);
});
