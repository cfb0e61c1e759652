/** The config file's JSON Schema (what VS Code validates cachelens.config.json with) accepts what the docs show. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import { ROOT } from '../../harness/paths';

const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'runtime', 'schema', 'cachelens.config.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('cachelens.config.json schema', () => {
  test("the architecture's example config is valid", () => {
    const config = {
      defaults: { backend: 'memory', ttl: '5m' },
      backends: {
        memory: { type: 'memory', max: 10000 },
        shared: { type: 'redis', url: '${REDIS_URL:-redis://127.0.0.1:6379/0}', keyPrefix: 'myapp:' },
        'local-disk': { type: 'disk', path: '.cache/cachelens', maxBytes: '1GB' },
      },
    };
    assert.equal(validate(config), true, JSON.stringify(validate.errors));
  });

  test('every config in docs/deployment.md is valid', () => {
    const md = fs.readFileSync(path.join(ROOT, 'docs', 'deployment.md'), 'utf8');
    const configs = [...md.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => { try { return JSON.parse(m[1]!) as { backends?: unknown }; } catch { return undefined; } })
      .filter((c): c is { backends: unknown } => c?.backends !== undefined);
    assert.ok(configs.length > 0, 'the guide shows at least one config');
    for (const config of configs) assert.equal(validate(config), true, JSON.stringify(validate.errors));
  });

  test('wrong values are reported at their path', () => {
    assert.equal(validate({ backends: { shared: { type: 'redis', url: 42 } } }), false);
    assert.ok(validate.errors?.some((e) => e.instancePath === '/backends/shared/url'));
    assert.equal(validate({ backends: { m: { type: 'memory', max: 0 } } }), false);
    assert.equal(validate({ backends: { m: { type: 'memory', policy: 'random' } } }), false);
  });
});
