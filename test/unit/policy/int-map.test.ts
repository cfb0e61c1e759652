import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntMap } from '../../../runtime/src/policy/int-map.js';
import { random } from './random.js';

test('IntMap: 200,000 random set/get/getOrReserve/delete operations agree with a Map, through growth and backward-shift deletes', () => {
  const next = random(7);
  const map = new IntMap(4); // grows several times
  const reference = new Map<number, number>();
  // Few distinct keys, so probe runs collide, wrap around the table and get deleted from the middle.
  for (let i = 0; i < 200_000; i++) {
    const key = Math.floor(next() * 3000) * 0x10001 & 0x3fffffff;
    const op = next();
    if (op < 0.45) {
      map.set(key, i);
      reference.set(key, i);
    } else if (op < 0.65) {
      assert.equal(map.delete(key), reference.delete(key));
    } else if (op < 0.7) {
      // Find-or-insert in one probe: the value when present, else -1 and an entry to fill.
      const found = map.getOrReserve(key);
      assert.equal(found, reference.get(key) ?? -1);
      if (found < 0) {
        map.fillReserved(i);
        reference.set(key, i);
      }
    } else if (op < 0.75) {
      // Conditional delete: only when the key holds this value.
      const value = next() < 0.5 ? (reference.get(key) ?? 7) : -5;
      const expected = reference.get(key) === value;
      if (expected) reference.delete(key);
      assert.equal(map.deleteIf(key, value), expected);
    } else {
      assert.equal(map.get(key), reference.get(key) ?? -1);
      assert.equal(map.has(key), reference.has(key));
    }
    assert.equal(map.size, reference.size);
  }
  for (const [key, value] of reference) assert.equal(map.get(key), value);
  map.clear();
  assert.equal(map.size, 0);
  for (const key of reference.keys()) assert.equal(map.get(key), -1);
});

test('IntMap: key 0 and the largest 30-bit key are ordinary keys', () => {
  const map = new IntMap();
  map.set(0, 5);
  map.set(0x3fffffff, 6);
  assert.deepEqual([map.get(0), map.get(0x3fffffff), map.get(1)], [5, 6, -1]);
  assert.equal(map.delete(0), true);
  assert.deepEqual([map.get(0), map.get(0x3fffffff), map.size], [-1, 6, 1]);
});
