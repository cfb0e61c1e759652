/**
 * One grammar of durations and sizes (`cachelens/units`, runtime/shared/units.js): the config
 * file's JSON Schema and the manifest carry its patterns, and every part that reads a duration or
 * a size (runtime, codemod, the quick pick, the schema, the settings) accepts exactly what it
 * accepts, with the values the table says.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import { DURATION_PATTERN, SIZE_PATTERN, durationMs, sizeBytes } from 'cachelens/units';
import { parseByteSize, parseDuration } from '../../../runtime/src/internal.js';
import { validateOptions } from '../../../extension/codemod/src/options.js';
import { validateTtl } from '../../../extension/src/option-values.js';
import { ROOT } from '../../harness/paths';

type Schema = { definitions: Record<string, { anyOf: { type?: string; pattern?: string }[] }> };
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'runtime', 'schema', 'cachelens.config.schema.json'), 'utf8')) as Schema;
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { pattern?: string }> } };
};
const validateConfig = new Ajv({ strict: false }).compile(schema);
const stringPattern = (def: string): string | undefined => schema.definitions[def]!.anyOf.find((a) => a.type === 'string' && a.pattern !== '\\$\\{')?.pattern;

/** Input -> milliseconds, 'none' (no expiry / no value) or 'invalid'. */
const durations: [unknown, number | 'none' | 'invalid'][] = [
  ['30s', 30_000], ['5m', 300_000], ['1.5h', 5_400_000], ['500ms', 500], ['1d', 86_400_000], ['1.5ms', 1.5],
  ['90', 90_000], ['2.5', 2_500], ['0', 'none'], ['0s', 'none'], ['0.0m', 'none'], ['', 'none'], ['  ', 'none'],
  [' 5 m ', 300_000], ['\t10s\t', 10_000], ['007s', 7_000],
  ['5M', 'invalid'], ['1H', 'invalid'], ['5 minutes', 'invalid'], ['5min', 'invalid'], ['-1s', 'invalid'], ['+5s', 'invalid'],
  ['1e3', 'invalid'], ['.5h', 'invalid'], ['5.', 'invalid'], ['5.m', 'invalid'], ['1h30m', 'invalid'], ['abc', 'invalid'],
  ['5mm', 'invalid'], ['5m\n', 'invalid'], ['Infinity', 'invalid'], ['\u0663s', 'invalid'], ['5\u00a0m', 'invalid'], ['s', 'invalid'],
  [30, 30_000], [1.5, 1_500], [0, 'none'], [Infinity, 'none'], [-1, 'invalid'], [NaN, 'invalid'], [true, 'invalid'],
];

/** Input -> bytes, 'none' or 'invalid'. */
const sizes: [unknown, number | 'none' | 'invalid'][] = [
  ['100KB', 102_400], ['1.5MB', 1_572_864], ['1GB', 1024 ** 3], ['1gb', 1024 ** 3], ['1Gb', 1024 ** 3], ['2TB', 2 * 1024 ** 4],
  ['64MiB', 64 * 1024 ** 2], ['1kib', 1024], ['1KIB', 1024], ['512', 512], ['512b', 512], ['512 B', 512], [' 10 MB ', 10 * 1024 ** 2],
  ['0.5KB', 512], ['0.001KB', 1], ['1.5', 1], ['0.5', 1], ['', 'none'], [' ', 'none'],
  ['0', 'invalid'], ['0KB', 'invalid'], ['0.0MB', 'invalid'], ['00', 'invalid'], ['-1KB', 'invalid'], ['1K', 'invalid'], ['1 K', 'invalid'],
  ['1KiBB', 'invalid'], ['1iB', 'invalid'], ['1PB', 'invalid'], ['1e3', 'invalid'], ['big', 'invalid'], ['1.MB', 'invalid'], ['MB', 'invalid'],
  [1024, 1024], [0, 'invalid'], [-1, 'invalid'], [NaN, 'invalid'], [false, 'invalid'],
];

const outcome = (r: number | undefined | { problem: string }): number | 'none' | 'invalid' =>
  r === undefined ? 'none' : typeof r === 'object' ? 'invalid' : r;

describe('the duration and size grammar', () => {
  test("the JSON Schema's and the manifest's patterns are the grammar's", () => {
    assert.equal(stringPattern('duration'), DURATION_PATTERN);
    assert.equal(stringPattern('byteSize'), SIZE_PATTERN);
    assert.equal(manifest.contributes.configuration.properties['cachelens.defaultTtl']!.pattern, DURATION_PATTERN);
  });

  test('durations: the parser gives the table, and accepts exactly what the pattern accepts', () => {
    const re = new RegExp(DURATION_PATTERN);
    for (const [input, expected] of durations) {
      assert.equal(outcome(durationMs(input)), expected, `durationMs(${JSON.stringify(input)})`);
      if (typeof input === 'string') assert.equal(re.test(input), expected !== 'invalid', `pattern on ${JSON.stringify(input)}`);
    }
  });

  test('sizes: the parser gives the table, and accepts exactly what the pattern accepts', () => {
    const re = new RegExp(SIZE_PATTERN);
    for (const [input, expected] of sizes) {
      assert.equal(outcome(sizeBytes(input)), expected, `sizeBytes(${JSON.stringify(input)})`);
      if (typeof input === 'string') assert.equal(re.test(input), expected !== 'invalid', `pattern on ${JSON.stringify(input)}`);
    }
  });

  test('every part accepts the same durations: runtime, schema, manifest, quick pick, codemod', () => {
    const setting = new RegExp(manifest.contributes.configuration.properties['cachelens.defaultTtl']!.pattern!);
    for (const [input, expected] of durations) {
      const ok = expected !== 'invalid';
      const what = JSON.stringify(input);
      assert.equal(outcome(parseDuration(input)), expected, `runtime parseDuration(${what})`);
      if (typeof input === 'number' && !Number.isFinite(input)) continue; // JSON has no NaN or Infinity
      assert.equal(validateConfig({ defaults: { ttl: input } }), ok, `schema on "ttl": ${what}`);
      if (typeof input !== 'string') continue;
      assert.equal(setting.test(input), ok, `setting cachelens.defaultTtl = ${what}`);
      assert.equal(validateTtl(input) === undefined, ok, `quick pick on ${what}`);
      // The codemod writes the ttl into code: it refuses a blank one (nothing to write) and else agrees.
      assert.equal(validateOptions({ ttl: input }) === undefined, ok && input.trim() !== '', `codemod on ttl ${what}`);
    }
  });

  test('every part accepts the same sizes: runtime, schema', () => {
    for (const [input, expected] of sizes) {
      const what = JSON.stringify(input);
      assert.equal(outcome(parseByteSize(input)), expected, `runtime parseByteSize(${what})`);
      if (typeof input === 'number' && !Number.isFinite(input)) continue;
      assert.equal(validateConfig({ defaults: { maxBytes: input } }), expected !== 'invalid', `schema on "maxBytes": ${what}`);
    }
  });

  test('docs/configuration.md writes out the same patterns', () => {
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'configuration.md'), 'utf8');
    assert.ok(docs.includes(DURATION_PATTERN), 'the duration pattern, verbatim');
    assert.ok(docs.includes(SIZE_PATTERN), 'the size pattern, verbatim');
  });
});
