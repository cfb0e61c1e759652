// Every error the runtime throws at users is a CacheLensError with a stable code from the
// CacheLensErrorCode union, exported from the package's entry, and listed in the error table of
// docs/configuration.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as runtime from '../../../runtime/src/index.js';
import { BackendConfigError, CacheBackendError, CacheLensError, OptionsError, memoize, registerBackendType } from '../../../runtime/src/index.js';
import { MemoryStore } from '../../../runtime/src/internal.js';
import { ValueNotSerializableError, ValueTooLargeError, ValueUnreadableError } from '../../../runtime/src/stores/serialize.js';
import {
  BackendCircuitOpenError, BackendDependencyMissingError, BackendTimeoutError, BackendUnavailableError,
} from '../../../runtime/src/stores/remote/errors.js';
import { TraceRecorder, TraceRecorderOptionError } from '../../../runtime/src/simulate/recorder.js';
import { TraceError, UsageError } from '../../../runtime/src/simulate/errors.js';
import { configFiles } from './helpers.js';

const root = path.resolve(__dirname, '../../..');
/** The codes of the CacheLensErrorCode union, read from its source. */
function unionCodes(): string[] {
  const source = fs.readFileSync(path.join(root, 'runtime/src/errors.ts'), 'utf8');
  const union = /export type CacheLensErrorCode =([\s\S]*?);/.exec(source)![1]!;
  return [...union.matchAll(/'(CACHELENS_[A-Z_]+)'/g)].map((m) => m[1]!);
}

describe('the error root', () => {
  const config = configFiles('cachelens-errors-');

  it('a bad Redis node in the config: a BackendConfigError, which is a CacheLensError exported by the package', () => {
    config.use({ backends: { shared: { type: 'redis', cluster: ['no-port-here'] } } });
    let calls = 0;
    const f = memoize(async () => { calls++; return 1; }, { backend: 'shared', id: 'errors-bad-node' });
    assert.throws(() => f(), (e: unknown) => {
      assert.ok(e instanceof BackendConfigError, String(e));
      assert.ok(e instanceof CacheBackendError);
      assert.ok(e instanceof CacheLensError);
      assert.equal(e.code, 'CACHELENS_BACKEND_CONFIG');
      assert.equal(e.name, 'BackendConfigError');
      assert.match(e.message, /redis backend: option "cluster" has "no-port-here", expected "host:port"/);
      return true;
    });
    assert.equal(calls, 0);
    assert.equal(runtime.BackendConfigError, BackendConfigError);
  });

  it('every store, trace and usage error class is a CacheLensError with its code', () => {
    const made: [CacheLensError, string][] = [
      [new BackendConfigError('redis', 'url', 'is bad.'), 'CACHELENS_BACKEND_CONFIG'],
      [new BackendDependencyMissingError('redis', 'ioredis', new Error('x')), 'CACHELENS_BACKEND_DEPENDENCY_MISSING'],
      [new BackendTimeoutError('redis', 'GET', 500), 'CACHELENS_BACKEND_TIMEOUT'],
      [new BackendUnavailableError('redis', 'GET', new Error('down')), 'CACHELENS_BACKEND_UNAVAILABLE'],
      [new BackendCircuitOpenError('redis', 5, 1000), 'CACHELENS_BACKEND_CIRCUIT_OPEN'],
      [new ValueNotSerializableError('ns', 'a function'), 'CACHELENS_VALUE_NOT_SERIALIZABLE'],
      [new ValueTooLargeError('ns', 2, 1), 'CACHELENS_VALUE_TOO_LARGE'],
      [new ValueUnreadableError('bad byte'), 'CACHELENS_VALUE_UNREADABLE'],
      [new TraceRecorderOptionError('bad'), 'CACHELENS_TRACE_OPTION'],
      [new TraceError('CACHELENS_TRACE_FORMAT', 'a.trace', 4, false, 'bad'), 'CACHELENS_TRACE_FORMAT'],
      [new UsageError('--sizes: bad'), 'CACHELENS_USAGE'],
    ];
    const codes = unionCodes();
    for (const [error, code] of made) {
      assert.ok(error instanceof CacheLensError, error.name);
      assert.equal(error.code, code);
      assert.ok(codes.includes(code), `${code} is in CacheLensErrorCode`);
      assert.equal(error.name, error.constructor.name);
    }
    assert.throws(() => new TraceRecorder({ maxEntries: 0 }), (e: unknown) => e instanceof TraceRecorderOptionError && e instanceof CacheLensError);
  });

  it('bad arguments to the exported store and registration APIs are OptionsErrors', () => {
    const context = { namespace: 'n', events: { evicted: () => undefined }, now: () => 0 };
    assert.throws(() => new MemoryStore({ max: 0 }, context), (e: unknown) => e instanceof OptionsError && e.option === 'max');
    assert.throws(() => new MemoryStore({ max: 10, policy: 'nope' as never }, context), (e: unknown) => e instanceof OptionsError && e.option === 'policy');
    assert.throws(() => registerBackendType('', () => new MemoryStore({ max: 1 }, context)), (e: unknown) => e instanceof OptionsError && e.option === 'type');
    assert.throws(() => registerBackendType('x', 5 as never), (e: unknown) => e instanceof OptionsError && e.option === 'factory');
  });

  it('every code of CacheLensErrorCode is in the error table of docs/configuration.md', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Errors'), doc.indexOf('### Warnings'));
    for (const code of unionCodes()) assert.ok(table.includes(`\`${code}\``), `${code} is missing from the error table`);
  });

  it('every warning code emitted in runtime/src is in the warning table of docs/configuration.md', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    const table = doc.slice(doc.indexOf('### Warnings'));
    assert.ok(doc.includes('### Warnings'), 'configuration.md has a "Warnings" section');
    const emitted = warningCodes();
    assert.ok(emitted.includes('CACHELENS_CACHEIF') && emitted.includes('CACHELENS_TRACE_OPTION'), `the scan finds the warnings: ${emitted.join(', ')}`);
    for (const code of emitted) assert.match(table, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `${code} is missing from the warning table`);
  });
});

