// The Python core's analysis: where the cursor may be, the target it reports, and the answers for
// input that is not a .py file or not Python at all.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { applyEdits, loadPythonCodemod, type PythonCodemod } from '../../../extension/codemod/src/index.js';

const SOURCE = `from flask import Flask
from cachelens import memoize

app = Flask(__name__)


class Repo:
    @classmethod
    # the slow one
    async def find(cls, key):
        rows = [r for r in range(3)]
        return rows

    @memoize(ttl="5m", key=str, id="legacy#Repo.get")
    def get(self, key):
        return key


@app.route("/x")
def handler():
    return sorted([], key=lambda v: v)
`;

let py: PythonCodemod;
before(async () => {
  py = await loadPythonCodemod();
});

const at = (needle: string, delta = 0): number => {
  const offset = SOURCE.indexOf(needle);
  assert.notEqual(offset, -1, needle);
  return offset + delta;
};

describe('Python codemod: analyzeAt', () => {
  it('finds the method from its name, a decorator, a comment between them, the indentation or the body', () => {
    for (const position of [at('find'), at('@classmethod'), at('# the slow one', 3), at('    async def', 1), at('rows = [r'), at('for r in')]) {
      const result = py.analyzeAt({ text: SOURCE, fileName: 'app.py', relPath: 'shop/app.py', position });
      assert.ok(result.ok, `${position}: ${JSON.stringify(result)}`);
      assert.equal(result.target.name, 'Repo.find');
    }
  });

  it('reports kind, id, ranges and async-ness', () => {
    const result = py.analyzeAt({ text: SOURCE, fileName: 'app.py', relPath: 'shop/app.py', position: at('find') });
    assert.ok(result.ok);
    const { target } = result;
    assert.equal(target.kind, 'method');
    assert.equal(target.form, 'decorator');
    assert.equal(target.id, 'shop/app.py#Repo.find');
    assert.equal(SOURCE.slice(target.nameRange.start, target.nameRange.end), 'find');
    assert.ok(SOURCE.slice(target.range.start, target.range.end).startsWith('@classmethod'));
    assert.equal(target.isAsync, true);
    assert.equal(target.returnsPromise, true);
    assert.equal(target.cached, undefined);
    const fn = py.analyzeAt({ text: SOURCE, fileName: 'app.py', position: { line: 20, character: 10 } });
    assert.ok(fn.ok);
    assert.equal(fn.target.kind, 'function-declaration');
    assert.equal(fn.target.id, 'app.py#handler', 'relPath defaults to the file name');
  });

  it('reports the options of a cached method, and its written id', () => {
    const result = py.analyzeAt({ text: SOURCE, fileName: 'app.py', relPath: 'shop/app.py', position: at('def get') });
    assert.ok(result.ok);
    assert.equal(result.target.id, 'legacy#Repo.get');
    assert.deepEqual(result.target.cached, { id: 'legacy#Repo.get', ttl: '5m', raw: { ttl: 'ttl="5m"', key: 'key=str', id: 'id="legacy#Repo.get"' } });
  });

  it('keeps the written id and unmanaged keywords when options change, and uncache takes the import away with its last use', () => {
    const changed = py.cacheFunction({ text: SOURCE, fileName: 'app.py', relPath: 'shop/app.py', position: at('def get'), options: { backend: 'lru', max: 10 } });
    assert.ok(changed.ok);
    assert.equal(changed.change, 'updated');
    assert.match(applyEdits(SOURCE, changed.edits.source), /@memoize\(backend="lru", max=10, key=str, id="legacy#Repo\.get"\)\n {4}def get/);
    const removed = py.uncacheFunction({ text: SOURCE, fileName: 'app.py', position: at('def get') });
    assert.ok(removed.ok);
    const after = applyEdits(SOURCE, removed.edits.source);
    assert.ok(!after.includes('@memoize'));
    assert.ok(!after.includes('from cachelens import memoize'), 'the import goes with its last use');
  });

  it('answers the lambda inside a def with the def, and refuses a module-level lambda', () => {
    const inside = py.analyzeAt({ text: SOURCE, fileName: 'app.py', position: at('lambda v') });
    assert.ok(inside.ok);
    assert.equal(inside.target.name, 'handler');
    const lambda = py.analyzeAt({ text: 'key = lambda v: v\n', fileName: 'app.py', position: 0 });
    assert.equal(!lambda.ok && lambda.code, 'lambda');
  });

  it('refuses files that are not .py, positions outside the text, and positions between functions', () => {
    const ts = py.analyzeAt({ text: SOURCE, fileName: 'app.ts', position: 0 });
    assert.equal(!ts.ok && ts.code, 'unsupported-file');
    const outside = py.analyzeAt({ text: SOURCE, fileName: 'app.py', position: SOURCE.length + 5 });
    assert.equal(!outside.ok && outside.code, 'no-target');
    const between = py.analyzeAt({ text: SOURCE, fileName: 'app.py', position: at('app = Flask') });
    assert.equal(!between.ok && between.code, 'no-target');
  });

  it('edits nothing in a file that does not parse, wherever the cursor is', () => {
    const broken = `${SOURCE}\ndef tail(:\n`;
    const result = py.cacheFunction({ text: broken, fileName: 'app.py', relPath: 'app.py', position: at('find'), options: {} });
    assert.equal(!result.ok && result.code, 'syntax-error');
  });
});
