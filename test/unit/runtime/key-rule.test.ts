// One key rule: the compiled call path, the closure call path (the one run where code generation
// from strings is disallowed: a child process started with --disallow-code-generation-from-strings),
// `memoryKey` and the two-tier L1's `tierKey` put every argument shape of a table in the same entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { distinctKeys, observe, SAME_ENTRY, SHAPES, type Observation } from './key-rule-child.js';

function check(o: Observation): void {
  for (const s of o.shapes) {
    assert.deepEqual({ misses: s.misses, hits: s.hits }, { misses: 1, hits: 1 }, `${o.path} path, ${s.label}: the second call is a hit`);
    assert.equal(s.has, true, `${o.path} path, ${s.label}: cacheOf().has (memoryKey) finds the entry the call path wrote`);
    assert.equal(s.tierAgrees, true, `${s.label}: tierKey of the store key is the call path's inline key`);
  }
  const sameAs = new Map(SAME_ENTRY);
  for (const [label] of SHAPES) {
    assert.equal(o.servedBy[label], sameAs.get(label) ?? label, `${o.path} path, ${label}: served from its own entry (or the one it shares)`);
  }
  assert.equal(o.entries, SHAPES.length - SAME_ENTRY.length, `${o.path} path: one entry per distinct argument list`);
  assert.equal(o.entries, distinctKeys(), 'as many entries as memoryKey has distinct keys');
}

describe('the key rule', () => {
  let compiled: Observation;

  it('the compiled call path, memoryKey and tierKey agree on every argument shape', async () => {
    compiled = await observe();
    assert.equal(compiled.path, 'compiled');
    check(compiled);
  });

  it('the closure call path (code generation from strings disallowed) agrees too, shape for shape', () => {
    const child = spawnSync(process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', path.join(__dirname, 'key-rule-child.ts'), 'child'],
      { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    const closure = JSON.parse(child.stdout) as Observation;
    assert.equal(closure.path, 'closure');
    check(closure);
    assert.deepEqual(closure.shapes, compiled.shapes);
    assert.deepEqual(closure.servedBy, compiled.servedBy);
  });
});
