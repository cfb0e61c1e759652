// `npm run package`: builds everything and packs the extension into dist/cachelens-<version>.vsix
// with @vscode/vsce. Dependencies are bundled by webpack, so the .vsix carries no node_modules.
//   node scripts/package.mjs [--no-build]   (--no-build: pack what dist/ holds now)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

if (!process.argv.includes('--no-build')) run('npm', ['run', 'build']);
const out = path.join(root, 'dist', `cachelens-${manifest.version}.vsix`);
fs.rmSync(out, { force: true }); // never leave an older package behind for the tests to install
run(path.join(root, 'node_modules', '.bin', 'vsce'), [
  'package', '--no-dependencies', '--allow-missing-repository', '--readme-path', 'extension/README.md', '--out', out,
]);
console.log(out);
