import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HASHES, Observer } from '../../../runtime/src/observe/observer.js';
import { instrument } from '../../../runtime/src/observe/transform.js';
import { parseRuntimeMessage } from '../../../runtime/src/protocol.js';

test('the observer counts calls, repeats by argument value, unkeyable arguments and time', () => {
  let t = 0;
  const observer = new Observer(() => t);
  const probe = observer.module('src/a.js', [['f', 3], ['g', 9]]);
  for (const args of [[1], [2], [3], [1], [2], [3], [1], [2], [3], [1]]) {
    const start = probe.e(0, args);
    t += 2;
    probe.x(0, start);
  }
  probe.e(1, [{ a: 1, b: [2] }]);
  probe.e(1, [{ b: [2], a: 1 }]);
  probe.e(1, [() => 1]);
  assert.deepEqual(observer.snapshot(), [
    { id: 'src/a.js#f', file: 'src/a.js', line: 3, calls: 10, repeats: 7, unkeyable: 0, totalMs: 20 },
    { id: 'src/a.js#g', file: 'src/a.js', line: 9, calls: 3, repeats: 1, unkeyable: 1, totalMs: 0 },
  ]);
});

test('the observer keeps at most MAX_HASHES argument hashes per function and estimates the repeat share beyond', () => {
  const observer = new Observer(() => 0);
  const probe = observer.module('a.js', [['f', 1]]);
  const distinct = MAX_HASHES * 10;
  for (let i = 0; i < distinct; i++) probe.e(0, [i, 'x']);
  for (let i = 0; i < distinct; i++) probe.e(0, [i, 'x']);
  const [f] = observer.snapshot();
  assert.equal(f!.calls, 2 * distinct);
  const share = f!.repeats / f!.calls;
  assert.ok(Math.abs(share - 0.5) < 0.05, `estimated repeat share ${share}, true 0.5`);
});

test('after the first 100 calls of a function, 1 in 16 is timed at random, and the total is estimated from them', () => {
  let t = 0;
  let reads = 0;
  const observer = new Observer(() => (reads++, t));
  const probe = observer.module('a.js', [['f', 1]]);
  for (let i = 0; i < 10_100; i++) {
    const start = probe.e1(0, i % 7);
    t += 2;
    probe.x(0, start);
  }
  const [f] = observer.snapshot();
  assert.equal(f!.totalMs, 2 * 10_100, 'every call takes 2 ms: the estimate is exact');
  const timed = reads / 2;
  assert.ok(timed > 100 + 10_000 / 16 / 2 && timed < 100 + (10_000 / 16) * 2, `calls timed: ${timed}`);
  assert.equal(f!.repeats, 10_100 - 7);
});

test('two loads of one module share figures', () => {
  const observer = new Observer(() => 0);
  observer.module('a.js', [['f', 1]]).e(0, [1]);
  observer.module('a.js', [['f', 1]]).e(0, [1]);
  assert.deepEqual(observer.snapshot().map((f) => [f.calls, f.repeats]), [[2, 1]]);
});

test('the rewrite keeps every line where it was, directives first, and skips what it cannot parse', () => {
  const source = "'use strict';\nfunction f(a) {\n  'use strict';\n  return a;\n}\nconst g = async (x) =>\n  x + 1; // done\nclass C { get v() { return 1; } m() { return 2; } }\n";
  const out = instrument(source, 'a.js', 'script')!;
  assert.deepEqual(out.functions, [['f', 2], ['g', 6], ['C.m', 8]]);
  const lines = out.code.split('\n');
  assert.equal(lines[0], "'use strict';");
  assert.match(lines[2]!, /^ {2}'use strict';const __cachelens\$o\$t=/, 'the directive stays first');
  assert.equal(lines[3], '  return a;');
  assert.match(lines[7]!, /get v\(\) \{ return 1; \}/, 'getters are left alone');
  assert.equal(instrument('const x: number = 1; function f() {}', 'a.ts', 'module'), undefined, 'TypeScript nothing compiled yet');
  assert.equal(instrument(out.code, 'a.js', 'script'), undefined, 'instrumented once only');
  assert.equal(instrument('function* g() {}', 'a.js', 'script'), undefined);
});

test('an async function whose body redeclares a parameter with var keeps the argument (the synchronous form)', async () => {
  const source = 'async function f(x) { var x; await null; return x; }\nasync function g(y) { await null; return y; }\n';
  const out = instrument(source, 'a.js', 'script')!;
  assert.match(out.code.split('\n')[0]!, /try\{/, 'f: try/finally, no inner arrow');
  assert.match(out.code.split('\n')[1]!, /\(async\(\)=>\{/, 'g: timed until it settles');
  const f = new Function(`${out.code}; return f;`)() as (x: number) => Promise<number>;
  assert.equal(await f(5), 5);
});

test('stats messages: the optional observed field is validated, and messages without it still pass', () => {
  const base = { v: 1, type: 'stats', seq: 1, at: 1, stats: [] };
  assert.equal(parseRuntimeMessage(JSON.stringify(base)).ok, true);
  const observed = { id: 'a.js#f', file: 'a.js', line: 1, calls: 10, repeats: 7, unkeyable: 0, totalMs: 3.5 };
  assert.equal(parseRuntimeMessage(JSON.stringify({ ...base, observed: [observed] })).ok, true);
  const bad = parseRuntimeMessage(JSON.stringify({ ...base, observed: [{ ...observed, calls: -1 }] }));
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.fault, 'bad-field');
  assert.equal(parseRuntimeMessage(JSON.stringify({ ...base, observed: {} })).ok, false);
});
