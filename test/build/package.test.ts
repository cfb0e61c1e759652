// The packaging contract: the BUILT package, packed as npm would publish it, works from both
// module systems, ships its JSON Schema and typings, and is one module instance for both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const runtimeDir = path.join(root, 'runtime');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack of the built runtime: require and import both work, share one registry, and ship schema + typings', () => {
  execFileSync(npm, ['run', 'build', '-w', 'cachelens'], { cwd: root, stdio: 'pipe' });
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-pack-'));
  const tarball = execFileSync(npm, ['pack', '--pack-destination', app, '--silent'], { cwd: runtimeDir, encoding: 'utf8' }).trim().split('\n').pop()!;
  const installed = path.join(app, 'node_modules', 'cachelens');
  fs.mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(app, tarball), '-C', installed, '--strip-components=1']);

  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: installed, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const required of ['./package.json', './dist/cjs/index.js', './dist/cjs/index.d.ts', './dist/cjs/internal.js', './dist/cjs/internal.d.ts', './dist/esm/index.mjs', './dist/esm/index.d.mts', './schema/cachelens.config.schema.json']) {
    assert.ok(files.includes(required), `${required} is in the package`);
  }
  assert.ok(!files.some((f) => f.startsWith('./src/') || f.endsWith('.ts.map') || f.endsWith('.tsbuildinfo')), 'no sources or build state in the package');

  // The package's dependencies, linked from this checkout (the test stays offline).
  const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const target = [path.join(runtimeDir, 'node_modules', dep), path.join(root, 'node_modules', dep)].find((dir) => fs.existsSync(dir));
    assert.ok(target !== undefined, `dependency ${dep} is installed in this checkout`);
    const link = path.join(app, 'node_modules', dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(target, link, 'dir');
  }

  const cjs = `
    const { memoize, cacheOf, registry } = require('cachelens');
    let calls = 0;
    const f = memoize((x) => { calls++; return x * 2; }, { id: 'app#double' });
    f(2); f(2);
    process.stdout.write(JSON.stringify({ value: f(2), calls, hits: cacheOf(f).stats().hits, listed: registry.get('app#double') !== undefined }));`;
  assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', cjs], { cwd: app, encoding: 'utf8' })), { value: 4, calls: 1, hits: 2, listed: true });

  const esm = `
    import { memoize, registry, CacheKeyError } from 'cachelens';
    import { createRequire } from 'node:module';
    const required = createRequire(import.meta.url)('cachelens');
    const f = memoize(async (x) => x + 1, { id: 'app#inc' });
    await f(1);
    let keyError = false;
    try { memoize((fn) => 1)(() => 0); } catch (e) { keyError = e instanceof CacheKeyError && e instanceof required.CacheKeyError; }
    process.stdout.write(JSON.stringify({ value: await f(1), sameRegistry: required.registry === registry, seenByCjs: required.registry.get('app#inc') !== undefined, keyError }));`;
  assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', esm], { cwd: app, encoding: 'utf8' })),
    { value: 2, sameRegistry: true, seenByCjs: true, keyError: true });

  const schemaPath = execFileSync(process.execPath, ['-p', "require.resolve('cachelens/schema/cachelens.config.schema.json')"], { cwd: app, encoding: 'utf8' }).trim();
  assert.equal(fs.realpathSync(schemaPath), fs.realpathSync(path.join(installed, 'schema', 'cachelens.config.schema.json')), 'the schema is an export of the package');
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as { title?: string };
  assert.match(schema.title ?? '', /cachelens\.config\.json/);

  // The duration and size grammar is an export of its own (the codemod imports it by this name), and
  // the runtime itself loads it through the same name (package self-reference).
  const units = `
    const units = require('cachelens/units');
    const { parseDuration, parseByteSize } = require('cachelens/internal');
    process.stdout.write(JSON.stringify({ file: require.resolve('cachelens/units'), ms: units.durationMs('1.5h'), same: parseDuration === units.durationMs && parseByteSize === units.sizeBytes, public: 'parseDuration' in require('cachelens') }));`;
  const loaded = JSON.parse(execFileSync(process.execPath, ['-e', units], { cwd: app, encoding: 'utf8' })) as { file: string; ms: number; same: boolean; public: boolean };
  assert.equal(fs.realpathSync(loaded.file), fs.realpathSync(path.join(installed, 'shared', 'units.js')));
  assert.deepEqual([loaded.ms, loaded.same, loaded.public], [5_400_000, true, false], 'the parsers are in cachelens/internal, not on the public entry');

  // The config file's name and the built-in backend types likewise (cachelens/config-file): the
  // runtime's CONFIG_FILE_NAME is the shared one, loaded through the package's own name.
  const facts = `
    const facts = require('cachelens/config-file');
    const { CONFIG_FILE_NAME } = require('cachelens');
    const { knownBackendTypes } = require('cachelens/internal');
    process.stdout.write(JSON.stringify({ file: require.resolve('cachelens/config-file'), name: facts.CONFIG_FILE_NAME, same: CONFIG_FILE_NAME === facts.CONFIG_FILE_NAME, types: [...facts.BACKEND_TYPES].sort().join() === knownBackendTypes().sort().join() }));`;
  const shared = JSON.parse(execFileSync(process.execPath, ['-e', facts], { cwd: app, encoding: 'utf8' })) as { file: string; name: string; same: boolean; types: boolean };
  assert.equal(fs.realpathSync(shared.file), fs.realpathSync(path.join(installed, 'shared', 'config-file.js')));
  assert.deepEqual([shared.name, shared.same, shared.types], ['cachelens.config.json', true, true]);
});
