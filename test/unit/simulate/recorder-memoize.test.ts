/**
 * Tracing hooked into memoize: the `trace` option and `CACHELENS_TRACE` wrap a function's store
 * in a recorder of lookups (hits and misses alike); without them the store is used as is.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import Ajv from 'ajv';
import {
  CONFIG_FILE_NAME, ConfigError, loadConfigFile, memoize, registerBackendType, registry, reloadConfig, MISS, type AsyncStore, type SyncStore,
} from '../../../runtime/src/index.js';
import { hashKey } from '../../../runtime/src/key-hash.js';
import { recordingStore, traceOptionsFromEnvironment, TraceRecorder } from '../../../runtime/src/simulate/recorder.js';
import { rereadTraceEnvironment } from '../../../runtime/src/internal.js';

/** An in-process store that notes whether each lookup came through the recording wrapper. */
function probeStore(lookups: { wrapped: boolean }[]): SyncStore {
  const map = new Map<string | number, unknown>();
  return {
    sync: true, kind: 'probe', bytes: 0,
    get size() { return map.size; },
    get(key) {
      lookups.push({ wrapped: /recordingSync|recorder\.ts/.test(new Error().stack ?? '') });
      return map.has(key) ? map.get(key) : MISS;
    },
    set(key, value) { map.set(key, value); },
    has: (key) => map.has(key),
    delete: (key) => map.delete(key),
    clear: () => map.clear(),
  };
}

let lookups: { wrapped: boolean }[] = [];
registerBackendType('trace-probe', () => probeStore(lookups));

const savedEnv = process.env.CACHELENS_TRACE;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.CACHELENS_TRACE;
  else process.env.CACHELENS_TRACE = savedEnv;
  rereadTraceEnvironment();
  lookups = [];
});

