/**
 * The Python codemod as built: the `cachelens` bin caches and uncaches a .py file (the grammar's
 * .wasm files resolved from the codemod's dependencies), and the extension bundle ships both .wasm
 * files next to its chunks, byte for byte the pinned packages' files. Runs the BUILT outputs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../harness/paths';

const BIN = path.join(ROOT, 'runtime', 'dist', 'cjs', 'cli', 'main.js');
const SOURCE = '"""Slow things."""\nimport math\n\n\nclass Shapes:\n    @staticmethod\n    def area(r):\n        return math.pi * r * r\n';

function cachelens(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the Python codemod, built', () => {
  test('the cachelens bin caches a method of a .py file and uncaches it byte for byte', () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-pybuild-'));
    try {
      fs.writeFileSync(path.join(app, 'requirements.txt'), 'flask\n');
      fs.writeFileSync(path.join(app, 'app.py'), SOURCE);
      const cached = cachelens(app, 'cache', 'app.py:7', '--backend', 'memory', '--ttl', '5m');
      assert.equal(cached.code, 0, cached.stderr);
      assert.equal(cached.stdout, 'cached app.py#Shapes.area; wrote app.py, cachelens.config.json (created)\n');
      assert.match(fs.readFileSync(path.join(app, 'app.py'), 'utf8'), /import math\nfrom cachelens import memoize\n[\s\S]*@staticmethod\n {4}@memoize\(backend="memory", ttl="5m", id="app\.py#Shapes\.area"\)\n {4}def area/);
      const removed = cachelens(app, 'uncache', 'app.py:8');
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(fs.readFileSync(path.join(app, 'app.py'), 'utf8'), SOURCE);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  test('the extension bundle ships the two .wasm files of the Python grammar next to its chunks', () => {
    for (const request of ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm']) {
      const shipped = path.join(ROOT, 'dist', 'extension', path.basename(request));
      assert.ok(fs.existsSync(shipped), `${shipped} is missing: run npm run build`);
      const source = require.resolve(request, { paths: [path.join(ROOT, 'extension', 'codemod')] });
      assert.ok(fs.readFileSync(shipped).equals(fs.readFileSync(source)), `${shipped} differs from ${source}`);
    }
  });
});
