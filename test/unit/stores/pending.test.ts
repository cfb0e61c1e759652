// PendingInvalidations: what an unacknowledged clear or delete leaves pending, what a retry
// confirms, how requests coalesce, and the bound on pending deletes. The server is played by the
// `apply` callback (its contract: true when acknowledged); the real servers are in
// test/integration/stores/*invalidation.test.ts. Timers are node:test's fake timers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingInvalidations } from '../../../runtime/src/stores/remote/pending.js';

/** A server whose answers the test gives one by one. */
function server() {
  const calls: { all: boolean; keys: readonly string[]; retry: boolean; answer: (ok: boolean) => void }[] = [];
  const apply = (all: boolean, keys: readonly string[], retry: boolean) =>
    new Promise<boolean>((answer) => { calls.push({ all, keys, retry, answer }); });
  /** The `i`-th call (from 0); fails the test if the server was not called that often. */
  const call = (i: number) => {
    const made = calls[i];
    assert.ok(made, `the server was called ${i + 1} times or more (called ${calls.length})`);
    return made;
  };
  return { calls, apply, call };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('PendingInvalidations', () => {
  it('keeps an unacknowledged clear pending, blocks every key meanwhile, and retries it until acknowledged', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = server();
    const pending = new PendingInvalidations(s.apply, { minDelayMs: 50, maxDelayMs: 200, attemptTimeoutMs: 10_000 });
    const first = pending.attempt();
    assert.equal(s.calls.length, 1);
    assert.deepEqual([s.call(0).all, s.call(0).retry], [true, false], 'the first attempt is the caller\'s own');
    assert.equal(pending.blocks('any'), true, 'blocked from the moment it is asked, before the server answers');
    s.call(0).answer(false);
    assert.equal(await first, false, 'not confirmed');
    assert.equal(pending.pending, true);
    // Backoff: 50 ms, then 100, 200, 200...
    for (const [step, delay] of [[1, 50], [2, 100], [3, 200], [4, 200]] as const) {
      t.mock.timers.tick(delay - 1);
      await flush();
      assert.equal(s.calls.length, step, `no retry before ${delay} ms`);
      t.mock.timers.tick(1);
      await flush();
      assert.equal(s.calls.length, step + 1, `a retry after ${delay} ms`);
      assert.equal(s.call(step).retry, true);
      s.call(step).answer(step === 4);
      await flush();
    }
    assert.equal(pending.pending, false, 'confirmed by the acknowledged retry');
    assert.equal(pending.blocks('any'), false);
  });

  it('coalesces clears made while a retry runs into that retry, but not one it may have preceded', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = server();
    const pending = new PendingInvalidations(s.apply, { minDelayMs: 50, attemptTimeoutMs: 10_000 });
    const first = pending.attempt();
    s.call(0).answer(false);
    await first;
    t.mock.timers.tick(50);
    await flush();
    assert.equal(s.calls.length, 2, 'the retry is running');
    // Three clears while it runs: none calls the server itself, each says "not confirmed" at once.
    for (let i = 0; i < 3; i++) assert.equal(await pending.attempt(), false);
    assert.equal(s.calls.length, 2);
    // The running retry may have reached the server before these clears: it confirms only the first one.
    s.call(1).answer(true);
    await flush();
    assert.equal(s.calls.length, 3, 'one more attempt for the clears made during the retry (not three)');
    assert.equal(pending.pending, true);
    s.call(2).answer(true);
    await flush();
    assert.equal(pending.pending, false);
    assert.equal(s.calls.length, 3);
  });

  it('retries deletes as one batch, blocks only their keys, and turns more than maxKeys into a clear', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = server();
    const pending = new PendingInvalidations(s.apply, { minDelayMs: 50, attemptTimeoutMs: 10_000, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) pending.add(key);
    assert.equal(pending.blocks('a'), true);
    assert.equal(pending.blocks('z'), false, 'other keys are read as usual');
    t.mock.timers.tick(50);
    await flush();
    assert.deepEqual([s.calls.length, s.call(0).all, [...s.call(0).keys]], [1, false, ['a', 'b', 'c']], 'one retry for the three deletes');
    s.call(0).answer(false);
    await flush();
    pending.add('d'); // a fourth key: past maxKeys, the deletes become one clear
    assert.equal(pending.blocks('z'), true, 'a pending clear blocks every key');
    t.mock.timers.tick(100);
    await flush();
    assert.deepEqual([s.call(1).all, s.call(1).keys.length], [true, 0]);
    s.call(1).answer(true);
    await flush();
    assert.equal(pending.pending, false);
  });

  it('a delete made while a clear is pending does not ask the server and is confirmed with the clear', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = server();
    const pending = new PendingInvalidations(s.apply, { minDelayMs: 50, attemptTimeoutMs: 10_000 });
    const first = pending.attempt();
    s.call(0).answer(false);
    await first;
    let asked = false;
    assert.equal(await pending.delete('k', async () => { asked = true; return { removed: 1, confirmed: true }; }), 0);
    assert.equal(asked, false);
    t.mock.timers.tick(50);
    await flush();
    assert.equal(s.call(1).all, true);
    s.call(1).answer(true);
    await flush();
    assert.equal(pending.pending, false, 'the clear covered the delete requested before it');
  });

  it('gives up an attempt the server never answers after attemptTimeoutMs, and stops retrying once closed', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = server();
    const pending = new PendingInvalidations(s.apply, { minDelayMs: 50, attemptTimeoutMs: 500 });
    const first = pending.attempt();
    t.mock.timers.tick(500);
    assert.equal(await first, false, 'the hung attempt ends after attemptTimeoutMs');
    t.mock.timers.tick(50);
    await flush();
    assert.equal(s.calls.length, 2, 'and is retried');
    pending.close();
    t.mock.timers.tick(10_000);
    await flush();
    assert.equal(s.calls.length, 2, 'no retry after close');
  });
});
