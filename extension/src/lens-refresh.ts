/**
 * When the CacheLens CodeLenses must be asked for again (`onDidChangeCodeLenses`): when the cached
 * state of a document changes (the set of cached functions its text declares, by their `id`
 * options) and when the live figures change, only while some open document shows a CacheLens (or,
 * for a document's change, when that document shows or would now show one), and at most once per
 * `intervalMs` (a burst of changes gives one refresh at its end). VS Code asks again by itself
 * after an edit; this covers what it cannot see: the figures, and a change of cached state made
 * while the lenses were being computed. No vscode here (tests run it under plain Node with a
 * manual timer); cache-lens.ts connects it to the provider's event.
 *
 * After a refresh it waits for the provider's answer (`shown`) before it fires again. VS Code
 * debounces the event by its measure of the provider's past durations (more than a second after a
 * slow first analysis) and restarts that wait on every new event: figures of a busy app, changing
 * four times a second, postponed the lenses for as long as the app ran (seen: 45 s, and CI's
 * e2e never saw its figures). A refresh asked for meanwhile is made once the answer comes, or after
 * `answerTimeoutMs` when none comes (the document's editor was hidden, say).
 */

/** Most refreshes: one per 250 ms (four a second). */
export const LENS_REFRESH_INTERVAL_MS = 250;

export interface LensRefreshOptions {
  /** Shortest time between two refreshes, in ms. Default LENS_REFRESH_INTERVAL_MS. */
  intervalMs?: number;
  /** How long a refresh waits for the provider's answer before the next may fire, in ms. Default 5000. */
  answerTimeoutMs?: number;
  /** The timer (default setTimeout/clearTimeout); tests pass a manual one. */
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export class LensRefresh {
  /** Documents that show CacheLenses now (uri -> the cached ids their lenses were computed from). */
  readonly #showing = new Map<string, string>();
  readonly #intervalMs: number;
  readonly #answerTimeoutMs: number;
  readonly #setTimer: (run: () => void, ms: number) => unknown;
  readonly #clearTimer: (timer: unknown) => void;
  #pending: unknown;
  /** A refresh fired and the provider has not answered yet: the timer that gives up waiting. */
  #awaiting: unknown;
  /** A refresh was asked for while one awaited its answer. */
  #again = false;

  constructor(
    private readonly fire: () => void,
    options: LensRefreshOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? LENS_REFRESH_INTERVAL_MS;
    this.#answerTimeoutMs = options.answerTimeoutMs ?? 5000;
    this.#setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.#clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /** The provider computed `count` lenses for `uri`, from a text whose cached ids are `cachedIds`. */
  shown(uri: string, count: number, cachedIds: readonly string[]): void {
    if (count > 0) this.#showing.set(uri, signature(cachedIds));
    else this.#showing.delete(uri);
    this.#answered();
  }

  /** The document was closed: it shows nothing any more. */
  closed(uri: string): void {
    this.#showing.delete(uri);
  }

  /** The text of `uri` changed and now declares `cachedIds`: refresh when that differs from what its lenses show. */
  documentChanged(uri: string, cachedIds: readonly string[]): void {
    const shown = this.#showing.get(uri);
    const now = signature(cachedIds);
    if (shown === undefined ? now !== '' : shown !== now) this.#schedule();
  }

  /** The live figures changed: refresh when some document shows lenses. */
  figuresChanged(): void {
    if (this.#showing.size > 0) this.#schedule();
  }

  #schedule(): void {
    if (this.#awaiting !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#pending !== undefined) return;
    this.#pending = this.#setTimer(() => {
      this.#pending = undefined;
      this.#awaiting = this.#setTimer(() => this.#answered(), this.#answerTimeoutMs);
      this.fire();
    }, this.#intervalMs);
  }

  /** The provider answered (or the wait for it ended): a refresh asked for meanwhile goes out now. */
  #answered(): void {
    if (this.#awaiting === undefined) return;
    this.#clearTimer(this.#awaiting);
    this.#awaiting = undefined;
    if (this.#again) {
      this.#again = false;
      this.#schedule();
    }
  }

  dispose(): void {
    if (this.#pending !== undefined) this.#clearTimer(this.#pending);
    if (this.#awaiting !== undefined) this.#clearTimer(this.#awaiting);
    this.#pending = undefined;
    this.#awaiting = undefined;
    this.#again = false;
    this.#showing.clear();
  }
}

function signature(ids: readonly string[]): string {
  return [...ids].sort().join('\n');
}
