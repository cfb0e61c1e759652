// The cached code runs: functions cached by the codemod, executed against the real runtime
// (runtime/src), return what they returned before and compute once per argument.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { applyEdits, cacheFunction, uncacheFunction } from '../../../extension/codemod/src/index.js';

const APP = `let calls = 0;
export function calls_(): number {
  return calls;
}

export function square(n: number): number {
  calls++;
  return n * n;
}

export const cube = (n: number): number => {
  calls++;
  return n ** 3;
};

export class Repo {
  find(id: string): string {
    calls++;
    return id.toUpperCase();
  }
}

export const api = {
  twice(n: number): number {
    calls++;
    return 2 * n;
  },
};
`;

interface App {
  calls_(): number;
  square(n: number): number;
  cube(n: number): number;
  Repo: new () => { find(id: string): string };
  api: { twice(n: number): number };
}

const RUNTIME = resolve(__dirname, '../../../runtime/src/index.ts');

async function load(text: string, name: string, dir: string): Promise<App> {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, text.replace(/from "cachelens"/, `from ${JSON.stringify(pathToFileURL(RUNTIME).href)}`));
  return (await import(pathToFileURL(file).href)) as App;
}

function exercise(app: App): { results: unknown[]; calls: number } {
  const repo = new app.Repo();
  const results = [app.square(3), app.square(3), app.cube(2), app.cube(2), repo.find('a'), repo.find('a'), app.api.twice(4), app.api.twice(4)];
  return { results, calls: app.calls_() };
}

