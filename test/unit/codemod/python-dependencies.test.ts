// The Python app's dependency and config edits: requirements.txt gets the vendored wheel (idempotent,
// every other byte kept), an app with only pyproject.toml gets nothing and a reason, the app root is
// the nearest folder with pyproject.toml, requirements.txt or setup.cfg, and the config is created
// or updated as for TypeScript (valid JSON, no $schema).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { applyEdits, CONFIG_FILE_NAME } from '../../../extension/codemod/src/index.js';
import { planConfig } from '../../../extension/codemod/src/config.js';
import { planPythonRequirement, pythonAppRoot, vendoredWheelPath } from '../../../extension/codemod/src/python/index.js';

const WHEEL = 'vendor/cachelens-0.1.0-py3-none-any.whl';

function requirements(text: string, runtimeVersion = '0.1.0'): { text: string; plan: ReturnType<typeof planPythonRequirement> } {
  const plan = planPythonRequirement({ requirementsTxt: { text }, runtimeVersion });
  return { text: applyEdits(text, plan.requirementsTxt ?? []), plan };
}

describe('requirements.txt edit', () => {
  it('names the wheel path of the version', () => {
    assert.equal(vendoredWheelPath('0.1.0'), WHEEL);
  });

  it('appends the wheel on a new last line and asks for the wheel to be copied there', () => {
    const { text, plan } = requirements('flask==3.0.0\n# caching\nredis>=4.3\n');
    assert.equal(text, `flask==3.0.0\n# caching\nredis>=4.3\n${WHEEL}\n`);
    assert.equal(plan.wheel, WHEEL);
    assert.equal(plan.reason, undefined);
  });

  it('keeps CRLF line endings and adds the missing final newline first', () => {
    assert.equal(requirements('flask\r\nrequests').text, `flask\r\nrequests\r\n${WHEEL}\r\n`);
    assert.equal(requirements('flask\r\n').text, `flask\r\n${WHEEL}\r\n`);
  });

  it('writes the wheel alone into an empty file', () => {
    assert.equal(requirements('').text, `${WHEEL}\n`);
  });

  it('is idempotent: a second run changes nothing and still names the wheel to copy', () => {
    const once = requirements('flask\n').text;
    const twice = requirements(once);
    assert.equal(twice.text, once);
    assert.equal(twice.plan.requirementsTxt, undefined);
    assert.equal(twice.plan.wheel, WHEEL);
  });

  it('accepts the path written ./vendor/... or with a comment after it', () => {
    for (const line of [`./${WHEEL}`, `${WHEEL}  # the CacheLens runtime`]) {
      const { plan } = requirements(`flask\n${line}\n`);
      assert.equal(plan.requirementsTxt, undefined, line);
      assert.equal(plan.wheel, WHEEL);
    }
  });

  it('points an older vendored wheel at this version, in place', () => {
    const { text, plan } = requirements('flask\nvendor/cachelens-0.0.9-py3-none-any.whl  # runtime\nredis\n');
    assert.equal(text, `flask\n${WHEEL}  # runtime\nredis\n`);
    assert.equal(plan.wheel, WHEEL);
  });

  it('leaves a cachelens requirement from an index alone and says so', () => {
    for (const line of ['cachelens==0.1.0', 'CacheLens >= 0.1', 'cachelens[redis]~=0.1 ; python_version >= "3.11"']) {
      const { text, plan } = requirements(`flask\n${line}\n`);
      assert.equal(text, `flask\n${line}\n`, line);
      assert.equal(plan.wheel, undefined);
      assert.match(plan.reason ?? '', /already requires cachelens/);
    }
  });

  it('does not mistake other packages or comments for cachelens', () => {
    for (const line of ['cachelens-extras==1.0', '# cachelens==0.1.0', 'cachetools']) {
      assert.equal(requirements(`${line}\n`).text, `${line}\n${WHEEL}\n`, line);
    }
  });

  it('adds nothing for an app with only pyproject.toml (or setup.cfg), and says why', () => {
    const pyproject = planPythonRequirement({ hasPyproject: true, runtimeVersion: '0.1.0' });
    assert.equal(pyproject.requirementsTxt, undefined);
    assert.equal(pyproject.wheel, undefined);
    assert.match(pyproject.reason ?? '', /pyproject\.toml, which cannot name a relative path/);
    assert.match(pyproject.reason ?? '', /pip install vendor\/cachelens-0\.1\.0-py3-none-any\.whl/);
    assert.match(planPythonRequirement({ hasSetupCfg: true, runtimeVersion: '0.1.0' }).reason ?? '', /setup\.cfg/);
  });
});

describe('the Python app root', () => {
  const files = (...list: string[]) => (p: string) => list.includes(p);
  it('is the nearest folder with pyproject.toml, requirements.txt or setup.cfg', () => {
    assert.equal(pythonAppRoot('/w/app/pkg/sub', files('/w/app/requirements.txt', '/w/pyproject.toml')), '/w/app');
    assert.equal(pythonAppRoot('/w/app/pkg', files('/w/app/pkg/setup.cfg')), '/w/app/pkg');
    assert.equal(pythonAppRoot('/w/app/pkg', files('/w/pyproject.toml')), '/w');
  });
  it('is undefined when there is none up to stopAt or the root', () => {
    assert.equal(pythonAppRoot('/w/app/pkg', files('/w/pyproject.toml'), '/w/app'), undefined);
    assert.equal(pythonAppRoot('/w/app', files()), undefined);
    assert.equal(pythonAppRoot(path.join('/', 'x'), files('/pyproject.toml')), '/');
  });
});

describe('cachelens.config.json for a Python app', () => {
  it('is created with defaults and the memory backend, valid JSON without $schema', () => {
    const plan = planConfig(undefined, 'memory');
    assert.ok(plan && !('ok' in plan));
    const text = applyEdits('', plan.edits);
    assert.equal(plan.create, true);
    assert.deepEqual(JSON.parse(text), { defaults: { backend: 'memory', ttl: '5m' }, backends: { memory: { type: 'memory', max: 10000 } } });
    assert.ok(!text.includes('$schema'), `no $schema in ${CONFIG_FILE_NAME}`);
  });
  it('gains a built-in backend that is picked and not declared, keeping the rest', () => {
    const before = '{\n  "backends": {\n    "memory": { "type": "memory" }\n  }\n}\n';
    const plan = planConfig({ text: before }, 'redis');
    assert.ok(plan && !('ok' in plan));
    const after = JSON.parse(applyEdits(before, plan.edits)) as { backends: Record<string, { type: string }> };
    assert.deepEqual(Object.keys(after.backends), ['memory', 'redis']);
    assert.equal(planConfig({ text: applyEdits(before, plan.edits) }, 'redis'), undefined, 'a second run changes nothing');
  });
});
