// Every option, and every config-file value that reaches the same code, is checked where it enters:
// an odd value (0, negative, NaN, Infinity, 1e12, fractional, a huge string) is an error naming the
// option and its accepted range, or has a documented meaning and works. No accepted value makes
// the calls fail later (before: `max: 1e12` was accepted and every call threw
// `RangeError: Invalid typed array length`, the function never running).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, OptionsError, cacheOf, memoize } from '../../../runtime/src/index.js';
import { MAX_ENTRIES } from '../../../runtime/src/limits.js';
import { createTieredStore } from '../../../runtime/src/stores/tiered.js';
import type { StoreContext } from '../../../runtime/src/stores/types.js';
import { configFiles } from './helpers.js';

const huge = 'x'.repeat(5000);
/** [options, the option an OptionsError must name, a pattern of the accepted range in its message] */
const REFUSED: [Record<string, unknown>, string, RegExp][] = [
  [{ max: 0 }, 'max', /integer from 1 to 16777216 \(entries\), or Infinity/],
  [{ max: -1 }, 'max', /from 1 to 16777216/],
  [{ max: NaN }, 'max', /from 1 to 16777216.*got NaN/],
  [{ max: 1.5 }, 'max', /from 1 to 16777216/],
  [{ max: 1e12 }, 'max', /from 1 to 16777216.*got 1000000000000/],
  [{ max: MAX_ENTRIES + 1 }, 'max', /from 1 to 16777216/],
  [{ max: -Infinity }, 'max', /from 1 to 16777216/],
  [{ max: '100' }, 'max', /from 1 to 16777216.*got "100"/],
  [{ maxBytes: 0 }, 'maxBytes', /bytes/],
  [{ maxBytes: -1 }, 'maxBytes', /bytes/],
  [{ maxBytes: NaN }, 'maxBytes', /bytes/],
  [{ maxBytes: 0.5 }, 'maxBytes', /whole number of bytes >= 1.*or Infinity/],
  [{ maxBytes: 1024.5 }, 'maxBytes', /whole number of bytes >= 1/],
  [{ maxBytes: 'lots' }, 'maxBytes', /like "10MB"|such as "512KB"/],
  [{ ttl: -1 }, 'ttl', /seconds/],
  [{ ttl: NaN }, 'ttl', /seconds/],
  [{ ttl: 1e12 }, 'ttl', /at most 100 years \(3153600000 seconds, "36500d"\); for no expiry use 0 or Infinity/],
  [{ ttl: 1e300 }, 'ttl', /at most 100 years/],
  [{ ttl: '36501d' }, 'ttl', /at most 100 years/],
  [{ ttl: huge }, 'ttl', /seconds/],
  [{ ttl: 1, staleWhileRevalidate: -5 }, 'staleWhileRevalidate', /seconds/],
  [{ ttl: 1, staleWhileRevalidate: 1e12 }, 'staleWhileRevalidate', /at most 100 years/],
  [{ ttl: 1, staleWhileRevalidate: Infinity }, 'staleWhileRevalidate', /finite duration.*at most 100 years; leave it out or use 0 for none/],
  [{ id: '' }, 'id', /non-empty string of at most 4096 characters/],
  [{ id: huge }, 'id', /at most 4096 characters.*\(5002 characters\)/],
  [{ id: 7 }, 'id', /non-empty string/],
  [{ backend: '' }, 'backend', /non-empty string of at most 4096 characters/],
  [{ backend: huge }, 'backend', /at most 4096 characters/],
  [{ trace: { maxEntries: 0 } }, 'trace', /maxEntries must be an integer >= 1 and <= 16777216/],
  [{ trace: { maxEntries: 1.5 } }, 'trace', /maxEntries must be an integer >= 1 and <= 16777216/],
  [{ trace: { maxEntries: 1e12 } }, 'trace', /maxEntries must be an integer >= 1 and <= 16777216/],
  [{ trace: { sampleRate: 0 } }, 'trace', /sampleRate must be in \(0, 1\]/],
  [{ trace: { sampleRate: NaN } }, 'trace', /sampleRate must be in \(0, 1\]/],
  [{ trace: { sampleRate: 1.5 } }, 'trace', /sampleRate must be in \(0, 1\]/],
  [{ cacheErrors: 'yes' }, 'cacheErrors', /true or false/],
  [{ stampede: 1 }, 'stampede', /true or false/],
  [{ key: 'id' }, 'key', /function/],
  [{ cacheIf: true }, 'cacheIf', /function/],
  [{ clock: 5 }, 'clock', /function/],
];

/** Odd values with a documented meaning: accepted, and the calls work. */
const ACCEPTED: [string, Record<string, unknown>][] = [
  ['max: 1 (one entry)', { max: 1 }],
  ['max: Infinity (unbounded, memory)', { max: Infinity }],
  ['maxBytes: Infinity (no bound)', { maxBytes: Infinity }],
  ['maxBytes: Infinity on lru (no bound)', { maxBytes: Infinity, backend: 'lru' }],
  ['maxBytes: 1e12 (a bound never reached)', { maxBytes: 1e12, backend: 'lru' }],
  ['ttl: 0 (no expiry)', { ttl: 0 }],
  ['ttl: Infinity (no expiry)', { ttl: Infinity }],
  ['ttl: 0.0005 (half a millisecond)', { ttl: 0.0005 }],
  ['ttl: "36500d" (the longest)', { ttl: '36500d' }],
  ['staleWhileRevalidate: 0 (none)', { ttl: 1, staleWhileRevalidate: 0 }],
  ['id of 4096 characters', { id: 'i'.repeat(4096) }],
  ['trace: { maxEntries: 1, sampleRate: 1e-9 }', { trace: { maxEntries: 1, sampleRate: 1e-9 } }],
];