describe('cached code at run time', () => {
  it('returns the same results as before, computing once per argument', async () => {
    let text = APP;
    for (const cursor of ['square(n', 'cube =', 'find(id', 'twice(n']) {
      const result = cacheFunction({
        text,
        fileName: 'src/app.ts',
        relPath: 'src/app.ts',
        position: text.indexOf(cursor),
        options: { backend: 'memory', ttl: '5m', max: 100 },
        flavour: 'standard',
        config: { text: '{}' },
        runtimeVersion: '0.1.0',
      });
      assert.ok(result.ok, `${cursor}: ${JSON.stringify(result)}`);
      text = applyEdits(text, result.edits.source);
    }
    assert.equal((text.match(/memoize\(/g) ?? []).length, 4);

    const dir = mkdtempSync(join(tmpdir(), 'cachelens-run-'));
    try {
      const before = exercise(await load(APP, 'plain', dir));
      const after = exercise(await load(text, 'cached', dir));
      assert.deepEqual(after.results, before.results);
      assert.equal(before.calls, 8, 'uncached: every call computes');
      assert.equal(after.calls, 4, 'cached: the repeated calls are hits');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    let undone = text;
    for (const cursor of ['twice(n', 'find(id', 'cube =', 'square(n']) {
      const result = uncacheFunction({ text: undone, fileName: 'src/app.ts', position: undone.indexOf(cursor) });
      assert.ok(result.ok, cursor);
      undone = applyEdits(undone, result.edits.source);
    }
    assert.equal(undone, APP);
  });

  it('sends recursive calls through the cache: fib(25) computes each n once', async () => {
    const source = `export const computed: number[] = [];

export function fib(n: number): number {
  computed.push(n);
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
`;
    const result = cacheFunction({
      text: source,
      fileName: 'src/fib.ts',
      relPath: 'src/fib.ts',
      position: source.indexOf('n < 2'),
      options: { backend: 'memory', max: 100 },
      flavour: 'standard',
      config: { text: '{}' },
      runtimeVersion: '0.1.0',
    });
    assert.ok(result.ok, JSON.stringify(result));
    const cached = applyEdits(source, result.edits.source);
    const dir = mkdtempSync(join(tmpdir(), 'cachelens-fib-'));
    try {
      type Fib = { fib(n: number): number; computed: number[] };
      const plain = (await load(source, 'fib-plain', dir)) as unknown as Fib;
      assert.equal(plain.fib(25), 75025);
      assert.equal(plain.computed.length, 242785, 'uncached: the naive recursion');
      const memo = (await load(cached, 'fib-cached', dir)) as unknown as Fib;
      assert.equal(memo.fib(25), 75025);
      assert.deepEqual([...memo.computed].sort((a, b) => a - b), Array.from({ length: 26 }, (_, n) => n), 'each n computed once');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caches CommonJS exports.x = function and X.prototype.m = function forms, and they compute once per argument', async () => {
    const source = `"use strict";
let calls = 0;
exports.calls = () => calls;

exports.setCharset = function setCharset(type, charset) {
  calls++;
  return type + "; charset=" + charset;
};

function View(name) {
  this.name = name;
}

View.prototype.resolve = function resolve(dir, file) {
  calls++;
  return dir + "/" + file;
};

exports.View = View;
`;
    let text = source;
    for (const cursor of ['calls++;\n  return type', 'calls++;\n  return dir']) {
      const result = cacheFunction({
        text,
        fileName: 'lib/app.cjs',
        relPath: 'lib/app.cjs',
        position: text.indexOf(cursor),
        options: { backend: 'memory', max: 100 },
        flavour: 'none',
        config: { text: '{}' },
        runtimeVersion: '0.1.0',
      });
      assert.ok(result.ok, `${cursor}: ${JSON.stringify(result)}`);
      text = applyEdits(text, result.edits.source);
    }
    assert.match(text, /exports\.setCharset = memoize\(function setCharset/);
    assert.match(text, /View\.prototype\.resolve = memoize\(function resolve/);
    const dir = mkdtempSync(join(tmpdir(), 'cachelens-cjs-'));
    try {
      type Lib = { calls(): number; setCharset(t: string, c: string): string; View: new (name: string) => { resolve(d: string, f: string): string } };
      const run = (code: string, name: string): { results: string[]; calls: number } => {
        const file = join(dir, `${name}.cjs`);
        writeFileSync(file, code.replace(/require\("cachelens"\)/, `require(${JSON.stringify(RUNTIME)})`));
        const lib = createRequire(__filename)(file) as Lib;
        const a = new lib.View('a');
        const b = new lib.View('b');
        const results = [lib.setCharset('text/html', 'utf-8'), lib.setCharset('text/html', 'utf-8'), a.resolve('views', 'x'), b.resolve('views', 'x')];
        return { results, calls: lib.calls() };
      };
      const before = run(source, 'plain');
      const after = run(text, 'cached');
      assert.deepEqual(after.results, before.results);
      assert.equal(before.calls, 4);
      assert.equal(after.calls, 2, 'the repeated calls are hits (resolve reads no this, so instances may share)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('exports.f = f above function f: the cached module loads (no use before initialization), exports the cached f, and recursion goes through the cache', () => {
    const source = `"use strict";
let calls = 0;
exports.calls = () => calls;
exports.total = total;
module.exports.half = half;

function total(n) {
  calls++;
  return n <= 0 ? 0 : n + total(n - 1);
}

function half(n) {
  return n / 2;
}
`;
    const result = cacheFunction({
      text: source,
      fileName: 'lib/total.cjs',
      relPath: 'lib/total.cjs',
      position: source.indexOf('calls++;\n  return n <= 0'),
      options: { backend: 'memory', max: 100 },
      flavour: 'none',
      config: { text: '{}' },
      runtimeVersion: '0.1.0',
    });
    assert.ok(result.ok, JSON.stringify(result));
    const text = applyEdits(source, result.edits.source);
    assert.match(text, /const total = memoize\(totalUncached, /);
    assert.ok(text.indexOf('const total = memoize(') < text.indexOf('exports.total = total'), 'the cached const stands above the early read');
    const dir = mkdtempSync(join(tmpdir(), 'cachelens-hoisted-'));
    try {
      type Lib = { calls(): number; total(n: number): number; half(n: number): number };
      const run = (code: string, name: string): { results: number[]; calls: number } => {
        const file = join(dir, `${name}.cjs`);
        writeFileSync(file, code.replace(/require\("cachelens"\)/, `require(${JSON.stringify(RUNTIME)})`));
        const lib = createRequire(__filename)(file) as Lib;
        return { results: [lib.total(30), lib.total(30), lib.total(31), lib.half(3)], calls: lib.calls() };
      };
      const before = run(source, 'plain');
      const after = run(text, 'cached');
      assert.deepEqual(after.results, before.results);
      assert.equal(before.calls, 31 + 31 + 32);
      assert.equal(after.calls, 32, 'each n from 0 to 31 computed once: the export and the recursion call the cached total');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const undone = uncacheFunction({ text, fileName: 'lib/total.cjs', relPath: 'lib/total.cjs', position: text.indexOf('const total'), flavour: 'none' });
    assert.ok(undone.ok, JSON.stringify(undone));
    assert.equal(applyEdits(text, undone.edits.source), source, 'Remove caching restores the file');
  });
});
