/**
 * What the calls-per-second chart draws, from the view state's points: the x values in seconds,
 * the two series with a `null` wherever two points are further apart than `GAP_MS` (uPlot breaks
 * a line at a null, so an idle stretch between two runs, or a time the panel was hidden, shows as
 * a gap, never as a line drawn across it), and the time window: the last minute up to `now`, so
 * the axis shows the current time even before the first point. Pure: tested without a DOM.
 */
import { GAP_MS, type SeriesPoint } from './state.js';

/** The chart's time window, in seconds. */
export const WINDOW_SECONDS = 60;

export interface ChartData {
  /** Seconds since the Unix epoch. */
  xs: number[];
  hits: (number | null)[];
  misses: (number | null)[];
  /** The x range to show, in seconds: [end - WINDOW_SECONDS, end]. */
  window: [number, number];
}

/** `now`: ms since the epoch of the newest figures (the host's clock); the window ends there or at the newest point, whichever is later. */
export function chartData(points: readonly SeriesPoint[], now: number): ChartData {
  const xs: number[] = [];
  const hits: (number | null)[] = [];
  const misses: (number | null)[] = [];
  let previous: SeriesPoint | undefined;
  for (const point of points) {
    if (previous && point.t - previous.t > GAP_MS) {
      // A point of its own between the two, with no value: the line stops and starts again.
      xs.push((previous.t + point.t) / 2000);
      hits.push(null);
      misses.push(null);
    }
    xs.push(point.t / 1000);
    hits.push(point.hits);
    misses.push(point.misses);
    previous = point;
  }
  const end = Math.max(now, previous?.t ?? 0) / 1000;
  return { xs, hits, misses, window: [end - WINDOW_SECONDS, end] };
}
