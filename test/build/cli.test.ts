/**
 * The `cachelens` command line as an app's developer runs it: the runtime's bin, delegating
 * cache/uncache to @cachelens/codemod. Runs the BUILT bins (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../harness/paths';

const BIN = path.join(ROOT, 'runtime', 'dist', 'cjs', 'cli', 'main.js');

function cachelens(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function appWith(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-cli-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{\n  "name": "app",\n  "dependencies": {}\n}\n');
  fs.writeFileSync(path.join(dir, 'src', 'slow.ts'), source);
  return dir;
}

const SOURCE = 'export function slow(n: number): number {\n  return n * 2;\n}\n';

describe('cachelens cache / uncache (command line)', () => {
  test('the built bin exists (npm run build makes it)', () => {
    assert.ok(fs.existsSync(BIN), `${BIN} is missing: run npm run build`);
  });

  test('--help lists the codemod commands next to simulate', () => {
    const { stdout, stderr } = cachelens(ROOT, '--help');
    const text = stdout + stderr;
    for (const name of ['simulate', 'cache', 'uncache']) assert.match(text, new RegExp(`^\\s+${name}\\s`, 'm'));
  });

  test('--dry-run prints the diff and writes nothing', () => {
    const app = appWith(SOURCE);
    const { code, stdout } = cachelens(app, 'cache', 'src/slow.ts:2', '--backend', 'memory', '--ttl', '5m', '--dry-run');
    assert.equal(code, 0);
    assert.match(stdout, /^\+export const slow = memoize\(function slow\(n: number\): number \{$/m);
    assert.match(stdout, /\+\+\+ b\/cachelens\.config\.json/);
    assert.equal(fs.readFileSync(path.join(app, 'src', 'slow.ts'), 'utf8'), SOURCE);
    assert.equal(fs.existsSync(path.join(app, 'cachelens.config.json')), false);
  });

  test('cache writes source, config and dependency; uncache restores the source byte for byte', () => {
    const app = appWith(SOURCE);
    assert.equal(cachelens(app, 'cache', 'src/slow.ts:2', '--backend', 'memory', '--ttl', '90s', '--max', '50').code, 0);
    const cached = fs.readFileSync(path.join(app, 'src', 'slow.ts'), 'utf8');
    assert.match(cached, /import \{ memoize \} from "cachelens";|import \{ memoize \} from 'cachelens';/);
    assert.match(cached, /id: ["']src\/slow\.ts#slow["'], backend: ["']memory["'], ttl: ["']90s["'], max: 50/);
    assert.ok(fs.existsSync(path.join(app, 'cachelens.config.json')));
    assert.match(fs.readFileSync(path.join(app, 'package.json'), 'utf8'), /"cachelens": "\^\d+\.\d+\.\d+"/);
    const bodyLine = cached.split('\n').findIndex((line) => line.includes('return n * 2')) + 1;
    assert.equal(cachelens(app, 'uncache', `src/slow.ts:${bodyLine}`).code, 0);
    assert.equal(fs.readFileSync(path.join(app, 'src', 'slow.ts'), 'utf8'), SOURCE);
  });

  test('bad input: a clear message naming the input, a non-zero exit, nothing written', () => {
    const app = appWith(SOURCE);
    const missing = cachelens(app, 'cache', 'src/nope.ts:1');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no such file: src\/nope\.ts/);
    const outside = cachelens(app, 'cache', 'src/slow.ts:99');
    assert.notEqual(outside.code, 0);
    assert.match(outside.stderr, /99/);
    assert.equal(fs.readFileSync(path.join(app, 'src', 'slow.ts'), 'utf8'), SOURCE);
  });
});
