// Puts what the extension ships of the runtime into dist/runtime: the config file's JSON Schema
// (contributed through `jsonValidation`) and a packed `cachelens` whose dependencies are bundled
// inside the tarball: "Cache this function" copies it into the app (vendor/cachelens-<version>.tgz)
// and depends on it as "file:vendor/cachelens-<version>.tgz", so the app installs (npm ci) with no
// registry that has the runtime.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist', 'runtime');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const schema = path.join(root, 'runtime', 'schema', 'cachelens.config.schema.json');
if (!fs.existsSync(schema)) throw new Error(`${schema} is missing: the runtime package must ship its config schema`);
fs.copyFileSync(schema, path.join(out, 'cachelens.config.schema.json'));

// Stage the package as npm would publish it, install its (non-optional, non-peer) dependencies
// into the stage, and pack it again with those dependencies bundled.
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-runtime-'));
try {
  const packed = npm(['pack', '--silent', '--pack-destination', stage], path.join(root, 'runtime')).trim().split('\n').pop();
  execFileSync('tar', ['xzf', path.join(stage, packed), '-C', stage]);
  const pkgDir = path.join(stage, 'package');
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  npm(['install', '--omit=dev', '--omit=peer', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline'], pkgDir);
  manifest.bundleDependencies = Object.keys(manifest.dependencies ?? {});
  fs.writeFileSync(path.join(pkgDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const tarball = npm(['pack', '--silent', '--pack-destination', out], pkgDir).trim().split('\n').pop();
  // The same package unpacked, dependencies included: "Find functions worth caching" runs the app
  // with NODE_OPTIONS=--import=<dist/runtime/cachelens/dist/cjs/observe/index.js>, so observe mode
  // works in an app that does not depend on cachelens.
  const unpacked = path.join(out, 'cachelens');
  fs.mkdirSync(unpacked);
  execFileSync('tar', ['xzf', path.join(out, tarball), '-C', unpacked, '--strip-components=1']);
  if (!fs.existsSync(path.join(unpacked, 'dist', 'cjs', 'observe', 'index.js'))) throw new Error('the runtime package lacks dist/cjs/observe/index.js (cachelens/observe)');
  console.log(`dist/runtime: schema + ${tarball} (bundles ${manifest.bundleDependencies.join(', ')}) + cachelens/ (unpacked, for observe mode)`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
