import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import {
  memoize, cacheOf, registry, findConfigFile, loadConfigFile, reloadConfig, ConfigError, BackendError, CONFIG_FILE_NAME,
} from '../../../runtime/src/index.js';
import { NUMBER_FIELDS, NUMBER_STRING } from '../../../runtime/src/config.js';

const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../runtime/schema/cachelens.config.schema.json'), 'utf8')) as object;
const validateBySchema = new Ajv({ allErrors: true, strict: false }).compile(schema);

function tempConfig(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-config-'));
  const file = path.join(dir, CONFIG_FILE_NAME);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Runs `body` with CACHELENS_CONFIG pointing at `file` (the process config re-read), then restores. */
function withConfig(file: string, body: () => void | Promise<void>): Promise<void> {
  const previous = process.env.CACHELENS_CONFIG;
  process.env.CACHELENS_CONFIG = file;
  reloadConfig();
  return Promise.resolve(body()).finally(() => {
    if (previous === undefined) delete process.env.CACHELENS_CONFIG;
    else process.env.CACHELENS_CONFIG = previous;
    reloadConfig();
  });
}

test('the config file is found from the working directory upwards; CACHELENS_CONFIG wins', () => {
  const file = tempConfig({});
  const nested = path.join(path.dirname(file), 'a', 'b');
  fs.mkdirSync(nested, { recursive: true });
  assert.equal(findConfigFile(nested, {}), file);
  assert.equal(findConfigFile(nested, { CACHELENS_CONFIG: '../../other.json' }), path.join(path.dirname(file), 'other.json'));
  assert.equal(findConfigFile(fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-none-')), {}), undefined);
});

test('${VAR} and ${VAR:-default} are interpolated in every string', () => {
  const file = tempConfig({
    defaults: { ttl: '${TTL:-5m}', backend: 'shared' },
    backends: { shared: { type: 'redis', url: 'redis://${REDIS_HOST}:${REDIS_PORT:-6379}/0', keyPrefix: '${PREFIX:-}app:' } },
  });
  const config = loadConfigFile(file, { REDIS_HOST: 'cache.internal', PREFIX: '' });
  assert.equal(config.defaults.ttl, '5m');
  assert.equal(config.backends.shared!.url, 'redis://cache.internal:6379/0');
  assert.equal(config.backends.shared!.keyPrefix, 'app:');
  assert.equal(loadConfigFile(file, { REDIS_HOST: 'h', REDIS_PORT: '7000', TTL: '10s' }).backends.shared!.url, 'redis://h:7000/0');
  assert.throws(() => loadConfigFile(file, {}), (e: unknown) =>
    e instanceof ConfigError && e.jsonPath === '$.backends.shared.url' && /REDIS_HOST is not set/.test(e.message) && e.file === file);
});

const invalid: [string, unknown, string, RegExp][] = [
  ['not JSON', '{ "defaults": ', '$', /not valid JSON/],
  ['not an object', [1], '$', /expected an object/],
  ['an unknown top-level property', { default: {} }, '$.default', /unknown property/],
  ['a backend without type', { backends: { shared: { url: 'x' } } }, '$.backends.shared.type', /expected a backend type/],
  ['a backend that is not an object', { backends: { shared: 'redis' } }, '$.backends.shared', /expected an object/],
  ['a bad ttl', { defaults: { ttl: '5 minutes' } }, '$.defaults.ttl', /duration string/],
  ['a bad max', { backends: { m: { type: 'memory', max: 0 } } }, '$.backends.m.max', /integer >= 1/],
  ['a bad maxBytes', { backends: { m: { type: 'lru', maxBytes: 'big' } } }, '$.backends.m.maxBytes', /size string/],
  ['an unknown memory option', { backends: { m: { type: 'memory', size: 5 } } }, '$.backends.m.size', /unknown option/],
  ['a bad policy', { backends: { m: { type: 'memory', policy: 'lfu' } } }, '$.backends.m.policy', /expected one of "adaptive", "lru"/],
  ['a default backend that does not exist', { defaults: { backend: 'nope' } }, '$.defaults.backend', /neither a key of "backends"/],
  ['an unknown default', { defaults: { timeout: 5 } }, '$.defaults.timeout', /unknown property/],
  ['a non-boolean cacheErrors', { defaults: { cacheErrors: 'yes' } }, '$.defaults.cacheErrors', /true or false/],
];

for (const [label, content, jsonPath, message] of invalid) {
  test(`invalid config (${label}): ConfigError naming the file, ${jsonPath} and what is expected; the schema agrees`, () => {
    const file = tempConfig(content);
    assert.throws(() => loadConfigFile(file, {}), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.code, 'CACHELENS_CONFIG');
      assert.equal(e.file, file);
      assert.equal(e.jsonPath, jsonPath);
      assert.match(e.message, message);
      assert.ok(e.message.includes(file) && e.message.includes(jsonPath));
      return true;
    });
    // The cross-field rule (defaults.backend must name a backend) is beyond JSON Schema.
    if (typeof content !== 'string' && jsonPath !== '$.defaults.backend') assert.equal(validateBySchema(content), false, 'the schema rejects it too');
  });
}

test('a valid config passes both the validator and the JSON Schema', () => {
  const content = {
    $schema: './node_modules/cachelens/schema/cachelens.config.schema.json',
    defaults: { backend: 'memory', ttl: '5m', max: 500, cacheErrors: false, staleWhileRevalidate: 30 },
    backends: {
      memory: { type: 'memory', max: 10000, policy: 'lru' },
      scan: { type: 'memory', max: 100, policy: 's3fifo' },
      strict: { type: 'lru', max: 50, maxBytes: '1MB', ttl: 10 },
      shared: { type: 'redis', url: '${REDIS_URL:-redis://127.0.0.1:6379/0}', keyPrefix: 'myapp:' },
      'local-disk': { type: 'disk', path: '.cache/cachelens', maxBytes: '1GB' },
    },
  };
  assert.equal(validateBySchema(content), true, JSON.stringify(validateBySchema.errors));
  const config = loadConfigFile(tempConfig(content), {});
  assert.equal(config.backends.strict!.type, 'lru');
});

test('memoize uses the config: defaults, named backends and their bounds', async () => {
  const file = tempConfig({
    defaults: { ttl: '2m', backend: 'small' },
    backends: { small: { type: 'memory', max: 2 }, tiny: { type: 'lru', max: 1 } },
  });
  await withConfig(file, () => {
    const f = memoize((x: number) => x);
    for (let i = 0; i < 5; i++) f(i);
    const info = registry.get(cacheOf(f).id)!;
    assert.equal(info.backend, 'small');
    assert.equal(info.backendType, 'memory');
    assert.equal(info.options.ttl, 120);
    assert.equal(info.options.max, 2);
    assert.ok(info.stats().entries <= 2);
    const g = memoize((x: number) => x, { backend: 'tiny', ttl: 5, max: 3 });
    const gi = registry.get(cacheOf(g).id)!;
    assert.deepEqual([gi.backendType, gi.options.ttl, gi.options.max], ['lru', 5, 3], 'function options win over the config');
  });
});

test('an invalid config file is one ConfigError at the first call (not at memoize()), on every call', async () => {
  const file = tempConfig({ defaults: { ttl: 'soon' } });
  await withConfig(file, () => {
    let calls = 0;
    const f = memoize((x: number) => { calls++; return x; });
    const isConfigError = (e: unknown): boolean => e instanceof ConfigError && e.jsonPath === '$.defaults.ttl';
    assert.throws(() => f(1), isConfigError);
    assert.throws(() => f(1), isConfigError);
    assert.equal(calls, 0);
    assert.equal(registry.get(cacheOf(f).id)?.health(), 'degraded');
  });
});

test('an unknown backend name is a BackendError at the first call, listing the config backends', async () => {
  const file = tempConfig({ backends: { shared: { type: 'memory' } } });
  await withConfig(file, () => {
    const f = memoize((x: number) => x, { backend: 'sharde' });
    assert.throws(() => f(1), (e: unknown) => e instanceof BackendError && e.backend === 'sharde' && /shared/.test(e.message) && e.message.includes(file));
  });
});

test('two different functions with one id on a shared backend: a warning names both places; the same code twice or in memory: none', async () => {
  const file = tempConfig({});
  fs.writeFileSync(file, JSON.stringify({ backends: { shared: { type: 'disk', path: path.join(path.dirname(file), 'store') } } }));
  await withConfig(file, async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => { if (w.code === 'CACHELENS_SHARED_ID') warnings.push(w.message); };
    process.on('warning', onWarning);
    try {
      const twice = [1, 2].map(() => memoize(async (x: number) => x + 1, { id: 'dup#f', backend: 'shared' }));
      const inMemory = [memoize((x: number) => x + 1, { id: 'dup#m' }), memoize((x: number) => x * 2, { id: 'dup#m' })];
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
      const other = memoize(async (x: number) => x * 2, { id: 'dup#f', backend: 'shared' });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /"dup#f" on the shared backend "shared" \(.*config\.test\.ts:\d+ and .*config\.test\.ts:\d+\).*own `id`/);
      assert.equal([...twice, ...inMemory, other].length, 5); // all alive until here
    } finally {
      process.off('warning', onWarning);
    }
  });
});

