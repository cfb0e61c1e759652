// Puts the Python runtime's wheel into dist/runtime (cachelens-<version>-py3-none-any.whl): the
// extension ships it inside the .vsix, and "Cache this function" in a .py file copies it into the
// app (vendor/) and installs it offline, since no package index serves `cachelens` yet.
// Built with Debian's pip and setuptools (`pip wheel --no-index --no-build-isolation`) from a copy
// of python/ in a temporary folder, so the build leaves nothing in the source tree.
// Without pip (a machine without Debian's python3-pip) the wheel is left out with a warning, so
// `npm start` still works there; `npm test` installs pip first, and its build test
// (test/build/python-wheel.test.ts) fails when the wheel is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist', 'runtime');
const python = '/usr/bin/python3';
fs.mkdirSync(out, { recursive: true });
for (const old of fs.readdirSync(out)) if (old.endsWith('.whl')) fs.rmSync(path.join(out, old));

const probe = spawnSync(python, ['-c', 'import setuptools, wheel, pip'], { stdio: 'ignore' });
if (probe.status !== 0) {
  const message = `${python} lacks pip, setuptools or wheel (Debian: apt-get install python3-pip python3-setuptools python3-wheel): the Python runtime's wheel is not built, and "Cache this function" in .py files cannot vendor it`;
  console.warn(`warning: ${message}`);
  process.exit(0);
}
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-python-'));
try {
  fs.cpSync(path.join(root, 'python'), path.join(stage, 'python'), {
    recursive: true,
    filter: (src) => !/(__pycache__|\.egg-info|[\\/]build$|[\\/]tests$)/.test(src),
  });
  execFileSync(python, ['-m', 'pip', 'wheel', '--quiet', '--no-index', '--no-build-isolation', '--no-deps', '--wheel-dir', out, path.join(stage, 'python')], {
    cwd: stage,
    stdio: ['ignore', 'inherit', 'inherit'],
    // Pure Python: the optional C hit path would make a wheel for one platform and Python version.
    env: { ...process.env, PIP_NO_CACHE_DIR: '1', PYTHONDONTWRITEBYTECODE: '1', CACHELENS_PURE_PYTHON: '1' },
  });
  const wheel = fs.readdirSync(out).find((name) => name.endsWith('.whl'));
  if (wheel === undefined) throw new Error('pip wheel made no wheel');
  console.log(`dist/runtime: ${wheel}`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
