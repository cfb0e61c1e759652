/**
 * What the codemod writes into the app's package.json (and config) so that the app installs and runs anywhere:
 * the runtime from a tarball inside the app (no registry has it), the backend's driver with the range
 * the runtime is tested with, and the tarball the caller must copy (issue 15, item 6). The byte-exact
 * results are golden files (test/fixtures/codemod/*\/expected.package.json); this checks the plan.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { applyEdits, BACKEND_DRIVERS, BUILT_IN_BACKENDS, cacheFunction, newConfigText, type CacheInput } from '../../../extension/codemod/src/index.js';
import { ROOT } from '../../harness/paths.js';

const source = 'export function rates(day: string): number[] {\n  return [day.length];\n}\n';
const input = (over: Partial<CacheInput>): CacheInput => ({
  text: source,
  fileName: 'src/rates.ts',
  relPath: 'src/rates.ts',
  position: source.indexOf('day.length'),
  options: { backend: 'memory' },
  flavour: 'standard',
  config: undefined,
  packageJson: { text: '{\n  "name": "shop"\n}\n' },
  runtimeVersion: '0.1.0',
  ...over,
});

describe('package.json: the app installs from what the codemod wrote', () => {
  test('the runtime is a file: spec inside the app, and the caller is asked to copy the tarball there', () => {
    const result = cacheFunction(input({}));
    assert.ok(result.ok);
    assert.equal(result.edits.runtimeTarball, 'vendor/cachelens-0.1.0.tgz');
    assert.deepEqual(result.edits.addedDependencies, ['cachelens']);
    const text = result.edits.packageJson!.reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), '{\n  "name": "shop"\n}\n');
    const spec = (JSON.parse(text) as { dependencies: Record<string, string> }).dependencies.cachelens!;
    assert.match(spec, /^file:/);
    const target = path.posix.normalize(spec.slice('file:'.length));
    assert.ok(!target.startsWith('..') && !path.posix.isAbsolute(target), `${spec} stays inside the app's folder`);
    assert.equal(target, result.edits.runtimeTarball);
  });

  test('a declared "^<version>" (no registry has it) is pointed at the tarball unless the runtime resolves here', () => {
    const declared = { text: '{ "dependencies": { "cachelens": "^0.1.0" } }' };
    const rewritten = cacheFunction(input({ packageJson: declared }));
    assert.ok(rewritten.ok);
    assert.equal(rewritten.edits.runtimeTarball, 'vendor/cachelens-0.1.0.tgz');
    assert.equal(applyEdits(declared.text, rewritten.edits.packageJson!), '{ "dependencies": { "cachelens": "file:vendor/cachelens-0.1.0.tgz" } }');
    const kept = cacheFunction(input({ packageJson: declared, runtimeResolves: true }));
    assert.ok(kept.ok);
    assert.equal(kept.edits.packageJson, undefined, 'the npm workspace\'s own runtime: kept');
    const other = cacheFunction(input({ packageJson: { text: '{ "dependencies": { "cachelens": "^0.0.9" } }' } }));
    assert.ok(other.ok);
    assert.equal(other.edits.packageJson, undefined, 'a spec the codemod did not write is the user\'s');
  });

  test('runtimeSource "registry" writes a range and copies nothing', () => {
    const result = cacheFunction(input({ runtimeSource: 'registry' }));
    assert.ok(result.ok);
    assert.equal(result.edits.runtimeTarball, undefined);
    assert.match(result.edits.packageJson![0]!.newText, /"cachelens": "\^0\.1\.0"/);
  });

  test('a named tiered backend (memory in front of Redis) adds the Redis driver', () => {
    const result = cacheFunction(input({ options: { backend: 'fast' }, config: { text: '{ "backends": { "fast": { "type": "tiered", "url": "redis://x" } } }' } }));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.edits.addedDependencies, ['cachelens', 'ioredis']);
  });

  for (const [type, driver] of Object.entries(BACKEND_DRIVERS).filter(([type]) => type !== 'tiered')) {
    test(`picking ${type} adds ${driver.name}, and so does a named backend of that type`, () => {
      const picked = cacheFunction(input({ options: { backend: type } }));
      assert.ok(picked.ok);
      assert.deepEqual(picked.edits.addedDependencies, ['cachelens', driver.name]);
      const config = `{ "backends": { "shared": ${BUILT_IN_BACKENDS[type as keyof typeof BUILT_IN_BACKENDS]} } }`;
      const named = cacheFunction(input({ options: { backend: 'shared' }, config: { text: config } }));
      assert.ok(named.ok, JSON.stringify(named));
      assert.deepEqual(named.edits.addedDependencies, ['cachelens', driver.name]);
    });
  }

  test('the config\'s default backend counts when no backend is picked', () => {
    const result = cacheFunction(input({ options: {}, config: { text: '{ "defaults": { "backend": "redis" }, "backends": { "redis": { "type": "redis", "url": "redis://x" } } }' } }));
    assert.ok(result.ok);
    assert.deepEqual(result.edits.addedDependencies, ['cachelens', 'ioredis']);
  });

  test('in-process backends add no driver', () => {
    for (const backend of ['memory', 'lru']) {
      const result = cacheFunction(input({ options: { backend } }));
      assert.ok(result.ok);
      assert.deepEqual(result.edits.addedDependencies, ['cachelens']);
    }
  });

  test('the driver ranges are the ones the runtime is tested with (runtime/package.json peerDependencies)', () => {
    const runtime = JSON.parse(fs.readFileSync(path.join(ROOT, 'runtime', 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    for (const driver of Object.values(BACKEND_DRIVERS)) assert.equal(driver.range, runtime.peerDependencies[driver.name], driver.name);
    assert.deepEqual([...new Set(Object.values(BACKEND_DRIVERS).map((d) => d.name))].sort(), Object.keys(runtime.peerDependencies).sort());
  });

  test('an empty cachelens.config.json (0 bytes on disk, as earlier versions left it) is written whole, not refused', () => {
    for (const text of ['', '\n', '  \r\n']) {
      const result = cacheFunction(input({ config: { text } }));
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.edits.config?.create, true);
      assert.doesNotThrow(() => JSON.parse(result.edits.config!.edits.map((e) => e.newText).join('')));
    }
  });

  test('a generated config has no $schema (the extension contributes the schema)', () => {
    for (const backend of [undefined, 'memory', 'redis']) assert.doesNotMatch(newConfigText(backend), /\$schema/);
  });
});
