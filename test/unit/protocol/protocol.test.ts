/** The runtime <-> extension protocol: what is accepted, and every class of what is dropped. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExtensionMessage, parseRuntimeMessage, type FunctionStats } from '../../../runtime/src/protocol.js';

const stats = (over: Partial<FunctionStats> = {}): FunctionStats => ({
  id: 'src/a.ts#f', hits: 3, misses: 1, errors: 0, evictions: { size: 0, expired: 0, explicit: 0 }, entries: 1, bytes: 40,
  computeMs: 12.5, savedMs: 37.5, staleServed: 0, backendErrors: 0, health: 'ok', ...over,
});
const hello = { v: 1, type: 'hello', instance: 'i-1', pid: 42, app: 'shop', runtime: 'cachelens-js', runtimeVersion: '0.1.0', hostname: 'h', startedAt: 1 };

describe('runtime -> extension messages', () => {
  test('accepts each valid message, from text or from a parsed value', () => {
    for (const m of [
      hello,
      { v: 1, type: 'functions', functions: [{ id: 'src/a.ts#f', backend: 'memory', backendType: 'memory', options: { ttl: '5m', max: 10, swr: false, tag: null }, location: { file: 'src/a.ts', line: 3 } }] },
      { v: 1, type: 'stats', seq: 1, at: 1000, stats: [stats()] },
      { v: 1, type: 'result', requestId: 'r1', ok: false, error: 'nope' },
    ]) {
      assert.deepEqual(parseRuntimeMessage(JSON.stringify(m)), { ok: true, message: m });
      assert.equal(parseRuntimeMessage(m).ok, true);
    }
  });

  test('ignores unknown extra fields (forward compatible)', () => {
    assert.equal(parseRuntimeMessage({ ...hello, future: [1] }).ok, true);
  });

  const cases: [string, unknown, string][] = [
    ['not-json', '{"v":1,', 'truncated JSON'],
    ['not-object', '[1,2]', 'an array'],
    ['not-object', 'null', 'null'],
    ['not-object', '"hello"', 'a string'],
    ['bad-version', { ...hello, v: 2 }, 'a future version'],
    ['bad-version', { ...hello, v: undefined }, 'no version'],
    ['unknown-type', { v: 1, type: 'explode' }, 'an unknown type'],
    ['unknown-type', { v: 1 }, 'no type'],
    ['unknown-type', { v: 1, type: 'toString' }, 'an inherited property name as type'],
    ['bad-field', { ...hello, pid: -1 }, 'a negative pid'],
    ['bad-field', { ...hello, pid: 1.5 }, 'a fractional pid'],
    ['bad-field', { ...hello, instance: '' }, 'an empty instance'],
    ['bad-field', { ...hello, app: 'x'.repeat(5000) }, 'an over-long string'],
    ['bad-field', { v: 1, type: 'functions', functions: {} }, 'functions not an array'],
    ['bad-field', { v: 1, type: 'functions', functions: [{ id: 'a', backend: 'm', backendType: 'm', options: { nested: {} } }] }, 'a non-scalar option'],
    ['bad-field', { v: 1, type: 'functions', functions: [{ id: 'a', backend: 'm', backendType: 'm', options: {}, location: { file: 'a', line: 'x' } }] }, 'a bad location'],
    ['bad-field', { v: 1, type: 'functions', functions: Array.from({ length: 501 }, () => ({ id: 'a', backend: 'm', backendType: 'm', options: {} })) }, 'too many entries'],
    ['bad-field', { v: 1, type: 'stats', seq: 1, at: 1, stats: [stats({ hits: Number.NaN })] }, 'a NaN counter'],
    ['bad-field', { v: 1, type: 'stats', seq: 1, at: 1, stats: [stats({ misses: -3 })] }, 'a negative counter'],
    ['bad-field', { v: 1, type: 'stats', seq: 1, at: 1, stats: [{ ...stats(), evictions: { size: 1 } }] }, 'incomplete evictions'],
    ['bad-field', { v: 1, type: 'stats', seq: 1, at: 1, stats: [{ ...stats(), health: 'fine' }] }, 'an unknown health'],
    ['bad-field', { v: 1, type: 'stats', at: 1, stats: [] }, 'a missing seq'],
    ['bad-field', { v: 1, type: 'result', requestId: 'r', ok: 'yes' }, 'a non-boolean ok'],
  ];
  for (const [fault, input, what] of cases) {
    test(`drops ${what} as ${fault}`, () => {
      const parsed = parseRuntimeMessage(typeof input === 'string' ? input : JSON.stringify(input));
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.equal(parsed.fault, fault);
        assert.ok(parsed.detail.length > 0);
      }
    });
  }

  test('a bad field names the field in the detail', () => {
    const parsed = parseRuntimeMessage({ v: 1, type: 'stats', seq: 1, at: 1, stats: [stats(), stats({ hits: -1 })] });
    assert.deepEqual(parsed, { ok: false, fault: 'bad-field', detail: 'stats.stats: [1].hits: a finite number >= 0' });
  });
});

describe('extension -> runtime messages', () => {
  test('accepts clear (one or all), delete-key, pause, resume', () => {
    for (const m of [
      { v: 1, type: 'clear', requestId: 'r', id: 'src/a.ts#f' },
      { v: 1, type: 'clear', requestId: 'r' },
      { v: 1, type: 'delete-key', requestId: 'r', id: 'src/a.ts#f', key: '[1]' },
      { v: 1, type: 'pause' },
      { v: 1, type: 'resume' },
    ]) assert.deepEqual(parseExtensionMessage(JSON.stringify(m)), { ok: true, message: m });
  });

  test('rejects a runtime message sent the wrong way and commands without a request id', () => {
    assert.equal(parseExtensionMessage(hello).ok, false);
    const noId = parseExtensionMessage({ v: 1, type: 'clear' });
    assert.equal(!noId.ok && noId.fault, 'bad-field');
    const noKey = parseExtensionMessage({ v: 1, type: 'delete-key', requestId: 'r', id: 'a' });
    assert.equal(!noKey.ok && noKey.fault, 'bad-field');
  });
});
