/**
 * String limits are Unicode code points (docs/protocol.md section 3), which every language counts
 * the same way: a Python runtime's `len(s)` and the JS validator must agree on every id.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_STRING_CODE_POINTS, parseRuntimeMessage, withinCodePoints } from '../../../runtime/src/protocol.js';

const hello = (app: string) => ({ v: 1, type: 'hello', instance: 'i-1', pid: 1, app, runtime: 'cachelens-py', runtimeVersion: '0.1.0', hostname: 'h', startedAt: 1 });
const functions = (id: string) => ({ v: 1, type: 'functions', functions: [{ id, backend: 'memory', backendType: 'memory', options: {} }] });

describe('string limits count code points', () => {
  test('4096 astral characters (8192 UTF-16 code units) are within the limit; 4097 are not', () => {
    const emoji = '\u{1F600}';
    assert.equal(MAX_STRING_CODE_POINTS, 4096);
    assert.equal(parseRuntimeMessage(JSON.stringify(hello(emoji.repeat(4096)))).ok, true, 'a Python runtime counts len() == 4096 and sends it');
    assert.equal(parseRuntimeMessage(JSON.stringify(functions(`app/x.py#${'é'.repeat(4096 - 9)}`))).ok, true);
    const over = parseRuntimeMessage(JSON.stringify(functions(emoji.repeat(4097))));
    assert.deepEqual(over.ok ? undefined : [over.fault, over.detail], ['bad-field', 'functions.functions: [0].id: a non-empty string of at most 4096 code points']);
  });

  test('ASCII at the limit and one past it; a lone surrogate is one code point', () => {
    assert.equal(parseRuntimeMessage(hello('a'.repeat(4096))).ok, true);
    assert.equal(parseRuntimeMessage(hello('a'.repeat(4097))).ok, false);
    assert.equal(withinCodePoints('\uD83D'.repeat(4096), 4096), true);
    assert.equal(withinCodePoints('\uD83D'.repeat(4097), 4096), false);
    assert.equal(withinCodePoints(`${'\u{1F600}'.repeat(4095)}ab`, 4096), false);
    assert.equal(withinCodePoints(`${'\u{1F600}'.repeat(4095)}a`, 4096), true);
  });
});
