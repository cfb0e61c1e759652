import { test } from 'node:test';
import assert from 'node:assert/strict';
import { purityHints } from '../../../extension/codemod/src/purity.js';

const source = `import { readFileSync } from 'node:fs';
import * as db from 'pg';
const http = require('node:http');
export function pure(a: number, b: number): number { return a + b; }
export function stamp(x: string) { return x + Date.now() + new Date().getTime() + performance.now(); }
export function roll() { return Math.random(); }
export const load = async (p: string) => readFileSync(p, 'utf8') + (await fetch(p)).status;
function query() { return db.query('select 1'); }
function serve() { return http.createServer(); }
class Counter {
  count = 0;
  next(by: number) {
    this.count += by;
    return this.count;
  }
  peek() { return this.count; }
}
`;

const kinds = (line: number) => purityHints(source, 'app.ts', line)?.map((h) => `${h.kind}: ${h.text}`);

test('purity hints: a pure function has none', () => {
  assert.deepEqual(kinds(4), []);
  assert.deepEqual(kinds(16), [], 'a method that only reads this');
});

test('purity hints: time, randomness, I/O and assignments to this, each said once', () => {
  assert.deepEqual(kinds(5), ['time: reads Date.now()', 'time: reads new Date()', 'time: reads performance.now()']);
  assert.deepEqual(kinds(6), ['random: calls Math.random()']);
  assert.deepEqual(kinds(7), ['io: uses node:fs', 'io: calls fetch()']);
  assert.deepEqual(kinds(8), ['io: uses pg']);
  assert.deepEqual(kinds(9), ['io: uses node:http']);
  assert.deepEqual(kinds(12), ['this: assigns this.count']);
  assert.deepEqual(kinds(13), ['this: assigns this.count'], 'a line inside the method finds the method');
});

test('purity hints: no function on the line, or not a source file', () => {
  assert.equal(purityHints(source, 'app.ts', 1), undefined);
  assert.equal(purityHints(source, 'app.py', 4), undefined);
});