/**
 * The codes of every `process.emitWarning` in runtime/src: a literal `code: 'CACHELENS_...'` in
 * the call, the literal first argument of each call of a helper that passes its `code` parameter
 * on (memoize's `warnOnce`, called from any file of runtime/src), or an error's `.code` (a code of the union, so in the error table too).
 */
function warningCodes(): string[] {
  const codes = new Set<string>();
  const files = fs.readdirSync(path.join(root, 'runtime/src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const source = fs.readFileSync(path.join(root, 'runtime/src', file), 'utf8');
    for (const call of source.matchAll(/process\.emitWarning\(([^;]*?)\);/gs)) {
      const literal = /code: '(CACHELENS_[A-Z_]+)'/.exec(call[1]!)?.[1];
      if (literal !== undefined) { codes.add(literal); continue; }
      if (/code: \w+\.code\b/.test(call[1]!)) {
        const errorCodes = [...source.matchAll(/'(CACHELENS_[A-Z_]+)'/g)].map((m) => m[1]!).filter((c) => unionCodes().includes(c));
        assert.ok(errorCodes.length > 0, `${file}: a warning with an error's code, but no code of the union in the file`);
        errorCodes.forEach((c) => codes.add(c));
        continue;
      }
      assert.match(call[1]!, /\{ type: 'CacheLensWarning', code \}/, `${file}: a warning whose code this scan cannot read: ${call[0]}`);
      const helper = /function (\w+)\(code: string[^]*?$/.exec(source.slice(0, call.index))?.[1];
      assert.ok(helper !== undefined, `${file}: emitWarning with a \`code\` parameter outside a helper function`);
      // The helper's callers may live in other files of runtime/src (memoize/ is a folder).
      const uses = files.flatMap((other) => [...fs.readFileSync(path.join(root, 'runtime/src', other), 'utf8')
        .matchAll(new RegExp(`\\b${helper}\\('(CACHELENS_[A-Z_]+)'`, 'g'))].map((m) => m[1]!));
      assert.ok(uses.length > 0, `${file}: ${helper} is never called with a literal code`);
      uses.forEach((c) => codes.add(c));
    }
  }
  return [...codes].sort();
}
