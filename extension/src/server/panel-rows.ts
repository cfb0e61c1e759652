/**
 * Which function rows the panel already has, so that an update carries only the rows that changed
 * (a `patch`), not every row: the host's work per update is proportional to what changed. Free of
 * `vscode` (tested under plain Node and with the real panel bundle).
 *
 * The aggregator replaces a row object whenever its figures change and keeps it otherwise, so a
 * row is unchanged exactly when it is the same object as the one last sent.
 */
import type { FunctionRow } from '../../../protocol/panel.js';

/** A whole update is sent at least this often (in updates), so a lost message heals itself. */
export const FULL_UPDATE_EVERY = 40;

export class PanelRows {
  #sent = new Map<string, FunctionRow>();
  #sinceFull = Number.POSITIVE_INFINITY;
  /** Rows put in the last update or patch: the serialization work it costs. */
  lastSentRows = 0;

  /** Whether the next update must be whole (nothing sent yet, or the periodic whole update is due). */
  get fullDue(): boolean {
    return this.#sinceFull >= FULL_UPDATE_EVERY;
  }

  /** The panel received exactly `rows` (an `init` or `update`). */
  full(rows: readonly FunctionRow[]): void {
    this.#sent = new Map(rows.map((row) => [row.id, row]));
    this.#sinceFull = 0;
    this.lastSentRows = rows.length;
  }

  /** What to send so that the panel has `rows`: the rows not sent as they are now, and the ids gone. */
  patch(rows: readonly FunctionRow[]): { changed: FunctionRow[]; removed: string[] } {
    const changed: FunctionRow[] = [];
    const next = new Map<string, FunctionRow>();
    for (const row of rows) {
      next.set(row.id, row);
      if (this.#sent.get(row.id) !== row) changed.push(row);
    }
    const removed: string[] = [];
    for (const id of this.#sent.keys()) if (!next.has(id)) removed.push(id);
    this.#sent = next;
    this.#sinceFull++;
    this.lastSentRows = changed.length;
    return { changed, removed };
  }
}
