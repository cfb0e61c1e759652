import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FreeSlots, Lists } from '../../../runtime/src/policy/lists.js';
import { random } from './random.js';

/** The nodes of `list`, front to back, by following the links. */
function walk(lists: Lists, list: number): number[] {
  const out: number[] = [];
  const s = lists.sentinel(list);
  for (let n = lists.first(list); n !== s; n = lists.nextOf(n)) out.push(n);
  const back: number[] = [];
  for (let n = lists.last(list); n !== s; n = lists.prevOf(n)) back.push(n);
  assert.deepEqual(back.reverse(), out, 'the back links agree with the forward ones');
  return out;
}

test('Lists.grow and FreeSlots.grow: random pushes, moves and unlinks over a pool that doubles agree with arrays', () => {
  const next = random(11);
  let pool = 4;
  const lists = new Lists(pool, 3);
  const free = new FreeSlots(pool);
  const model: number[][] = [[], [], []];
  const where = new Map<number, number>(); // node -> its list
  for (let i = 0; i < 20_000; i++) {
    const op = next();
    const list = Math.floor(next() * 3);
    if (op < 0.01 && pool < 4096) {
      // Growth while some nodes are free (unlinked) and some lists may be empty.
      lists.grow(2 * pool);
      free.grow(2 * pool);
      pool *= 2;
    } else if (op < 0.5) {
      let n = free.take();
      if (n < 0) {
        lists.grow(2 * pool);
        free.grow(2 * pool);
        assert.equal((n = free.take()), pool, 'the first new node comes first');
        pool *= 2;
      }
      if (next() < 0.5) { lists.pushFront(list, n); model[list]!.unshift(n); } else { lists.pushBack(list, n); model[list]!.push(n); }
      where.set(n, list);
    } else if (where.size > 0) {
      const nodes = [...where.keys()];
      const n = nodes[Math.floor(next() * nodes.length)]!;
      const from = model[where.get(n)!]!;
      from.splice(from.indexOf(n), 1);
      if (op < 0.75) {
        lists.moveToFront(list, n);
        model[list]!.unshift(n);
        where.set(n, list);
      } else {
        lists.unlink(n);
        free.free(n);
        where.delete(n);
      }
    }
    if (i % 1000 === 0 || i === 19_999) for (let l = 0; l < 3; l++) assert.deepEqual(walk(lists, l), model[l], `list ${l} after ${i + 1} operations`);
  }
  assert.ok(pool >= 64, `the pool grew (to ${pool})`);
});
