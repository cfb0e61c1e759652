// Every error the runtime throws at users is a CacheLensError with a stable code from the
// CacheLensErrorCode union, exported from the package's entry, and listed in the error table of
// docs/configuration.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as runtime from '../../../runtime/src/index.js';
import { BackendConfigError, CacheBackendError, CacheLensError, MemoryStore, OptionsError, memoize, registerBackendType } from '../../../runtime/src/index.js';
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
    const table = doc.slice(doc.indexOf('## Errors'));
    for (const code of unionCodes()) assert.ok(table.includes(`\`${code}\``), `${code} is missing from the error table`);
  });
});