describe('tracing in memoize', () => {
  it('trace: true records every lookup, hits and misses, in call order', () => {
    const double = memoize((x: number) => x * 2, { id: 'trace.test#double', trace: true });
    for (const x of [1, 1, 2, 1, 3]) double(x);
    const trace = registry.get('trace.test#double')!.trace!;
    assert.deepEqual([...trace.snapshot()], [1, 1, 2, 1, 3].map(hashKey));
    assert.equal(trace.seen, 5);
    assert.equal(double.name, '', 'the arrow function keeps its (empty) name');
  });

  it('records through every call shape: two strings, one object, a custom key', () => {
    const join = memoize((a: string, b: string) => a + b, { id: 'trace.test#join', trace: { maxEntries: 10 } });
    const byObject = memoize((o: { n: number }) => o.n, { id: 'trace.test#byObject', trace: true });
    const custom = memoize((user: { id: string }) => user.id.length, { id: 'trace.test#custom', key: (user) => user.id, trace: true });
    join('a', 'b'); join('a', 'b');
    byObject({ n: 1 }); byObject({ n: 1 });
    custom({ id: 'u1' }); custom({ id: 'u1' });
    for (const id of ['trace.test#join', 'trace.test#byObject', 'trace.test#custom']) {
      const keys = [...registry.get(id)!.trace!.snapshot()];
      assert.equal(keys.length, 2, `${id} records both calls`);
      assert.equal(keys[0], keys[1], `${id}: one key, recorded twice`);
    }
    assert.equal(registry.get('trace.test#custom')!.trace!.snapshot()[0], hashKey('u1'));
    assert.equal(registry.get('trace.test#join')!.trace!.maxEntries, 10);
  });

  it('costs nothing when off: the store is not wrapped and nothing is recorded', () => {
    const off = memoize((x: number) => x + 1, { id: 'trace.test#off', backend: 'trace-probe' });
    off(1); off(1);
    assert.equal(registry.get('trace.test#off')!.trace, undefined);
    assert.deepEqual(lookups, [{ wrapped: false }, { wrapped: false }]);
    lookups = [];
    const on = memoize((x: number) => x + 1, { id: 'trace.test#on', backend: 'trace-probe', trace: true });
    on(1); on(1);
    assert.deepEqual(lookups, [{ wrapped: true }, { wrapped: true }], 'the same probe sees the wrapper when tracing is on');
  });

  it('a promise stored in flight is not counted as a second lookup when it settles', async () => {
    const slow = memoize(async (x: number) => x, { id: 'trace.test#slow', trace: true });
    await slow(1);
    await slow(1);
    assert.deepEqual([...registry.get('trace.test#slow')!.trace!.snapshot()], [hashKey(1), hashKey(1)]);
  });

  it('on a shared (async) store, a call that joins a computation in flight is recorded like any lookup', async () => {
    const asyncStore = mapStore([], { health: 'ok' });
    registerBackendType('trace-async-probe', () => asyncStore);
    let runs = 0;
    const slow = memoize(async (x: number) => { runs++; await new Promise((r) => setTimeout(r, 5)); return x; },
      { id: 'trace.test#joined', backend: 'trace-async-probe', trace: true });
    assert.deepEqual(await Promise.all([slow(1), slow(1), slow(1)]), [1, 1, 1]);
    assert.equal(runs, 1, 'the second and third calls joined the first');
    assert.equal(await slow(1), 1);
    const info = registry.get('trace.test#joined')!;
    assert.equal(info.stats().hits, 3);
    const recorded = [...info.trace!.snapshot()];
    assert.equal(recorded.length, 4, 'one miss, two joins, one hit: four lookups');
    assert.ok(recorded.every((h) => h === recorded[0]), 'all of one key');
  });

  it('CACHELENS_TRACE=1 turns recording on for every function without the option; trace: false still turns it off', () => {
    process.env.CACHELENS_TRACE = 'maxEntries=20';
    rereadTraceEnvironment();
    const a = memoize((x: number) => x, { id: 'trace.test#envA' });
    const b = memoize((x: number) => x, { id: 'trace.test#envB', trace: false });
    a(1); b(1);
    assert.equal(registry.get('trace.test#envA')!.trace!.maxEntries, 20);
    assert.equal(registry.get('trace.test#envA')!.trace!.size, 1);
    assert.equal(registry.get('trace.test#envB')!.trace, undefined);
  });

  it('a bad CACHELENS_TRACE: one warning naming the variable, recording off, no throw', async () => {
    process.env.CACHELENS_TRACE = 'lots';
    rereadTraceEnvironment();
    const warnings: Error[] = [];
    const listen = (w: Error) => warnings.push(w);
    process.on('warning', listen);
    try {
      const f = memoize((x: number) => x, { id: 'trace.test#bad1' });
      const g = memoize((x: number) => x, { id: 'trace.test#bad2' });
      assert.equal(f(1), 1);
      assert.equal(g(2), 2);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(registry.get('trace.test#bad1')!.trace, undefined);
      const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'CACHELENS_TRACE_OPTION');
      assert.equal(ours.length, 1);
      assert.match(ours[0]!.message, /CACHELENS_TRACE="lots"/);
      assert.match(ours[0]!.message, /Recording stays off/);
    } finally {
      process.off('warning', listen);
    }
  });

  it('reads the environment it is given: off, on, options', () => {
    assert.equal(traceOptionsFromEnvironment({}), undefined);
    assert.deepEqual(traceOptionsFromEnvironment({ CACHELENS_TRACE: 'on' }), {});
    assert.deepEqual(traceOptionsFromEnvironment({ CACHELENS_TRACE: 'sampleRate=0.5' }), { sampleRate: 0.5 });
  });

  it('a bad trace option throws OptionsError naming it when memoize is called', () => {
    assert.throws(() => memoize((x: number) => x, { trace: { sampleRate: 0 } }), { code: 'CACHELENS_OPTIONS', message: /`trace` sampleRate must be in \(0, 1\]/ });
    assert.throws(() => memoize((x: number) => x, { trace: { size: 3 } as never }), { message: /`trace.size` is not a trace option/ });
    assert.throws(() => memoize((x: number) => x, { trace: 'yes' as never }), { message: /`trace` must be true, false or/ });
  });
});