describe('memoize options: checked when memoize is called', () => {
  for (const [options, option, range] of REFUSED) {
    it(`refuses ${JSON.stringify(options, (_k, v: unknown) => (typeof v === 'string' && v.length > 20 ? `${v.length} chars` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))} naming \`${option}\` and its range`, () => {
      assert.throws(() => memoize((x: number) => x, options as never), (e: unknown) => {
        assert.ok(e instanceof OptionsError, String(e));
        assert.equal(e.option, option);
        assert.match(e.message, range);
        assert.ok(e.message.length < 600, `message of ${e.message.length} characters`);
        return true;
      });
    });
  }
  for (const [name, options] of ACCEPTED) {
    it(`accepts ${name}, and the function runs and caches`, () => {
      let calls = 0;
      const f = memoize((x: number) => { calls++; return x * 2; }, options as never);
      assert.equal(f(2), 4);
      assert.equal(f(2), 4);
      assert.equal(calls, 1);
      assert.equal(cacheOf(f).stats().hits, 1);
    });
  }
});

describe('config-file values that reach the same code', () => {
  const config = configFiles('cachelens-ranges-');
  const cases: [string, unknown, string, RegExp][] = [
    ['defaults.max: 1e12', { defaults: { max: 1e12 } }, '$.defaults.max', /from 1 to 16777216/],
    ['a memory entry\'s max: 1e12', { backends: { mem: { type: 'memory', max: 1e12 } }, defaults: { backend: 'mem' } }, '$.backends.mem.max', /from 1 to 16777216/],
    ['defaults.ttl: 1e300', { defaults: { ttl: 1e300 } }, '$.defaults.ttl', /at most 100 years/],
    ['an lru entry\'s maxBytes: 0.5', { backends: { small: { type: 'lru', maxBytes: 0.5 } }, defaults: { backend: 'small' } }, '$.backends.small.maxBytes', /whole number of bytes >= 1/],
    ['defaults.staleWhileRevalidate: 1e13', { defaults: { ttl: 1, staleWhileRevalidate: 1e13 } }, '$.defaults.staleWhileRevalidate', /at most 100 years/],
  ];
  for (const [name, content, jsonPath, range] of cases) {
    it(`${name}: a ConfigError naming ${jsonPath} and the range, and the function is not left half-working`, () => {
      config.use(content);
      let calls = 0;
      const f = memoize((x: number) => { calls++; return x; });
      assert.throws(() => f(1), (e: unknown) => e instanceof ConfigError && e.jsonPath === jsonPath && range.test(e.message));
      assert.equal(calls, 0);
    });
  }
});

describe('backend entries: timers and bounds', () => {
  const context = (): StoreContext => ({ namespace: 'ranges', events: { evicted: () => undefined }, now: () => 0 });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['l1.ttlMs: 1e12 (a sweep timer would fire every millisecond)', { l1: { ttlMs: 1e12 } }, /option "l1.ttlMs" must be a number of milliseconds from 1 to 2147483647/],
    ['l1.ttlMs: Infinity', { l1: { ttlMs: Infinity } }, /"l1.ttlMs" must be a number of milliseconds from 1 to 2147483647/],
    ['l1.ttlMs: 0', { l1: { ttlMs: 0 } }, /"l1.ttlMs"/],
    ['l1.max: 1e12', { l1: { max: 1e12 } }, /option "l1.max" must be an integer from 1 to 16777216/],
    ['l1.max: 0', { l1: { max: 0 } }, /"l1.max"/],
    ['l1.maxBytes: 0.5', { l1: { maxBytes: 0.5 } }, /option "l1.maxBytes" must be a whole number of bytes >= 1/],
    ['breaker.openMs: 1e12', { breaker: { openMs: 1e12 } }, /option "breaker.openMs" must be a number of milliseconds from 1 to 2147483647/],
    ['commandTimeoutMs: 1e12', { commandTimeoutMs: 1e12 }, /option "commandTimeoutMs" must be at most 2147483647 ms/],
    ['maxValueBytes: 0.5', { maxValueBytes: 0.5 }, /option "maxValueBytes" must be a whole number of bytes > 0/],
  ];
  for (const [name, extra, message] of cases) {
    it(`${name}: a BackendConfigError naming the option and its range`, () => {
      const config = { type: 'tiered', url: 'redis://127.0.0.1:9', lazyConnect: true, ...extra };
      assert.throws(() => createTieredStore(config, context()), (e: unknown) =>
        (e as Error).name === 'BackendConfigError' && message.test((e as Error).message));
    });
  }

  it('accepts l1.maxBytes as a size string', async () => {
    const store = createTieredStore({ type: 'tiered', url: 'redis://127.0.0.1:9', l1: { maxBytes: '1KB', ttlMs: 1000 }, commandTimeoutMs: 50, connectTimeoutMs: 50 }, context());
    await (store as { close(): Promise<void> }).close();
  });
});
