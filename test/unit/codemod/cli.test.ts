// The command line on real files in temporary workspaces: writes, dry-run diffs (checked with
// patch(1)), the tsconfig's decorator flavour, and the errors for bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_RUNTIME_VERSION, main } from '../../../extension/codemod/src/cli.js';

const PRICES = `export interface Price {
  cents: number;
}

/** Loads prices. */
export async function getPrices(region: string): Promise<Price[]> {
  return [{ cents: region.length }];
}
`;

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachelens-cli-'));
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

const PACKAGE = '{\n  "name": "shop",\n  "version": "1.0.0"\n}\n';

describe('cachelens cache / uncache (CLI)', () => {
  it('warns (and still caches) when a shared backend would make a synchronous function return Promises', async () => {
    const source = 'export function total(a: number): number {\n  return a * 2;\n}\nexport async function load(a: number) {\n  return a;\n}\n';
    const config = '{ "backends": { "shared": { "type": "redis", "url": "redis://127.0.0.1:6379" }, "local": { "type": "lru" } } }\n';
    const ws = workspace({ 'package.json': PACKAGE, 'src/sum.ts': source, 'cachelens.config.json': config });
    const warning = /^warning: total is not async \(and declares no Promise return type\), but with the redis backend every call returns a Promise/m;
    for (const [args, warns] of [[['src/sum.ts:1', '--backend', 'local'], false], [['src/sum.ts:4', '--backend', 'shared'], false], [['src/sum.ts:1', '--backend', 'shared'], true]] as const) {
      const run = await cli(ws, 'cache', ...args, '--dry-run');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(warning.test(run.stderr), warns, `${args.join(' ')}: ${run.stderr}`);
    }
    const redis = await cli(ws, 'cache', 'src/sum.ts:1', '--backend', 'redis');
    assert.equal(redis.code, 0, redis.stderr);
    assert.match(redis.stderr, warning);
    assert.match(readFileSync(join(ws, 'src/sum.ts'), 'utf8'), /backend: "redis"/, 'the warning does not stop the edit');
  });

  it('caches a function, creating the config and adding the dependency, and uncache restores the source', async () => {
    const ws = workspace({ 'package.json': PACKAGE, 'src/prices.ts': PRICES });
    const cached = await cli(ws, 'cache', 'src/prices.ts:6', '--backend', 'memory', '--ttl', '5m', '--max', '100');
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal(
      cached.stdout,
      'cached src/prices.ts#getPrices; wrote src/prices.ts, cachelens.config.json (created), package.json\nadded the cachelens dependency to package.json: run npm install.\n',
    );
    const source = readFileSync(join(ws, 'src/prices.ts'), 'utf8');
    assert.match(source, /^import \{ memoize \} from "cachelens";\n\n/);
    assert.match(source, /export const getPrices = memoize\(async function getPrices\(region: string\): Promise<Price\[\]> \{/);
    assert.match(source, /\}, \{ id: "src\/prices\.ts#getPrices", backend: "memory", ttl: "5m", max: 100 \}\);\n$/);
    assert.doesNotMatch(readFileSync(join(ws, 'cachelens.config.json'), 'utf8'), /\$schema/, 'the extension contributes the schema');
    assert.equal(
      readFileSync(join(ws, 'package.json'), 'utf8'),
      `{\n  "name": "shop",\n  "version": "1.0.0",\n  "dependencies": {\n    "cachelens": "^${DEFAULT_RUNTIME_VERSION}"\n  }\n}\n`,
    );

    const line = source.split('\n').findIndex((l) => l.includes('getPrices')) + 1;
    const again = await cli(ws, 'cache', `src/prices.ts:${line}`, '--backend', 'memory', '--ttl', '5m', '--max', '100');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'nothing to change for src/prices.ts#getPrices\n');

    const removed = await cli(ws, 'uncache', `src/prices.ts:${line}`);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'removed caching from src/prices.ts#getPrices; wrote src/prices.ts\n');
    assert.equal(readFileSync(join(ws, 'src/prices.ts'), 'utf8'), PRICES);
  });

  it('--dry-run writes nothing and prints diffs that patch(1) applies to the same result', async () => {
    assert.equal(spawnSync('patch', ['--version']).status, 0, 'patch(1) is missing: run bash test/harness/prereqs.sh (Debian package patch)');
    const ws = workspace({ 'package.json': PACKAGE, 'src/prices.ts': PRICES });
    const dry = await cli(ws, 'cache', 'src/prices.ts:6:25', '--ttl', '1h', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stderr, 'cached src/prices.ts#getPrices (dry run: nothing written)\n');
    assert.equal(readFileSync(join(ws, 'src/prices.ts'), 'utf8'), PRICES, 'the source is untouched');
    assert.equal(existsSync(join(ws, 'cachelens.config.json')), false, 'no config written');
    assert.match(dry.stdout, /^--- a\/src\/prices\.ts\n\+\+\+ b\/src\/prices\.ts\n@@ -1,/);
    assert.match(dry.stdout, /--- \/dev\/null\n\+\+\+ b\/cachelens\.config\.json\n@@ -0,0 \+1,6 @@\n/);

    const copy = workspace({ 'package.json': PACKAGE, 'src/prices.ts': PRICES });
    const patched = spawnSync('patch', ['-p1', '--forward', '--silent'], { cwd: copy, input: dry.stdout, encoding: 'utf8' });
    assert.equal(patched.status, 0, patched.stderr + patched.stdout);
    assert.equal((await cli(ws, 'cache', 'src/prices.ts:6:25', '--ttl', '1h')).code, 0);
    for (const file of ['src/prices.ts', 'cachelens.config.json', 'package.json']) {
      assert.equal(readFileSync(join(copy, file), 'utf8'), readFileSync(join(ws, file), 'utf8'), `${file}: the diff gives the written result`);
    }
  });

  it('reads the decorator flavour from the nearest tsconfig.json, following extends (comments and trailing commas allowed)', async () => {
    const method = 'export class Tokens {\n  #decode(token: string): string[] {\n    return token.split(".");\n  }\n}\n';
    const legacy = workspace({
      'package.json': PACKAGE,
      'tsconfig.base.json': '{\n  // shared\n  "compilerOptions": { "experimentalDecorators": true, },\n}\n',
      'src/tsconfig.json': '{ "extends": "../tsconfig.base.json", "compilerOptions": { "strict": true } }\n',
      'src/tokens.ts': method,
    });
    const refused = await cli(legacy, 'cache', 'src/tokens.ts:2', '--ttl', '5m');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /#private method, which experimentalDecorators cannot decorate.*\[decorators-unavailable\]\n$/);

    const standard = workspace({ 'package.json': PACKAGE, 'tsconfig.json': '{ "compilerOptions": { "experimentalDecorators": false } }', 'src/tokens.ts': method });
    const done = await cli(standard, 'cache', 'src/tokens.ts:2', '--ttl', '5m');
    assert.equal(done.code, 0, done.stderr);
    assert.match(readFileSync(join(standard, 'src/tokens.ts'), 'utf8'), / {2}@memoize\(\{ id: "src\/tokens\.ts#Tokens\.#decode", ttl: "5m" \}\)\n {2}#decode/);

    const oldTypeScript = workspace({ 'package.json': PACKAGE, 'node_modules/typescript/package.json': '{ "version": "4.9.5" }', 'src/tokens.ts': method.replace('#decode', 'decode') });
    const none = await cli(oldTypeScript, 'cache', 'src/tokens.ts:2');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /Decorators do not compile in this project \(TypeScript before 5/);
  });

  it('uses require() in a CommonJS file and keeps CRLF line endings', async () => {
    const ws = workspace({ 'package.json': PACKAGE, 'lib/a.cjs': "'use strict';\r\n\r\nfunction twice(n) {\r\n  return n * 2;\r\n}\r\n\r\nmodule.exports = { twice };\r\n" });
    const result = await cli(ws, 'cache', 'lib/a.cjs:3', '--ttl', '30');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      readFileSync(join(ws, 'lib/a.cjs'), 'utf8'),
      "'use strict';\r\nconst { memoize } = require('cachelens');\r\n\r\nconst twice = memoize(function twice(n) {\r\n  return n * 2;\r\n}, { id: 'lib/a.cjs#twice', ttl: 30 });\r\n\r\nmodule.exports = { twice };\r\n",
    );
  });

  it('says clearly what is wrong with bad input, and writes nothing', async () => {
    const ws = workspace({ 'package.json': PACKAGE, 'src/prices.ts': PRICES, 'src/broken.ts': 'export function f( {\n' });
    const cases: [string[], number, RegExp][] = [
      [['cache', 'src/missing.ts:1'], 1, /^cachelens: no such file: src\/missing\.ts \(resolved to .*\); check the path\.\n$/],
      [['cache', 'src/prices.ts:99'], 1, /^cachelens: line 99 is out of range: src\/prices\.ts has 8 lines\.\n$/],
      [['cache', 'src/prices.ts:2:80'], 1, /^cachelens: column 80 is out of range: line 2 has 16 characters\.\n$/],
      [['cache', 'src/prices.ts:1'], 1, /The cursor is not inside a function.*\[no-target\]\n$/],
      [['cache', 'src/broken.ts:1'], 1, /^cachelens: src\/broken\.ts has a syntax error at line 2:1 \('\}' expected\.\): fix it first.*\[syntax-error\]\n$/],
      [['uncache', 'src/prices.ts:6'], 1, /getPrices is not cached: there is nothing to remove\. \[not-cached\]\n$/],
      [['cache', 'src/prices.ts:6', '--ttl', 'soon'], 1, /ttl "soon" is not a duration.*\[invalid-options\]\n$/],
      [['cache', 'src/prices.ts:6', '--backend', 'nowhere'], 1, /backend "nowhere" is not declared.*\[unknown-backend\]\n$/],
      [['cache', 'src/prices.ts'], 2, /"src\/prices\.ts" is not FILE:LINE\[:COL\]/],
      [['cache', 'src/prices.ts:6', '--max', 'lots'], 2, /--max "lots" is not a positive integer/],
      [['cache', 'src/prices.ts:6', '--colour'], 2, /unknown option --colour for cache/],
      [['uncache', 'src/prices.ts:6', '--ttl', '5m'], 2, /unknown option --ttl for uncache/],
      [['explode', 'x:1'], 2, /unknown command "explode"; expected cache or uncache\./],
      [['cache', 'src/prices.ts:0'], 2, /LINE and COL start at 1/],
    ];
    for (const [argv, code, message] of cases) {
      const result = await cli(ws, ...argv);
      assert.equal(result.code, code, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, argv.join(' '));
      assert.equal(result.stdout, '', `${argv.join(' ')} prints nothing on stdout`);
    }
    assert.equal(readFileSync(join(ws, 'src/prices.ts'), 'utf8'), PRICES);
    assert.equal(existsSync(join(ws, 'cachelens.config.json')), false);
  });

  it('refuses a workspace without package.json unless --root is given', async () => {
    const dir = workspace({ 'app/prices.ts': PRICES });
    const above = dir.split('/').slice(0, -1);
    for (let i = above.length; i > 0; i--) {
      const found = `${above.slice(0, i).join('/') || '/'}/package.json`;
      assert.equal(existsSync(found), false, `${found} exists above the temporary folder: this test needs a TMPDIR with no package.json above it`);
    }
    const refused = await cli(dir, 'cache', 'app/prices.ts:6');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no package\.json found in .*app or above: run the command inside a Node project \(npm init\), or pass --root DIR\./);
    const done = await cli(dir, 'cache', 'app/prices.ts:6', '--root', '.');
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'cached app/prices.ts#getPrices; wrote app/prices.ts, cachelens.config.json (created)\n');
  });

  it('prints usage with --help (exit 0) and without arguments (exit 2)', async () => {
    const help = await cli('/', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^cachelens cache FILE:LINE\[:COL\]/);
    assert.equal((await cli('/')).code, 2);
  });
});