describe('tracing from cachelens.config.json (defaults.trace)', () => {
  const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../runtime/schema/cachelens.config.schema.json'), 'utf8')) as object;
  const bySchema = new Ajv({ allErrors: true, strict: false }).compile(schema);
  function configFile(content: unknown): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-trace-')), CONFIG_FILE_NAME);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  }

  it('defaults.trace turns recording on for functions without the option; the option still wins', () => {
    const previous = process.env.CACHELENS_CONFIG;
    delete process.env.CACHELENS_TRACE;
    rereadTraceEnvironment();
    process.env.CACHELENS_CONFIG = configFile({ defaults: { trace: { maxEntries: 30, sampleRate: 0.5 } } });
    reloadConfig();
    try {
      const a = memoize((x: number) => x, { id: 'trace.config#a' });
      memoize((x: number) => x, { id: 'trace.config#b', trace: false });
      a(1);
      const trace = registry.get('trace.config#a')!.trace!;
      assert.equal(trace.maxEntries, 30);
      assert.equal(trace.sampleRate, 0.5);
      assert.equal(registry.get('trace.config#b')!.trace, undefined);
    } finally {
      if (previous === undefined) delete process.env.CACHELENS_CONFIG;
      else process.env.CACHELENS_CONFIG = previous;
      reloadConfig();
    }
  });

  it('accepts true, false and the two options; rejects anything else with its JSON path (the schema too)', () => {
    for (const trace of [true, false, { maxEntries: 10 }, { sampleRate: 1 }]) {
      assert.deepEqual(loadConfigFile(configFile({ defaults: { trace } })).defaults.trace, trace);
      assert.equal(bySchema({ defaults: { trace } }), true, JSON.stringify(trace));
    }
    const bad: [unknown, string, RegExp][] = [
      ['yes', '$.defaults.trace', /expected true, false or/],
      [{ sampleRate: 0 }, '$.defaults.trace.sampleRate', /sampleRate must be in \(0, 1\]/],
      [{ maxEntries: 1.5 }, '$.defaults.trace.maxEntries', /maxEntries must be an integer >= 1/],
      [{ size: 3 }, '$.defaults.trace.size', /unknown property/],
    ];
    for (const [trace, jsonPath, message] of bad) {
      assert.throws(() => loadConfigFile(configFile({ defaults: { trace } })), (e: unknown) => e instanceof ConfigError && e.jsonPath === jsonPath && message.test(e.message), JSON.stringify(trace));
      assert.equal(bySchema({ defaults: { trace } }), false, `the schema rejects ${JSON.stringify(trace)} too`);
    }
  });
});

/** An asynchronous store over a Map, with `extra` members (peek, settled, size, ...). */
function mapStore(entries: [string, unknown][], extra: Partial<AsyncStore>): AsyncStore {
  const map = new Map(entries);
  return {
    sync: false, kind: 'remote',
    get: async (key) => (map.has(key) ? map.get(key) : MISS),
    set: async (key, value) => { map.set(key, value); },
    has: async (key) => map.has(key),
    delete: async (key) => map.delete(key),
    clear: async () => map.clear(),
    close: async () => undefined,
    ...extra,
  };
}

describe('the recording store wrapper', () => {
  it('records on peek only when an async store has one (memoize asks peek, then get on a peek miss)', async () => {
    const settled: AsyncStore['settled'] = { keyOf: (key) => key, get: () => MISS };
    const store = mapStore([['held', 1]], { kind: 'two-tier', peek: (key) => (key === 'held' ? 1 : MISS), settled });
    const recorder = new TraceRecorder();
    const traced = recordingStore(store, recorder);
    assert.equal(traced.peek!('held'), 1);
    assert.equal(traced.peek!('other'), MISS);
    assert.equal(await traced.get('other'), MISS);
    assert.deepEqual([...recorder.snapshot()], [hashKey('held'), hashKey('other')]);
    assert.equal(traced.lock, undefined, 'no lock is invented');
    assert.equal(traced.settled, undefined, 'the settled tier is not forwarded: its hits would not be recorded');
  });

  it('records on get for an async store without peek, and delegates the rest', async () => {
    const recorder = new TraceRecorder();
    const traced = recordingStore(mapStore([], { size: 7 }), recorder);
    await traced.set('k', 1, {});
    assert.equal(await traced.get('k'), 1);
    assert.equal(await traced.has('k'), true);
    assert.equal(traced.size, 7);
    assert.equal(traced.peek, undefined);
    assert.deepEqual([...recorder.snapshot()], [hashKey('k')]);
  });
});
