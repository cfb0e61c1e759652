/**
 * Each policy class replays its simulations through its own compiled copy of the replayer (so V8
 * can inline the policy's `hit` and `miss`), and that copy decides exactly as the shared one does,
 * which is also what runs where code generation from strings is disabled.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { mix32 } from '../../../runtime/src/key-hash.js';
import { CANDIDATES, createCandidate } from '../../../runtime/src/policy/adaptive-candidates.js';
import { replayerFor, Shadow, ShadowIndex, SHARED_REPLAYER } from '../../../runtime/src/policy/adaptive-shadow.js';
import { random, zipf } from './random.js';

test('every policy class has a replayer of its own, compiled once', () => {
  const replayers = CANDIDATES.map((name) => replayerFor(createCandidate(name, 100)));
  assert.equal(new Set(replayers).size, CANDIDATES.length);
  assert.equal(new Set(replayers.map((r) => r.replay)).size, CANDIDATES.length, 'distinct functions, so distinct type feedback');
  for (const r of replayers) assert.notEqual(r, SHARED_REPLAYER);
  CANDIDATES.forEach((name, i) => assert.equal(replayerFor(createCandidate(name, 5)), replayers[i]));
});

test('a shadow replaying through its class\'s replayer decides as one replaying through the shared one', () => {
  for (const name of CANDIDATES) {
    for (const capacity of [1, 7, 200]) {
      const [a, b] = [new ShadowIndex(), new ShadowIndex()];
      const own = new Shadow(createCandidate(name, capacity), a);
      const shared = new Shadow(createCandidate(name, capacity), b, SHARED_REPLAYER);
      const next = random(capacity * 7 + name.length);
      const rank = zipf(3 * capacity + 10, 0.9, next);
      const batch = new Int32Array(32);
      const other = new Int32Array(32);
      for (let round = 0; round < 400; round++) {
        if (next() < 0.5) {
          // One access, as the exact regime's leader replays them.
          const hash = mix32(rank() + 1);
          const [ra, rb] = [a.enter(hash), b.enter(hash)];
          assert.equal(own.access(ra), shared.access(rb), `${name} at ${capacity}, round ${round}: the slot`);
          assert.equal(own.lastHit, shared.lastHit);
          assert.equal(own.evictedLink, shared.evictedLink);
          a.leave(Int32Array.of(ra), 1);
          b.leave(Int32Array.of(rb), 1);
        } else {
          const count = 1 + Math.floor(next() * 32);
          for (let j = 0; j < count; j++) {
            const hash = mix32(rank() + 1);
            batch[j] = a.enter(hash);
            other[j] = b.enter(hash);
          }
          assert.equal(own.replay(batch, count), shared.replay(other, count), `${name} at ${capacity}, round ${round}: the hits`);
          a.leave(batch, count);
          b.leave(other, count);
        }
      }
      assert.deepEqual([...own.ranks()], [...shared.ranks()], `${name} at ${capacity}: what each holds, in order`);
    }
  }
});

test('without code generation from strings the adaptive policy decides as with it', () => {
  const script = `
    const { createBoundedCache } = require('./runtime/src/policy/index.ts');
    const out = [];
    for (const max of [50, 1000, 5000]) {
      const cache = createBoundedCache('adaptive', { max });
      let s = max, hits = 0;
      for (let i = 0; i < 60000; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const k = (s >>> 8) % (i % 20000 < 10000 ? 3 * max : 30 * max);
        if (cache.get(k) !== undefined) hits++; else cache.set(k, i);
      }
      out.push(hits);
    }
    process.stdout.write(JSON.stringify(out));`;
  const run = (flags: string[]): number[] => {
    const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', '-e', script], { cwd: path.resolve(__dirname, '../../..'), encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout) as number[];
  };
  const compiled = run([]);
  assert.ok(compiled.every((hits) => hits > 0), JSON.stringify(compiled));
  assert.deepEqual(run(['--disallow-code-generation-from-strings']), compiled);
});
