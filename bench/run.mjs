// `npm run bench [-- NAME...]`: builds the runtime, runs every bench/*.bench.{mjs,ts} (or the named
// ones) one after the other, then folds the sections they wrote (docs/benchmarks-NAME.md) into
// docs/benchmarks.md. Benchmarks are not tests: they assert nothing, they measure and report.
// `--fold-only` just folds sections already written (by running one bench script directly).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const foldOnly = process.argv.includes('--fold-only');
const only = process.argv.slice(2).filter((a) => a !== '--fold-only');
const ORDER = ['memoize', 'throughput', 'hitratio', 'policy', 'backends', 'reporter', 'python', 'codemod'];
const rank = (name) => (ORDER.indexOf(name) === -1 ? ORDER.length : ORDER.indexOf(name));

const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
if (!foldOnly && spawnSync('npm', ['run', 'build', '-w', 'cachelens'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);

const benches = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => /\.bench\.(mjs|ts)$/.test(f))
  .map((f) => ({ file: f, name: f.replace(/\.bench\.(mjs|ts)$/, '') }))
  .filter((b) => !foldOnly && (only.length === 0 || only.includes(b.name)))
  .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== bench: ${bench.name} ===`);
  const args = bench.file.endsWith('.ts') ? ['--import', 'tsx', `bench/${bench.file}`] : [`bench/${bench.file}`];
  if (run(args) !== 0) failed++;
}

// Fold each docs/benchmarks-NAME.md into its marked section of docs/benchmarks.md.
const docPath = path.join(root, 'docs', 'benchmarks.md');
let doc = fs.existsSync(docPath) ? fs.readFileSync(docPath, 'utf8') : '';
if (!doc.includes('# Benchmarks')) {
  doc = [
    '# Benchmarks',
    '',
    'Measured side by side in one run against the anchors each section names; the machine is noisy, so',
    'figures are medians of several rounds and comparisons are ratios. Regenerate with `npm run bench`',
    '(or `npm run bench -- NAME` for one section). Nothing here is asserted by the test suite.',
    '',
  ].join('\n');
}
const parts = fs.readdirSync(path.join(root, 'docs')).filter((f) => /^benchmarks-.+\.md$/.test(f));
for (const part of parts.sort((a, b) => rank(a.slice(11, -3)) - rank(b.slice(11, -3)))) {
  const name = part.slice('benchmarks-'.length, -'.md'.length);
  const body = fs.readFileSync(path.join(root, 'docs', part), 'utf8').trim();
  const section = `<!-- bench:${name} -->\n${body}\n<!-- /bench:${name} -->`;
  const pattern = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  doc = pattern.test(doc) ? doc.replace(pattern, section) : `${doc.trimEnd()}\n\n${section}\n`;
  fs.rmSync(path.join(root, 'docs', part));
}
const machine = `Last folded: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB.`;
doc = /^Last folded: .*$/m.test(doc) ? doc.replace(/^Last folded: .*$/m, machine) : doc.replace(/(# Benchmarks\n\n)/, `$1${machine}\n\n`);
fs.writeFileSync(docPath, doc.endsWith('\n') ? doc : `${doc}\n`);
console.log(`\n${benches.length - failed} benchmarks ran, ${failed} failed; figures in docs/benchmarks.md`);
process.exit(failed === 0 ? 0 : 1);