test('a number from interpolation is a number in every numeric field of every backend type, and of defaults', () => {
  const env = { N: '7', MS: '250' };
  const file = tempConfig({
    defaults: { max: '${MAX:-7}', trace: { maxEntries: '${N}', sampleRate: '${RATE:-0.5}' } },
    backends: {
      memory: { type: 'memory', max: '${MAX:-7}' },
      lru: { type: 'lru', max: '${N}' },
      redis: { type: 'redis', commandTimeoutMs: '${MS}', connectTimeoutMs: ' 300 ', breaker: { failureThreshold: '${N}', openMs: '${MS}' },
        sentinel: { name: 'm', db: '${DB:-2}', sentinels: [{ host: 'h', port: '${PORT:-26379}' }] } },
      memcached: { type: 'memcached', commandTimeoutMs: '${MS}', generationRefreshMs: '${R:-0}', maxValueBytes: '${N}' },
      disk: { type: 'disk', busyTimeoutMs: '${MS}', compressAboveBytes: '${C:-1024}' },
      tiered: { type: 'tiered', cluster: [{ host: 'h', port: '${PORT:-7000}' }], l1: { max: '${N}', maxBytes: '${B:-4096}', ttlMs: '${MS}' } },
    },
  });
  const c = loadConfigFile(file, env);
  assert.equal(c.defaults.max, 7);
  assert.deepEqual(c.defaults.trace, { maxEntries: 7, sampleRate: 0.5 });
  assert.equal(c.backends.memory!.max, 7);
  assert.equal(c.backends.lru!.max, 7);
  const redis = c.backends.redis as Record<string, unknown>;
  assert.deepEqual([redis.commandTimeoutMs, redis.connectTimeoutMs, redis.breaker], [250, 300, { failureThreshold: 7, openMs: 250 }]);
  assert.deepEqual(redis.sentinel, { name: 'm', db: 2, sentinels: [{ host: 'h', port: 26379 }] });
  const mc = c.backends.memcached as Record<string, unknown>;
  assert.deepEqual([mc.commandTimeoutMs, mc.generationRefreshMs, mc.maxValueBytes], [250, 0, 7]);
  const disk = c.backends.disk as Record<string, unknown>;
  assert.deepEqual([disk.busyTimeoutMs, disk.compressAboveBytes], [250, 1024]);
  const tiered = c.backends.tiered as Record<string, unknown>;
  assert.deepEqual(tiered.l1, { max: 7, maxBytes: 4096, ttlMs: 250 });
  assert.deepEqual(tiered.cluster, [{ host: 'h', port: 7000 }]);
  // Strings that are not numbers stay strings where strings belong (a password of digits, a prefix).
  const strings = loadConfigFile(tempConfig({ backends: { r: { type: 'redis', keyPrefix: '${P:-42}', sentinel: { name: 'm', sentinels: ['h:1'], password: '${PW:-123}' } } } }), {});
  assert.equal(strings.backends.r!.keyPrefix, '42');
  assert.equal((strings.backends.r!.sentinel as { password: unknown }).password, '123');
  // The file validates against the schema as written (before interpolation).
  assert.equal(validateBySchema(JSON.parse(fs.readFileSync(file, 'utf8'))), true, JSON.stringify(validateBySchema.errors));
});

