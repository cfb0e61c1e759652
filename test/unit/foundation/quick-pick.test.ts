/**
 * The entries of the "Cache this function" quick pick (issue 15, item 12): the Promise warning is
 * on its own line (a description that long is cut off), values stay in ascending order with the
 * current one preselected where it stands, and "Backend default" says what it means.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backendChoices, ttlOrder, valueChoices } from '../../../extension/src/option-values';

const sizes = (current: number | undefined) =>
  valueChoices({
    choices: [100, 1000, 10000],
    current,
    order: (n) => n,
    choiceDescription: 'entries',
    none: { label: 'Backend default', description: 'no limit for this function: the backend\'s own "max" applies' },
    custom: { description: 'type a number of entries' },
  });

describe('quick pick entries', () => {
  test('sizes are in ascending order whatever the current value, which is preselected in place', () => {
    for (const current of [1000, 100, 10000, 500, 50_000]) {
      const choices = sizes(current);
      const numbers = choices.map((c) => c.value).filter((v): v is number => typeof v === 'number');
      assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), `current ${current}`);
      assert.deepEqual(choices.filter((c) => c.active).map((c) => c.value), [current]);
      assert.match(choices.find((c) => c.active)!.description ?? '', /^default/);
    }
  });

  test('TTLs are in ascending order of duration, a custom current one included', () => {
    const choices = valueChoices({ choices: ['30s', '5m', '1h', '1d'], current: '90s', order: ttlOrder, choiceDescription: undefined, none: { label: 'No expiry', description: '' }, custom: { description: '' } });
    assert.deepEqual(choices.slice(0, 5).map((c) => c.value), ['30s', '90s', '5m', '1h', '1d']);
  });

  test('"Backend default" says what it means, and is preselected when no size is set', () => {
    const none = sizes(undefined).find((c) => c.label === 'Backend default')!;
    assert.ok(none.active);
    assert.match(none.description ?? '', /backend's own "max"/);
  });

  test('the Promise warning is on its own line (detail), only on backends that would make promises', () => {
    const choices = backendChoices({ backend: 'memory', named: [{ name: 'shared', type: 'redis' }], makesPromises: (b) => b === 'redis' || b === 'shared', configFileName: 'cachelens.config.json' });
    const warned = choices.filter((c) => c.detail !== undefined).map((c) => c.value);
    assert.deepEqual(warned.sort(), ['redis', 'shared']);
    for (const c of choices) assert.doesNotMatch(c.description ?? '', /Promise/, `${c.label}: the description stays short`);
    assert.deepEqual(choices.filter((c) => c.active).map((c) => c.value), ['memory']);
    assert.deepEqual(choices.map((c) => c.value), ['shared', 'memory', 'lru', 'disk', 'redis', 'memcached'], 'a fixed order: named, then built-in');
  });
});
