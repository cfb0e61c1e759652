/**
 * The CodeLens refresh (extension/src/lens-refresh.ts): `onDidChangeCodeLenses` fires when a
 * document's cached functions or the live figures change, only while a document shows lenses,
 * and at most once per interval. A manual timer stands in for setTimeout (no sleeping).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LENS_REFRESH_INTERVAL_MS, LensRefresh } from '../../../extension/src/lens-refresh.js';

function manualTimer() {
  let now = 0;
  let timers: { at: number; run: () => void; id: number }[] = [];
  let next = 1;
  return {
    setTimer: (run: () => void, ms: number) => {
      const id = next++;
      timers.push({ at: now + ms, run, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      timers = timers.filter((t) => t.id !== id);
    },
    /** Advances the clock by `ms`, running the timers that come due. */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.run();
      }
      now = until;
    },
    pending: () => timers.length,
  };
}

/**
 * A LensRefresh on the manual timer. `answerMs`: when set, VS Code's provider answers each refresh
 * that long after it fires (`shown` for document A with its lenses), as the real provider does.
 */
function setup(answerMs?: number) {
  const timer = manualTimer();
  let fired = 0;
  const refresh: LensRefresh = new LensRefresh(() => {
    fired++;
    if (answerMs !== undefined) timer.setTimer(() => refresh.shown(A, 2, ['src/prices.ts#getPrices']), answerMs);
  }, timer);
  return { timer, refresh, fired: () => fired };
}

const A = 'file:///app/src/prices.ts';
const B = 'file:///app/src/other.ts';

describe('CodeLens refresh', () => {
  test('live figures: one refresh per burst, after the interval, while a document shows lenses', () => {
    const { timer, refresh, fired } = setup();
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    for (let i = 0; i < 10; i++) refresh.figuresChanged();
    assert.equal(fired(), 0, 'not before the interval');
    timer.advance(LENS_REFRESH_INTERVAL_MS);
    assert.equal(fired(), 1);
    timer.advance(10_000);
    assert.equal(fired(), 1, 'nothing more without a change');
  });

  test('at most a few refreshes a second however often the figures change', () => {
    const { timer, refresh, fired } = setup(20);
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    for (let ms = 0; ms < 1000; ms += 10) {
      refresh.figuresChanged();
      timer.advance(10);
    }
    assert.ok(fired() >= 3 && fired() <= 4, `${fired()} refreshes in one second`);
  });

  test('no document shows a lens: figures change, nothing fires', () => {
    const { timer, refresh, fired } = setup();
    refresh.figuresChanged();
    refresh.shown(A, 0, []);
    refresh.figuresChanged();
    timer.advance(10_000);
    assert.equal(fired(), 0);
    assert.equal(timer.pending(), 0);
  });

  test('a closed document shows nothing any more', () => {
    const { timer, refresh, fired } = setup();
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    refresh.closed(A);
    refresh.figuresChanged();
    timer.advance(10_000);
    assert.equal(fired(), 0);
  });

  test('cached state: a document whose cached functions change refreshes; an edit that keeps them does not', () => {
    const { timer, refresh, fired } = setup();
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    refresh.documentChanged(A, ['src/prices.ts#getPrices']);
    timer.advance(10_000);
    assert.equal(fired(), 0, 'same cached functions: VS Code asks again on its own after an edit');
    refresh.documentChanged(A, ['src/prices.ts#getPrices', 'src/prices.ts#getRegions']);
    timer.advance(LENS_REFRESH_INTERVAL_MS);
    assert.equal(fired(), 1, 'a function was cached');
    refresh.shown(A, 4, ['src/prices.ts#getPrices', 'src/prices.ts#getRegions']); // the provider answers
    refresh.documentChanged(A, []);
    timer.advance(LENS_REFRESH_INTERVAL_MS);
    assert.equal(fired(), 2, 'caching was removed');
  });

  test('a document without lenses refreshes when it now declares a cached function, not on other edits', () => {
    const { timer, refresh, fired } = setup();
    refresh.documentChanged(B, []);
    timer.advance(10_000);
    assert.equal(fired(), 0);
    refresh.documentChanged(B, ['src/other.ts#f']);
    timer.advance(LENS_REFRESH_INTERVAL_MS);
    assert.equal(fired(), 1);
  });

  test('no second refresh before the provider answered the first (VS Code restarts its debounce on every event)', () => {
    const { timer, refresh, fired } = setup();
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    refresh.figuresChanged();
    timer.advance(LENS_REFRESH_INTERVAL_MS);
    assert.equal(fired(), 1);
    for (let ms = 0; ms < 3000; ms += 50) {
      refresh.figuresChanged();
      timer.advance(50);
    }
    assert.equal(fired(), 1, 'figures four times a second do not fire again while VS Code has not asked');
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    timer.advance(LENS_REFRESH_INTERVAL_MS);
    assert.equal(fired(), 2, 'the refresh asked for meanwhile goes out once the provider answered');
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    timer.advance(10_000);
    assert.equal(fired(), 2, 'nothing more without a change');
  });

  test('a refresh that gets no answer (the editor was hidden) stops waiting after 5 s', () => {
    const { timer, refresh, fired } = setup();
    refresh.shown(A, 2, ['src/prices.ts#getPrices']);
    refresh.figuresChanged();
    timer.advance(LENS_REFRESH_INTERVAL_MS);
    refresh.figuresChanged();
    timer.advance(4_000);
    assert.equal(fired(), 1);
    timer.advance(1_000 + LENS_REFRESH_INTERVAL_MS);
    assert.equal(fired(), 2);
  });

  test('dispose cancels a pending refresh', () => {
    const { timer, refresh, fired } = setup();
    refresh.shown(A, 1, ['src/prices.ts#getPrices']);
    refresh.figuresChanged();
    refresh.dispose();
    timer.advance(10_000);
    assert.equal(fired(), 0);
  });
});
