// Observe mode end to end in a child process: the app's modules are instrumented when loaded with
// `--import cachelens/observe` (here its sources, through tsx), counted, and behave exactly as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ObservedStats } from '../../../runtime/src/protocol.js';

const root = path.resolve(__dirname, '../../..');
const observeEntry = pathToFileURL(buildObserve()).href;
const tsxLoader = pathToFileURL(require.resolve('tsx', { paths: [root] }).replace(/cjs[\\/]index\.cjs$/, 'loader.mjs')).href;

/**
 * The observe entry and its hooks module, bundled from the sources with esbuild into a temporary
 * folder (Node loads the hooks module on its hooks thread, where the sources' TypeScript would need
 * a loader of its own). Returns the entry's path.
 */
function buildObserve(): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-observe-entry-'));
  const esbuild = createRequire(require.resolve('tsx', { paths: [root] }))('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: { index: path.join(root, 'runtime/src/observe/index.ts'), hooks: path.join(root, 'runtime/src/observe/hooks.ts') },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outdir: out, logLevel: 'silent',
    external: ['ws', 'lru-cache', 'ioredis', 'memjs', 'better-sqlite3', 'xz-decompress'],
  });
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  return path.join(out, 'index.js');
}

/** The same small library in three module systems: `price` is called 10 times with 3 distinct arguments. */
const body = (exp: (name: string, value: string) => string): string => `
function price(id) { return id * 10; }
${exp('price', 'price')}
class Repo {
  constructor() { this.reads = 0; }
  find(id) { this.reads++; return { id, self: this }; }
  async load(id) { await new Promise((r) => setTimeout(r, 5)); return id + 1; }
  static make() { return new Repo(); }
  fail(message) { const e = new Error(message); e.line = Number(/:(\\d+):\\d+\\)?$/m.exec(e.stack.split('\\n')[1])[1]); throw e; }
  *ids() { yield 1; }
}
${exp('Repo', 'Repo')}
const twice = (x, { by = 2 } = {}) => x * by;
${exp('twice', 'twice')}
const later = async (x) => { await null; return x; };
${exp('later', 'later')}
`;

const esm = body((name) => `export { ${name} };`);
const cjs = body((name, value) => `exports.${name} = ${value};`);
const ts = body((name) => `export { ${name} };`).replace('function price(id)', 'function price(id: number): number').replace('find(id)', 'find(id: number)');

/** The app: exercises each library and prints what it saw, then the observer's snapshot. */
const main = (load: string): string => `
${load}
const seen = [];
for (const id of [1, 2, 3, 1, 2, 3, 1, 2, 3, 1]) seen.push(lib.price(id));
const repo = lib.Repo.make();
const found = repo.find(7);
let caught;
try { repo.fail('boom'); } catch (e) { caught = e; }
const loaded = await Promise.all([repo.load(1), repo.load(1)]);
const dep = require('dep');
process.on('exit', () => {
  console.log(JSON.stringify({
    seen, sameThis: found.self === repo, reads: repo.reads, message: caught.message, isError: caught instanceof Error, line: caught.line,
    loaded, twice: [lib.twice(3), lib.twice(3, { by: 4 })], later: 0, depValue: dep.dep(2), names: [lib.price.name, lib.price.length, lib.twice.length],
    gen: [...repo.ids()], observed: globalThis[Symbol.for('cachelens.observe')]?.snapshot() ?? [],
  }));
});
await lib.later(1);
`;

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

interface Outcome {
  seen: number[]; sameThis: boolean; reads: number; message: string; isError: boolean; line: number; loaded: number[]; twice: number[];
  depValue: number; names: [string, number, number]; gen: number[]; observed: ObservedStats[];
}

function run(dir: string, entry: string, withObserve: boolean): Outcome {
  const args = ['--import', tsxLoader, ...(withObserve ? ['--import', observeEntry] : []), entry];
  const child = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CACHELENS_ENDPOINT: '' } });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Outcome;
}

const byName = (o: Outcome, suffix: string): ObservedStats | undefined => o.observed.find((f) => f.id.endsWith(`#${suffix}`));

