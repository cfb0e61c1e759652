/**
 * The panel's view state and its reducer: a pure function from (state, action) to state, so the
 * panel's behaviour (sorting, filtering, selection, the chart's series) is tested without a DOM.
 */
import { emptySnapshot, parseHostToPanel, type FunctionRow, type LivePatch, type LiveSnapshot, type WhatIfView } from '../../protocol/panel.js';
import { hitRatio, meanMissMs } from '../../protocol/format.js';

export const SORT_COLUMNS = ['id', 'ratio', 'hits', 'misses', 'errors', 'entries', 'bytes', 'missMs', 'savedMs', 'processes'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

/** One point of the chart: calls per second over the interval that ended at `t` (ms since epoch). */
export interface SeriesPoint {
  t: number;
  hits: number;
  misses: number;
}

/** Most points kept in the chart (two minutes at one point a second). */
export const MAX_POINTS = 120;

export interface ViewState {
  snapshot: LiveSnapshot;
  sort: { column: SortColumn; descending: boolean };
  filter: string;
  /** The function the chart and breakdown follow; null for all functions. */
  selected: string | null;
  series: SeriesPoint[];
  /** The totals behind the last point, to turn the next totals into rates. */
  last?: { at: number; hits: number; misses: number };
  notice?: { level: 'info' | 'error'; text: string };
  /** The what-if view on show (one function at a time), until closed; `requestId`: the question it answers. */
  whatIf?: { id: string; requestId: number; view: WhatIfView };
}

export type Action =
  | { type: 'snapshot'; snapshot: LiveSnapshot }
  | { type: 'patch'; patch: LivePatch }
  | { type: 'sort'; column: SortColumn }
  | { type: 'filter'; text: string }
  | { type: 'select'; id: string | null }
  | { type: 'notice'; level: 'info' | 'error'; text: string }
  | { type: 'dismiss-notice' }
  /** The panel asks for the what-if view of `id` (question `requestId`, larger than any before). */
  | { type: 'whatif-ask'; id: string; requestId: number }
  /** The host's answer (computing, or the result) to question `requestId`. */
  | { type: 'whatif'; id: string; requestId: number; view: WhatIfView }
  | { type: 'close-whatif' };

export function initialState(): ViewState {
  return { snapshot: emptySnapshot(), sort: { column: 'hits', descending: true }, filter: '', selected: null, series: [] };
}

export function reduce(state: ViewState, action: Action): ViewState {
  switch (action.type) {
    case 'snapshot':
      return withPoint({ ...state, snapshot: action.snapshot }, action.snapshot);
    case 'patch': {
      const snapshot = applyPatch(state.snapshot, action.patch);
      return withPoint({ ...state, snapshot }, snapshot);
    }
    case 'sort': {
      const same = state.sort.column === action.column;
      // A new column starts in its natural order: names A-Z, numbers largest first.
      const descending = same ? !state.sort.descending : action.column !== 'id';
      return { ...state, sort: { column: action.column, descending } };
    }
    case 'filter':
      return { ...state, filter: action.text };
    case 'select': {
      if (action.id === state.selected) return state;
      const next: ViewState = { ...state, selected: action.id, series: [] };
      delete next.last;
      return next;
    }
    case 'notice':
      return { ...state, notice: { level: action.level, text: action.text } };
    case 'dismiss-notice': {
      const next = { ...state };
      delete next.notice;
      return next;
    }
    case 'whatif-ask':
      return { ...state, whatIf: { id: action.id, requestId: action.requestId, view: { state: 'computing', text: '' } } };
    case 'whatif':
      // Only an answer to the question asked last is shown: a late answer to an earlier question
      // (for this function or another), or one that comes after the view was closed, is dropped.
      if (state.whatIf?.requestId !== action.requestId || state.whatIf.id !== action.id) return state;
      return { ...state, whatIf: { id: action.id, requestId: action.requestId, view: action.view } };
    case 'close-whatif': {
      const next = { ...state };
      delete next.whatIf;
      return next;
    }
  }
}

/** The snapshot with a patch applied: changed rows replace theirs (new ones are added at the end), removed ids go. */
export function applyPatch(previous: LiveSnapshot, patch: LivePatch): LiveSnapshot {
  const rows = new Map(previous.functions.map((row) => [row.id, row]));
  for (const id of patch.removed) rows.delete(id);
  for (const row of patch.changed) rows.set(row.id, row);
  const { changed: _changed, removed: _removed, ...rest } = patch;
  return { ...rest, functions: [...rows.values()] };
}

/** Shortest interval a point of the chart covers, in ms: rates over shorter spans jitter with batch timing. */
export const MIN_POINT_INTERVAL_MS = 1000;
/**
 * Longest interval one point may cover, in ms. The host sends figures every second while the
 * panel shows; a longer silence (the panel hidden or reloaded, the host busy) is a gap in the
 * chart: no point averages the calls over it, and the line breaks there (chart-data.ts).
 */
export const GAP_MS = 5000;

function withPoint(state: ViewState, snapshot: LiveSnapshot): ViewState {
  const totals = totalsOf(snapshot.functions, state.selected);
  const last = state.last;
  if (last && snapshot.at > last.at && snapshot.at - last.at < MIN_POINT_INTERVAL_MS) return state;
  const next: ViewState = { ...state, last: { at: snapshot.at, ...totals } };
  // After a gap these totals are the start of a new stretch of the series, not the end of a point.
  if (!last || snapshot.at <= last.at || snapshot.at - last.at > GAP_MS) return next;
  const seconds = (snapshot.at - last.at) / 1000;
  // A total that went down (a process forgotten) is a restart of the series, not negative traffic.
  const point: SeriesPoint = {
    t: snapshot.at,
    hits: Math.max(0, totals.hits - last.hits) / seconds,
    misses: Math.max(0, totals.misses - last.misses) / seconds,
  };
  next.series = [...state.series, point].slice(-MAX_POINTS);
  return next;
}

function totalsOf(rows: readonly FunctionRow[], id: string | null): { hits: number; misses: number } {
  let hits = 0;
  let misses = 0;
  for (const row of rows) {
    if (id !== null && row.id !== id) continue;
    hits += row.hits;
    misses += row.misses;
  }
  // Rows are finite, their sum may not be: cap it so that a rate is never NaN.
  return { hits: Math.min(hits, Number.MAX_VALUE), misses: Math.min(misses, Number.MAX_VALUE) };
}

/** The value a column sorts by. */
export function sortValue(row: FunctionRow, column: SortColumn): number | string {
  switch (column) {
    case 'id':
      return row.id;
    case 'ratio':
      return hitRatio(row) ?? -1;
    case 'missMs':
      return meanMissMs(row) ?? -1;
    default:
      return row[column];
  }
}

/** The table's rows: filtered (case-insensitive, on id, backend and file) and sorted (ties by id). */
export function visibleRows(state: ViewState): FunctionRow[] {
  const needle = state.filter.trim().toLowerCase();
  const rows = needle
    ? state.snapshot.functions.filter((r) => `${r.id} ${r.backend} ${r.backendType} ${r.location?.file ?? ''}`.toLowerCase().includes(needle))
    : [...state.snapshot.functions];
  const { column, descending } = state.sort;
  const sign = descending ? -1 : 1;
  return rows.sort((a, b) => {
    const x = sortValue(a, column);
    const y = sortValue(b, column);
    const order = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y) : (x as number) - (y as number);
    return order !== 0 ? sign * order : a.id.localeCompare(b.id);
  });
}

