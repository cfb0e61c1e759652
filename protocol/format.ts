/**
 * How CacheLens writes its numbers, shared by the panel and the inline hints so that both say the
 * same thing the same way.
 */
import type { Counters } from './panel.js';

/** Hits / (hits + misses), or undefined before the first call. */
export function hitRatio(c: Pick<Counters, 'hits' | 'misses'>): number | undefined {
  const calls = c.hits + c.misses;
  return calls === 0 ? undefined : c.hits / calls;
}

/** Mean milliseconds a miss spent computing, or undefined before the first miss. */
export function meanMissMs(c: Pick<Counters, 'misses' | 'computeMs'>): number | undefined {
  return c.misses === 0 ? undefined : c.computeMs / c.misses;
}

/** `94%`; `—` when undefined. Rounds down so 99.6 % never reads as 100 %. */
export function formatPercent(ratio: number | undefined): string {
  return ratio === undefined ? '—' : `${Math.floor(ratio * 100)}%`;
}

/** `999`, `1.2k`, `3.4M`, `5.6G`. */
export function formatCount(n: number): string {
  if (Math.round(n) < 1000) return String(Math.round(n));
  const units: [number, string][] = [[1e3, 'k'], [1e6, 'M'], [1e9, 'G']];
  for (const [size, suffix] of units) {
    // 999 950 reads as 1M, not 1000k.
    if (n / size < 999.5 || suffix === 'G') return `${trim(n / size)}${suffix}`;
  }
  return String(n);
}

/** `850 ms`, `3.1 s`, `4.2 min`, `1.5 h`; `—` when undefined. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1) return `${trim(ms, 2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim(ms / 1000)} s`;
  if (ms < 3_600_000) return `${trim(ms / 60_000)} min`;
  return `${trim(ms / 3_600_000)} h`;
}

/** `512 B`, `1.2 KB`, `3.4 MB`, `5.6 GB` (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[1024 ** 3, 'GB'], [1024 ** 2, 'MB'], [1024, 'KB']];
  for (const [size, suffix] of units) {
    if (bytes >= size) return `${trim(bytes / size)} ${suffix}`;
  }
  return `${Math.round(bytes)} B`;
}

/** The inline hint: `⚡ 94% hits · 1.2k calls · 3.1 s saved`. */
export function hintText(c: Pick<Counters, 'hits' | 'misses' | 'savedMs'>): string {
  const calls = c.hits + c.misses;
  if (calls === 0) return '⚡ no calls yet';
  return `⚡ ${formatPercent(hitRatio(c))} hits · ${formatCount(calls)} calls · ${formatDuration(c.savedMs)} saved`;
}

/** The CodeLens's figures above a cached function: `96% hits · 1.2 s saved`; `no calls yet` before the first call. */
export function lensFigures(c: Pick<Counters, 'hits' | 'misses' | 'savedMs'>): string {
  if (c.hits + c.misses === 0) return 'no calls yet';
  return `${formatPercent(hitRatio(c))} hits · ${formatDuration(c.savedMs)} saved`;
}

/** The CodeLens's tooltip (plain text): every figure of the function, one a line. */
export function lensTooltip(row: Counters & { id: string; backend: string; backendType: string; entries: number; bytes: number; processes: number; health: 'ok' | 'degraded' }): string {
  return [
    `CacheLens · ${row.id} · ${row.backend} (${row.backendType})${row.health === 'degraded' ? ' · degraded: calls are answered as misses' : ''}`,
    `Hit ratio ${formatPercent(hitRatio(row))} · ${formatCount(row.hits)} hits · ${formatCount(row.misses)} misses · ${formatCount(row.errors)} errors`,
    `Time saved ${formatDuration(row.savedMs)} · mean miss ${formatDuration(meanMissMs(row))}`,
    `Holds ${formatCount(row.entries)} entries · ${formatBytes(row.bytes)} · ${row.processes} process${row.processes === 1 ? '' : 'es'}`,
    'Click to open the CacheLens panel.',
  ].join('\n');
}

function trim(value: number, digits = 1): string {
  const fixed = value.toFixed(value >= 100 ? 0 : digits);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
