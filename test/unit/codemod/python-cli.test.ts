// The command line on Python files in temporary apps: writes, dry-run diffs (checked with patch(1)),
// the app root, and the same messages and exit codes as for TypeScript.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { main } from '../../../extension/codemod/src/cli.js';

const APP = `"""Prices."""
from __future__ import annotations

import math


class PriceService:
    @staticmethod
    def price(sku: str) -> int:
        return len(sku) * 10


def area(r):
    return math.pi * r * r
`;

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachelens-pycli-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr };
}

describe('cachelens cache / uncache on Python files (CLI)', () => {
  it('caches a method at the app root, is idempotent, and uncache restores the source', async () => {
    const dir = app({ 'requirements.txt': 'flask\n', 'shop/app.py': APP });
    const cached = await cli(dir, 'cache', 'shop/app.py:9', '--backend', 'memory', '--ttl', '5m', '--max', '100');
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal(cached.stdout, 'cached shop/app.py#PriceService.price; wrote shop/app.py, cachelens.config.json (created)\n');
    assert.equal(cached.stderr, '');
    const source = readFileSync(join(dir, 'shop/app.py'), 'utf8');
    assert.equal(
      source,
      APP.replace('import math\n', 'import math\nfrom cachelens import memoize\n').replace(
        '    @staticmethod\n',
        '    @staticmethod\n    @memoize(backend="memory", ttl="5m", max=100, id="shop/app.py#PriceService.price")\n',
      ),
    );
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'cachelens.config.json'), 'utf8')).defaults, { backend: 'memory', ttl: '5m' });
    assert.equal(readFileSync(join(dir, 'requirements.txt'), 'utf8'), 'flask\n', 'the CLI has no wheel to copy: requirements.txt is left alone');

    const again = await cli(dir, 'cache', 'shop/app.py:10', '--backend', 'memory', '--ttl', '5m', '--max', '100');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'nothing to change for shop/app.py#PriceService.price\n');

    const changed = await cli(dir, 'cache', 'shop/app.py:10', '--backend', 'memory', '--ttl', '1h');
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(changed.stdout, 'updated the options of shop/app.py#PriceService.price; wrote shop/app.py\n');
    assert.match(readFileSync(join(dir, 'shop/app.py'), 'utf8'), /@memoize\(backend="memory", ttl="1h", id="shop\/app\.py#PriceService\.price"\)\n {4}def price/);

    const removed = await cli(dir, 'uncache', 'shop/app.py:11');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'removed caching from shop/app.py#PriceService.price; wrote shop/app.py\n');
    assert.equal(readFileSync(join(dir, 'shop/app.py'), 'utf8'), APP);
  });

  it('takes a column, and --root', async () => {
    const dir = app({ 'pyproject.toml': '[project]\nname = "x"\n', 'app.py': APP });
    const done = await cli(dir, 'cache', 'app.py:13:5', '--ttl', '30');
    assert.equal(done.code, 0, done.stderr);
    assert.match(readFileSync(join(dir, 'app.py'), 'utf8'), /\n@memoize\(ttl=30, id="app\.py#area"\)\ndef area/);
    const other = app({ 'deep/app.py': APP });
    const rooted = await cli(other, 'cache', 'deep/app.py:13', '--root', '.');
    assert.equal(rooted.code, 0, rooted.stderr);
    assert.equal(rooted.stdout, 'cached deep/app.py#area; wrote deep/app.py, cachelens.config.json (created)\n');
  });

  it('--dry-run writes nothing and prints diffs that patch(1) applies to the same result', async () => {
    assert.equal(spawnSync('patch', ['--version']).status, 0, 'patch(1) is missing: run bash test/harness/prereqs.sh (Debian package patch)');
    const files = { 'setup.cfg': '[metadata]\nname = x\n', 'app.py': APP.replace(/\n/g, '\r\n') };
    const dir = app(files);
    const dry = await cli(dir, 'cache', 'app.py:13', '--backend', 'redis', '--ttl', '5m', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stderr, 'cached app.py#area (dry run: nothing written)\n');
    assert.equal(readFileSync(join(dir, 'app.py'), 'utf8'), files['app.py'], 'the source is untouched');
    assert.equal(existsSync(join(dir, 'cachelens.config.json')), false);
    assert.match(dry.stdout, /^--- a\/app\.py\n\+\+\+ b\/app\.py\n@@ /);

    const copy = app(files);
    const patched = spawnSync('patch', ['-p1', '--forward', '--silent', '--binary'], { cwd: copy, input: dry.stdout, encoding: 'utf8' });
    assert.equal(patched.status, 0, patched.stderr + patched.stdout);
    assert.equal((await cli(dir, 'cache', 'app.py:13', '--backend', 'redis', '--ttl', '5m')).code, 0);
    for (const file of ['app.py', 'cachelens.config.json']) {
      assert.equal(readFileSync(join(copy, file), 'utf8'), readFileSync(join(dir, file), 'utf8'), `${file}: the diff gives the written result`);
    }
    assert.match(readFileSync(join(dir, 'app.py'), 'utf8'), /import math\r\nfrom cachelens import memoize\r\n/, 'CRLF kept');
  });

  it('says clearly what is wrong with bad input, with the exit codes of TypeScript, and writes nothing', async () => {
    const broken = 'def f(:\n    pass\n';
    const lru = 'from functools import lru_cache\n\n\n@lru_cache(maxsize=None)\ndef f(x):\n    return x\n';
    const dir = app({ 'requirements.txt': '', 'app.py': APP, 'broken.py': broken, 'lru.py': lru, 'notes.txt': 'x\n' });
    const cases: [string[], number, RegExp][] = [
      [['cache', 'missing.py:1'], 1, /^cachelens: no such file: missing\.py \(resolved to .*\); check the path\.\n$/],
      [['cache', 'app.py:99'], 1, /^cachelens: line 99 is out of range: app\.py has 14 lines\.\n$/],
      [['cache', 'app.py:13:80'], 1, /^cachelens: column 80 is out of range: line 13 has 12 characters\.\n$/],
      [['cache', 'notes.txt:1'], 1, /^cachelens: notes\.txt is not a TypeScript, JavaScript or Python source file \(.*\.py\)\.\n$/],
      [['cache', 'app.py:4'], 1, /The cursor is not inside a function or method.*\[no-target\]\n$/],
      [['cache', 'broken.py:2'], 1, /^cachelens: broken\.py has a syntax error at line 1:7 .*: fix it first.*\[syntax-error\]\n$/],
      [['cache', 'lru.py:5'], 1, /f is already cached by functools \(@lru_cache\): use "Watch this cache" instead: no rewrite needed.*\[functools-cache\]\n$/],
      [['uncache', 'app.py:13'], 1, /^cachelens: area is not cached by CacheLens: there is nothing to remove\. \[not-cached\]\n$/],
      [['cache', 'app.py:13', '--ttl', 'soon'], 1, /ttl "soon" is not a duration.*\[invalid-options\]\n$/],
      [['cache', 'app.py:13', '--backend', 'nowhere'], 1, /backend "nowhere" is not declared.*\[unknown-backend\]\n$/],
      [['cache', 'app.py'], 2, /"app\.py" is not FILE:LINE\[:COL\]/],
      [['cache', 'app.py:13', '--max', 'lots'], 2, /--max "lots" is not a positive integer/],
      [['uncache', 'app.py:13', '--ttl', '5m'], 2, /unknown option --ttl for uncache/],
    ];
    for (const [argv, code, message] of cases) {
      const result = await cli(dir, ...argv);
      assert.equal(result.code, code, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, argv.join(' '));
      assert.equal(result.stdout, '', `${argv.join(' ')} prints nothing on stdout`);
    }
    assert.equal(readFileSync(join(dir, 'app.py'), 'utf8'), APP);
    assert.equal(readFileSync(join(dir, 'broken.py'), 'utf8'), broken);
    assert.equal(readFileSync(join(dir, 'lru.py'), 'utf8'), lru);
    assert.equal(existsSync(join(dir, 'cachelens.config.json')), false);
  });

  it('refuses a file outside any Python app unless --root is given', async () => {
    const dir = app({ 'loose/app.py': APP });
    const above = dir.split('/').slice(0, -1);
    for (let i = above.length; i > 0; i--) {
      for (const marker of ['pyproject.toml', 'requirements.txt', 'setup.cfg']) {
        const found = `${above.slice(0, i).join('/') || ''}/${marker}`;
        assert.equal(existsSync(found), false, `${found} exists above the temporary folder: this test needs a TMPDIR with no Python app above it`);
      }
    }
    const refused = await cli(dir, 'cache', 'loose/app.py:13');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^cachelens: no pyproject\.toml, requirements\.txt or setup\.cfg found in .*loose or above: run the command inside a Python app, or pass --root DIR\.\n$/);
    assert.equal(readFileSync(join(dir, 'loose/app.py'), 'utf8'), APP);
  });
});