const apps: Array<{ kind: string; files: Record<string, string>; entry: string; lib: string }> = [
  { kind: 'ES module', lib: 'lib.mjs', entry: 'main.mjs', files: { 'lib.mjs': esm, 'main.mjs': `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${main("import * as lib from './lib.mjs';")}` } },
  { kind: 'CommonJS', lib: 'lib.cjs', entry: 'main.mjs', files: { 'lib.cjs': cjs, 'main.mjs': `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${main("const lib = require('./lib.cjs');")}` } },
  { kind: 'TypeScript compiled by tsx (CommonJS)', lib: 'lib.cts', entry: 'main.mjs', files: { 'lib.cts': ts, 'main.mjs': `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${main("const lib = require('./lib.cts');")}` } },
  { kind: 'TypeScript compiled by tsx (ES module)', lib: 'lib.mts', entry: 'main.mjs', files: { 'lib.mts': ts, 'main.mjs': `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${main("import * as lib from './lib.mts';")}` } },
];

for (const app of apps) {
  test(`observe mode, ${app.kind}: counts every call and changes nothing`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-observe-'));
    try {
      write(dir, { ...app.files, 'node_modules/dep/package.json': '{"name":"dep","main":"index.js"}', 'node_modules/dep/index.js': 'exports.dep = function dep(x) { return x * 3; };\n' });
      const plain = run(dir, app.entry, false);
      const observed = run(dir, app.entry, true);
      const { observed: none, ...before } = plain;
      const { observed: counted, ...after } = observed;
      assert.deepEqual(none, [], 'without observe mode nothing is counted');
      assert.deepEqual(after, before, 'results, this, exceptions (and the line they name), names and lengths are unchanged');
      assert.ok(counted.length > 0);

      const price = byName(observed, 'price');
      assert.deepEqual({ calls: price?.calls, repeats: price?.repeats, unkeyable: price?.unkeyable }, { calls: 10, repeats: 7, unkeyable: 0 }, 'repeat share 0.7');
      assert.equal(price!.id, `${app.lib}#price`);
      assert.equal(price!.line, 2);
      assert.equal(byName(observed, 'Repo.find')?.calls, 1, 'a method');
      assert.equal(byName(observed, 'Repo.make')?.calls, 1, 'a static method');
      assert.equal(byName(observed, 'Repo.fail')?.calls, 1, 'a method that threw');
      const load = byName(observed, 'Repo.load');
      assert.deepEqual({ calls: load?.calls, repeats: load?.repeats }, { calls: 2, repeats: 1 }, 'an async method');
      assert.ok(load!.totalMs >= 2 * 4, `an async call is timed until it settles (${load!.totalMs} ms for two calls of >= 5 ms)`);
      assert.deepEqual({ calls: byName(observed, 'twice')?.calls, repeats: byName(observed, 'twice')?.repeats }, { calls: 2, repeats: 0 }, 'an arrow function: its bound parameters are the key');
      assert.equal(byName(observed, 'later')?.calls, 1, 'an async arrow function');
      assert.equal(byName(observed, 'Repo.ids'), undefined, 'generators are not instrumented');
      assert.ok(!counted.some((f) => f.file.includes('node_modules')), 'node_modules are not instrumented');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('observe mode: an unhandled rejection stays unhandled, a handled one stays handled', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-observe-'));
  try {
    write(dir, {
      'main.mjs': `
async function rejects(x) { throw new Error('no ' + x); }
process.on('unhandledRejection', (e) => { console.log('unhandled ' + e.message); });
rejects(1).catch(() => console.log('handled 2'));
rejects(3);
setTimeout(() => {}, 20);
`,
    });
    for (const withObserve of [false, true]) {
      const child = spawnSync(process.execPath, ['--import', tsxLoader, ...(withObserve ? ['--import', observeEntry] : []), 'main.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CACHELENS_ENDPOINT: '' } });
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(child.stdout.trim().split('\n').sort(), ['handled 2', 'unhandled no 3'], withObserve ? 'with observe mode' : 'without');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
