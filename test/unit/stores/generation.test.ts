// A function's generation as one process knows it: a read that was in flight when a clear (or
// another process's message) set a newer generation must not bring the older one back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenerationCache } from '../../../runtime/src/stores/remote/generation.js';

test('a generation read that started before a clear does not overwrite the cleared generation', async () => {
  let answer: (value: string) => void = () => undefined;
  const cache = new GenerationCache(1000, () => new Promise<string | undefined>((resolve) => { answer = resolve; }));
  const first = cache.current() as Promise<string | undefined>; // the server is asked: "4" is on its way
  cache.update('5'); // meanwhile our own clear (INCR) answered "5"
  answer('4');
  assert.equal(await first, '5');
  assert.equal(cache.value, '5', 'the clear stands');
  assert.equal(cache.current(), '5');
});

test('a read with no clear in between is taken', async () => {
  const cache = new GenerationCache(1000, async () => '7');
  assert.equal(await cache.current(), '7');
  assert.equal(cache.current(), '7');
});
