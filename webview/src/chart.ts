/**
 * The calls-per-second chart (uPlot, bundled): created once, fed new data in place, so updates
 * never flicker. Colours come from the theme's chart variables and follow theme changes.
 */
import uPlot from 'uplot';
import type { SeriesPoint } from './state.js';

/** The chart's time window, in seconds. */
const WINDOW_SECONDS = 60;

function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

export class CallsChart {
  #plot: uPlot | undefined;
  #points: readonly SeriesPoint[] = [];

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.#resize()).observe(container);
    // VS Code swaps body classes (vscode-light/dark/high-contrast) on a theme change.
    new MutationObserver(() => this.#rebuild()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  update(points: readonly SeriesPoint[]): void {
    this.#points = points;
    if (!this.#plot) this.#rebuild();
    else this.#plot.setData(this.#data());
  }

  #data(): uPlot.AlignedData {
    return [this.#points.map((p) => p.t / 1000), this.#points.map((p) => p.hits), this.#points.map((p) => p.misses)];
  }

  #rebuild(): void {
    this.#plot?.destroy();
    const fg = themeColor('--vscode-foreground', '#888');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.#plot = new uPlot(
      {
        width: Math.max(200, this.container.clientWidth),
        height: 180,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        // The last minute, ending at the newest point, whatever the number of points.
        scales: {
          x: { time: true, range: (_u, _min, max) => [max - WINDOW_SECONDS, max] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [axis, { ...axis, label: 'calls/s' }],
        series: [
          {},
          { label: 'hits/s', stroke: themeColor('--vscode-charts-green', '#388a34'), width: 2 },
          { label: 'misses/s', stroke: themeColor('--vscode-charts-red', '#e51400'), width: 2 },
        ],
      },
      this.#data(),
      this.container,
    );
  }

  #resize(): void {
    this.#plot?.setSize({ width: Math.max(200, this.container.clientWidth), height: 180 });
  }
}
