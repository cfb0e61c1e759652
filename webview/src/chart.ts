/**
 * The calls-per-second chart (uPlot, bundled): created once, fed new data in place, so updates
 * never flicker. Colours come from the theme's chart variables and follow theme changes.
 */
import uPlot from 'uplot';
import type { WhatIfCurve } from '../../protocol/panel.js';
import { chartData, type ChartData } from './chart-data.js';
import type { SeriesPoint } from './state.js';

function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

export class CallsChart {
  #plot: uPlot | undefined;
  #data: ChartData = chartData([], Date.now());

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.#resize()).observe(container);
    // VS Code swaps body classes (vscode-light/dark/high-contrast) on a theme change.
    new MutationObserver(() => this.#rebuild()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** `now`: ms since the epoch of the newest figures; the time axis ends there (or at the newest point). */
  update(points: readonly SeriesPoint[], now: number): void {
    this.#data = chartData(points, now);
    if (!this.#plot) this.#rebuild();
    else this.#plot.setData(this.#aligned());
  }

  #aligned(): uPlot.AlignedData {
    return [this.#data.xs, this.#data.hits, this.#data.misses];
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
        // Labels only: a live legend read "Time: --" whenever the pointer was elsewhere.
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        // The last minute up to the newest figures, even with no point yet (never 1970).
        scales: {
          x: { time: true, range: () => this.#data.window },
          y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 0)] },
        },
        // Time of day only: uPlot's second row of dates collides with itself in a narrow panel.
        axes: [{ ...axis, space: 70, values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })) }, { ...axis, label: 'calls/s' }],
        // The time window drawn, on the element (seconds since the epoch): what the axis shows, readable by tests.
        hooks: { draw: [(u) => Object.assign(this.container.dataset, { xMin: String(u.scales.x!.min), xMax: String(u.scales.x!.max) })] },
        series: [
          {},
          { label: 'hits/s', stroke: themeColor('--vscode-charts-green', '#388a34'), width: 2, spanGaps: false },
          { label: 'misses/s', stroke: themeColor('--vscode-charts-red', '#e51400'), width: 2, spanGaps: false },
        ],
      },
      this.#aligned(),
      this.container,
    );
  }

  #resize(): void {
    this.#plot?.setSize({ width: Math.max(200, this.container.clientWidth), height: 180 });
  }
}

/**
 * The what-if chart: hit ratio (%) over cache sizes (log scale), one line per policy, with a
 * dashed line at the function's current max. Rebuilt for each new curve (a few times a session).
 */
export class WhatIfChart {
  #plot: uPlot | undefined;
  #curve: WhatIfCurve | undefined;

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.#plot?.setSize({ width: this.#width(), height: 220 })).observe(container);
    new MutationObserver(() => this.#rebuild()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** Shows `curve` (undefined: nothing). The same curve again is a no-op. */
  update(curve: WhatIfCurve | undefined): void {
    if (curve === this.#curve) return;
    this.#curve = curve;
    this.#rebuild();
  }

  #width(): number {
    return Math.max(240, Math.min(900, this.container.clientWidth));
  }

  #rebuild(): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    const curve = this.#curve;
    if (!curve) return;
    const fg = themeColor('--vscode-foreground', '#888');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const marker = themeColor('--vscode-charts-yellow', '#bf8803');
    const colors = [themeColor('--vscode-charts-blue', '#1a85ff'), themeColor('--vscode-charts-orange', '#d18616')];
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const max = curve.max;
    const drawMax = (u: uPlot): void => {
      if (max === null) return;
      const x = u.valToPos(max, 'x', true);
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = marker;
      ctx.fillStyle = marker;
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.font = `${12 * devicePixelRatio}px ${getComputedStyle(document.body).fontFamily}`;
      ctx.fillText(`max ${max.toLocaleString('en-US')}`, x + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
      ctx.restore();
    };
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: 220,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, distr: 3, range: (_u, min, max) => [min, max] }, y: { range: [0, 100] } },
        axes: [{ ...axis, label: 'cache size (entries)' }, { ...axis, label: 'hits %', values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
        series: [
          { label: 'size', value: (_u, v) => (v == null ? '' : v.toLocaleString('en-US')) },
          ...curve.series.map((s, i) => ({
            label: s.label, stroke: colors[i % colors.length]!, width: 2, points: { show: false },
            value: (_u: uPlot, v: number | null) => (v == null ? '' : `${v.toFixed(1)}%`),
          })),
        ],
        hooks: { draw: [drawMax] },
      },
      [curve.sizes, ...curve.series.map((s) => s.hitRatios.map((r) => r * 100))],
      this.container,
    );
  }
}