/** What survives a reload (vscode.setState): the user's choices and the last figures shown. */
export type PersistedState = Pick<ViewState, 'snapshot' | 'sort' | 'filter' | 'selected' | 'series'>;

export function persist(state: ViewState): PersistedState {
  return { snapshot: state.snapshot, sort: state.sort, filter: state.filter, selected: state.selected, series: state.series };
}

/** Restores what `persist` saved; anything unrecognised falls back to the initial state's value. */
export function restore(saved: unknown): ViewState {
  const state = initialState();
  if (typeof saved !== 'object' || saved === null) return state;
  const s = saved as Partial<Record<keyof PersistedState, unknown>>;
  const sort = s.sort as { column?: unknown; descending?: unknown } | undefined;
  if (sort && SORT_COLUMNS.includes(sort.column as SortColumn) && typeof sort.descending === 'boolean') {
    state.sort = { column: sort.column as SortColumn, descending: sort.descending };
  }
  if (typeof s.filter === 'string') state.filter = s.filter;
  if (typeof s.selected === 'string') state.selected = s.selected;
  if (Array.isArray(s.series)) {
    state.series = s.series
      .filter((p): p is SeriesPoint => typeof p === 'object' && p !== null && [p.t, p.hits, p.misses].every((n) => typeof n === 'number'))
      .slice(-MAX_POINTS);
  }
  // The last figures are shown until the host's first message replaces them, if they still validate.
  const parsed = parseHostToPanel({ v: 1, type: 'update', state: s.snapshot });
  if (parsed?.type === 'update') state.snapshot = parsed.state;
  return state;
}
