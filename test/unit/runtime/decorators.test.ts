import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheOf, registry, reloadConfig, OptionsError } from '../../../runtime/src/index.js';
import { compileFixture, typeCheckFixture } from './decorator-fixture.js';

interface FixtureModule {
  counts: { find: number; version: number; load: number; big: number };
  Repo: {
    new (name: string): { name: string; find(id: number): string; load(id: string): Promise<string>; big(n: number): number[] };
    version(n: number): number;
    prototype: { find(id: number): string };
  };
}

for (const experimental of [false, true]) {
  const flavour = experimental ? 'legacy experimentalDecorators' : 'standard (TC39) decorators';

  test(`${flavour}: the fixture type-checks`, () => {
    assert.deepEqual(typeCheckFixture(experimental), []);
  });

  test(`${flavour}: per-instance caches, static methods, async methods, cacheOf with an instance`, async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Repo, counts } = require(compileFixture(experimental)) as FixtureModule;
    const a = new Repo('a');
    const b = new Repo('b');
    assert.equal(a.find(1), 'a:1');
    assert.equal(a.find(1), 'a:1');
    assert.equal(b.find(1), 'b:1', 'the instance is part of the key');
    assert.equal(counts.find, 2);

    assert.equal(Repo.version(1), 2);
    assert.equal(Repo.version(1), 2);
    assert.equal(counts.version, 1);
    assert.equal(await cacheOf(Repo.version).has(1), true, 'static methods default to their class');

    const [x, y] = [a.load('q'), a.load('q')];
    assert.equal(x, y, 'single-flight per instance');
    assert.equal(await x, 'a/Q');
    assert.equal(await a.load('q'), 'a/Q');
    assert.equal(counts.load, 1);

    const find = cacheOf(a.find, a);
    assert.equal(await find.has(1), true);
    assert.deepEqual(await find.delete(1), { removed: true, confirmed: true });
    assert.equal(await cacheOf(b.find, b).has(1), true, 'deleting in one instance leaves the other');
    a.find(1);
    assert.equal(counts.find, 3);

    const info = registry.get(cacheOf(Repo.prototype.find).id)!;
    assert.match(info.id, /^fixture#Repo\.find(#\d+)?$/);
    const stats = info.stats();
    assert.equal(stats.entries, 2, 'stats sum the instances');
    assert.equal(stats.hits, 1);
    await cacheOf(Repo.prototype.find).clear();
    assert.equal(info.stats().entries, 0, 'clear without an instance clears every instance');
    assert.throws(() => cacheOf(Repo.prototype.find).has(1), (e: unknown) => e instanceof OptionsError && e.option === 'instance');

    assert.deepEqual([a.name, b.name], ['a', 'b']); // keeps both instances alive until here (their caches die with them)
    const versionId = cacheOf(Repo.version).id;
    assert.match(versionId, /#Repo\.version(#\d+)?$/, 'the default id names the class');
  });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (file: string): unknown => require(file);

test('standard decorators on something other than a method, or without parentheses, give an OptionsError', () => {
  const onField = `import { memoize } from 'cachelens';\nexport class A { @memoize() x = () => 1; }`;
  assert.throws(() => load(compileFixture(false, onField)), (e: unknown) => e instanceof OptionsError && /methods only/.test(e.message));
  const bare = `import { memoize } from 'cachelens';\nexport class B { @(memoize as any) m() { return 1; } }`;
  assert.throws(() => load(compileFixture(false, bare)), (e: unknown) => e instanceof OptionsError && /@memoize\(\)/.test(e.message));
  assert.throws(() => load(compileFixture(true, bare)), (e: unknown) => e instanceof OptionsError && /@memoize\(\)/.test(e.message));
});

const twoClasses = `
import { memoize } from 'cachelens';
export class A { @memoize({ backend: 'shared' }) async find(id: number): Promise<string> { return 'A' + id; } }
export class B { @memoize({ backend: 'shared' }) async find(id: number): Promise<string> { return 'B' + id; } }
export class SubA extends A {}
`;

interface TwoClasses {
  A: { new (): { find(id: number): Promise<string> }; prototype: { find(id: number): Promise<string> } };
  B: { new (): { find(id: number): Promise<string> }; prototype: { find(id: number): Promise<string> } };
  SubA: { new (): { find(id: number): Promise<string> } };
}

for (const experimental of [false, true]) {
  test(`${experimental ? 'legacy' : 'standard'} decorators: two classes of one file with a method of the same name keep apart in a shared store`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-two-classes-'));
    const config = path.join(dir, 'cachelens.config.json');
    fs.writeFileSync(config, JSON.stringify({ backends: { shared: { type: 'disk', path: path.join(dir, 'store') } } }));
    const previous = process.env.CACHELENS_CONFIG;
    process.env.CACHELENS_CONFIG = config;
    reloadConfig();
    try {
      const { A, B, SubA } = load(compileFixture(experimental, twoClasses)) as TwoClasses;
      const sub = new SubA(); // the first instance is a subclass's: the id still names the declaring class
      assert.equal(await sub.find(1), 'A1');
      assert.equal(await new B().find(1), 'B1', "B.find(1) is not A.find(1)'s cached result");
      assert.equal(await new A().find(1), 'A1');
      const ids = [cacheOf(A.prototype.find).id, cacheOf(B.prototype.find).id];
      assert.match(ids[0]!, /#A\.find(#\d+)?$/);
      assert.match(ids[1]!, /#B\.find(#\d+)?$/);
      assert.equal(registry.get(ids[0]!)?.stats().hits, 1, 'A.find: one miss (SubA), then one hit (A)');
    } finally {
      if (previous === undefined) delete process.env.CACHELENS_CONFIG;
      else process.env.CACHELENS_CONFIG = previous;
      reloadConfig();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