test('memoize builds a memory store whose max came from ${VAR:-7}', async () => {
  const file = tempConfig({ defaults: { backend: 'small' }, backends: { small: { type: 'memory', max: '${SMALL_MAX_UNSET_FOR_TEST:-2}' } } });
  await withConfig(file, () => {
    const f = memoize((x: number) => x);
    for (let i = 0; i < 5; i++) f(i);
    const info = registry.get(cacheOf(f).id)!;
    assert.equal(info.options.max, 2);
    assert.ok(info.stats().entries <= 2);
  });
});

const badInterpolation: [string, unknown, string, RegExp][] = [
  ['an unterminated ${', { backends: { d: { type: 'disk', path: '${CACHE_DIR' } } }, '$.backends.d.path', /unterminated "\$\{" \(no closing "}"\) in "\$\{CACHE_DIR"; write \$\{NAME\} or \$\{NAME:-default\}/],
  ['an unterminated ${ after a variable', { backends: { r: { type: 'redis', url: 'redis://${H:-h}:${PORT' } } }, '$.backends.r.url', /unterminated/],
  ['${ with no variable name', { defaults: { ttl: '${5m}' } }, '$.defaults.ttl', /"\$\{5m\}" in "\$\{5m\}", which is not a variable; write \$\{NAME\}/],
  ['a numeric field whose interpolated value is not a number', { backends: { m: { type: 'memory', max: '${MAX:-lots}' } } }, '$.backends.m.max', /expected a number, got "lots"/],
  ['a nested numeric field that is not a number', { backends: { t: { type: 'tiered', l1: { ttlMs: '${T:-10s}' } } } }, '$.backends.t.l1.ttlMs', /expected a number, got "10s"/],
  ['an interpolated max below 1', { backends: { m: { type: 'memory', max: '${MAX:-0}' } } }, '$.backends.m.max', /integer >= 1.*got number 0/],
];

