/**
 * Issue 15, item 6: after "Cache this function" with Redis, a fresh copy of the app (another path,
 * nothing but what the edit wrote and the lockfile the offered `npm install` wrote) installs with
 * `npm ci` and caches in a real redis-server. The edit is the codemod's, applied as the extension
 * applies it (source, config, package.json, the shipped runtime tarball copied to the path it names).
 * Needs dist/runtime (npm run build) and the npm registry for the driver (ioredis).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { applyEdits, cacheFunction } from '../../../extension/codemod/src/index';
import { ROOT } from '../../harness/paths';
import { startRedis, type RedisServer } from '../../harness/servers';

const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const shipped = path.join(ROOT, 'dist', 'runtime', `cachelens-${version}.tgz`);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
const npm = (args: string[], cwd: string) => spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, env, encoding: 'utf8', timeout: 180_000 });

let redis: RedisServer;
const temp: string[] = [];
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

function dbsize(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('DBSIZE\r\n'));
    socket.once('data', (data) => {
      socket.end();
      resolve(Number(/^:(\d+)/.exec(data.toString())?.[1] ?? NaN));
    });
    socket.once('error', reject);
  });
}

test('an app cached with Redis installs from a fresh copy with npm ci and caches in redis-server', { timeout: 420_000 }, async () => {
  assert.ok(fs.existsSync(shipped), `${shipped} is missing: run npm run build`);
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-app-'));
  temp.push(app);
  const source = "'use strict';\nlet computed = 0;\n\nasync function rates(day) {\n  computed++;\n  return [day.length, computed];\n}\n\nmodule.exports = { rates, computed: () => computed };\n";
  const packageText = '{\n  "name": "rates-service",\n  "version": "1.0.0",\n  "private": true,\n  "dependencies": {}\n}\n';
  fs.mkdirSync(path.join(app, 'src'));

  const result = cacheFunction({
    text: source,
    fileName: 'src/rates.js',
    relPath: 'src/rates.js',
    position: source.indexOf('computed++'),
    options: { backend: 'redis', ttl: '5m' },
    flavour: 'none',
    config: undefined,
    packageJson: { text: packageText },
    runtimeVersion: version,
    runtimeSource: 'vendor',
  });
  assert.ok(result.ok, JSON.stringify(result));
  assert.ok(result.edits.config?.create && result.edits.packageJson && result.edits.runtimeTarball);
  fs.writeFileSync(path.join(app, 'src', 'rates.js'), applyEdits(source, result.edits.source));
  fs.writeFileSync(path.join(app, 'cachelens.config.json'), applyEdits('', result.edits.config.edits));
  fs.writeFileSync(path.join(app, 'package.json'), applyEdits(packageText, result.edits.packageJson));
  fs.mkdirSync(path.dirname(path.join(app, result.edits.runtimeTarball)), { recursive: true });
  fs.copyFileSync(shipped, path.join(app, result.edits.runtimeTarball));

  // What the extension's install offer runs (after saving package.json): it writes the lockfile.
  const install = npm(['install'], app);
  assert.equal(install.status, 0, install.stderr);
  const lock = fs.readFileSync(path.join(app, 'package-lock.json'), 'utf8');
  assert.doesNotMatch(lock, new RegExp(app.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the lockfile names no absolute path of this machine');

  // A fresh clone elsewhere: the files a repository would hold, no node_modules.
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-clone-'));
  temp.push(clone);
  fs.cpSync(app, clone, { recursive: true, filter: (file) => !file.includes(`${path.sep}node_modules`) });
  const ci = npm(['ci'], clone);
  assert.equal(ci.status, 0, `npm ci failed:\n${ci.stderr}`);
  assert.ok(fs.existsSync(path.join(clone, 'node_modules', 'ioredis', 'package.json')), 'the Redis driver is installed');

  const run = spawnSync(process.execPath, ['-e', `
    const { cacheOf } = require('cachelens');
    const app = require('./src/rates.js');
    (async () => {
      const first = await app.rates('monday');
      const second = await app.rates('monday');
      console.log(JSON.stringify({ first, second, computed: app.computed(), id: cacheOf(app.rates).id }));
      process.exit(0);
    })().catch((error) => { console.error(error); process.exit(1); });
  `], { cwd: clone, env: { ...env, REDIS_URL: redis.url }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { first: number[]; second: number[]; computed: number; id: string };
  assert.deepEqual(out.first, [6, 1]);
  assert.deepEqual(out.second, [6, 1], 'the second call is served from the cache');
  assert.equal(out.computed, 1);
  assert.equal(out.id, 'src/rates.js#rates');
  assert.ok((await dbsize(redis.port)) > 0, 'the value is in redis-server');
});