for (const [label, content, jsonPath, message] of badInterpolation) {
  test(`interpolation: ${label} is a ConfigError naming the file, ${jsonPath} and what to write`, () => {
    const file = tempConfig(content);
    assert.throws(() => loadConfigFile(file, {}), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.file, file);
      assert.equal(e.jsonPath, jsonPath);
      assert.match(e.message, message);
      assert.ok(e.message.includes(file));
      return true;
    });
  });
}

test("the runtime's numeric fields and number-in-a-string rule are the schema's", () => {
  const s = schema as { definitions: Record<string, { pattern?: string; allOf?: { if: { properties: { type: { const: string } } }; then: { properties: Record<string, unknown> } }[] }>; properties: { defaults: { properties: Record<string, unknown> } } };
  assert.equal(s.definitions.numberString!.pattern, NUMBER_STRING.source);
  const resolve = (node: unknown): Record<string, unknown> => {
    const ref = (node as { $ref?: string }).$ref;
    return ref === undefined ? node as Record<string, unknown> : resolve(s.definitions[ref.split('/').pop()!]);
  };
  /** Paths (a.b, a[].b) of the fields whose schema is a number, or a number / numberString / interpolated string. */
  const numeric = (props: Record<string, unknown>, prefix: string): string[] => Object.entries(props).flatMap(([name, raw]) => {
    const node = resolve(raw);
    const at = prefix + name;
    const alts = ((node.anyOf ?? node.oneOf ?? [node]) as unknown[]).map(resolve);
    if (alts.some((a) => a.type === 'integer' || a.type === 'number') && alts.some((a) => a.pattern === NUMBER_STRING.source)) return [at];
    return alts.flatMap((a) => {
      if (a.type === 'object' && a.properties) return numeric(a.properties as Record<string, unknown>, `${at}.`);
      if (a.type === 'array' && a.items) {
        const items = resolve(a.items);
        return ((items.anyOf ?? [items]) as unknown[]).map(resolve).flatMap((i) => (i.properties ? numeric(i.properties as Record<string, unknown>, `${at}[].`) : []));
      }
      return [];
    });
  });
  const fromSchema: Record<string, string[]> = { defaults: numeric(s.properties.defaults.properties, '') };
  for (const branch of s.definitions.backend!.allOf!) fromSchema[branch.if.properties.type.const] = numeric(branch.then.properties, '');
  const schemaOnlyTypes = (list: readonly string[]): string[] => list.filter((f) => !/compressAboveBytes|maxValueBytes/.test(f)).sort();
  for (const [type, fields] of Object.entries(fromSchema)) {
    assert.deepEqual(schemaOnlyTypes(NUMBER_FIELDS[type] ?? []), [...new Set(fields)].filter((f) => f !== 'maxBytes').sort(), type);
  }
});

test('every error code the runtime and its stores throw or report is in the error tables of docs/configuration.md', () => {
  const src = path.resolve(__dirname, '../../../runtime/src');
  const files = fs.readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.startsWith('simulate') && !f.startsWith('cli'));
  const codes = new Set<string>();
  for (const f of files) {
    const text = fs.readFileSync(path.join(src, f), 'utf8');
    for (const m of text.matchAll(/(?:super\(|\| )'(CACHELENS_[A-Z_]+)'/g)) codes.add(m[1]!);
  }
  assert.ok(codes.has('CACHELENS_CONFIG') && codes.has('CACHELENS_BACKEND_CONFIG'), [...codes].join());
  const docs = fs.readFileSync(path.resolve(__dirname, '../../../docs/configuration.md'), 'utf8');
  const errors = docs.slice(docs.indexOf('\n## Errors'));
  const tabled = new Set([...errors.matchAll(/^\|.*$/gm)].flatMap((row) => [...row[0].matchAll(/`(CACHELENS_[A-Z_]+)`/g)].map((m) => m[1]!)));
  assert.deepEqual([...codes].filter((c) => !tabled.has(c)), []);
});
