/**
 * "Why did it miss?": a function's misses split by cause, and one sentence that says what to
 * change, computed from what the processes counted (`missCauses`, docs/protocol.md 3.1). Pure
 * (no DOM): the panel renders what this returns.
 */
import { LONGER_TTL_FACTORS, MISS_CAUSES, REUSE_BUCKET_BOUNDS_MS, type MissCause, type MissCauseCounts } from '../../protocol/panel.js';
import { formatDuration, formatPercent } from '../../protocol/format.js';

/** How each cause reads in the panel. */
export const CAUSE_LABELS: Record<MissCause, string> = {
  cold: 'first use',
  expired: 'expired',
  evicted: 'evicted (capacity)',
  invalidated: 'invalidated',
  bypassed: 'bypassed',
  notCacheable: 'not cacheable',
  unavailable: 'backend unavailable',
  unknown: 'unknown (shared backend)',
};

export interface MissShare {
  cause: MissCause;
  label: string;
  count: number;
  /** Of all classified misses, in [0, 1]. */
  share: number;
}

/** The causes that happened, largest first (ties in `MISS_CAUSES` order). */
export function missSplit(c: MissCauseCounts): MissShare[] {
  const total = MISS_CAUSES.reduce((sum, cause) => sum + c[cause], 0);
  if (total === 0) return [];
  return MISS_CAUSES.filter((cause) => c[cause] > 0)
    .map((cause) => ({ cause, label: CAUSE_LABELS[cause], count: c[cause], share: c[cause] / total }))
    .sort((a, b) => b.count - a.count);
}

/** `61% expired · 22% first use · 17% evicted (capacity)`; empty with no miss classified. */
export function splitText(c: MissCauseCounts): string {
  return missSplit(c).map((s) => `${formatPercent(s.share)} ${s.label}`).join(' · ');
}

/**
 * The median reuse interval of the expiration misses, from the buckets of `reuse` (the middle of
 * the median's bucket, geometrically: within a factor of 1.19 of the true median); undefined
 * without expiration misses.
 */
export function medianReuseMs(reuse: readonly number[] | undefined): number | undefined {
  if (reuse === undefined) return undefined;
  const total = reuse.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (let i = 0; i < reuse.length; i++) {
    seen += reuse[i]!;
    if (seen >= total / 2) {
      if (i === 0) return REUSE_BUCKET_BOUNDS_MS[0]! / 2;
      if (i >= REUSE_BUCKET_BOUNDS_MS.length) return REUSE_BUCKET_BOUNDS_MS[REUSE_BUCKET_BOUNDS_MS.length - 1]!;
      return Math.sqrt(REUSE_BUCKET_BOUNDS_MS[i - 1]! * REUSE_BUCKET_BOUNDS_MS[i]!);
    }
  }
  return undefined;
}

/** The longer TTL to suggest: the shortest that serves at least 80% of what the longest would. */
export function suggestedTtl(c: MissCauseCounts): { ttlMs: number; served: number } | undefined {
  const longer = c.longerTtl;
  if (c.ttlMs === undefined || c.ttlMs <= 0 || longer === undefined) return undefined;
  const best = Math.max(...longer);
  if (best === 0) return undefined;
  const i = longer.findIndex((n) => n >= 0.8 * best);
  return { ttlMs: c.ttlMs * LONGER_TTL_FACTORS[i]!, served: longer[i]! };
}

const exact = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * One sentence saying what to change, about the largest cause of misses (first uses are only
 * mentioned when they are most misses: nothing else to change then); undefined before any miss.
 */
export function missAdvice(c: MissCauseCounts): string | undefined {
  const split = missSplit(c);
  if (split.length === 0) return undefined;
  const actionable = split.find((s) => s.cause !== 'cold');
  const top = actionable !== undefined && !(split[0]!.cause === 'cold' && split[0]!.share >= 0.5) ? actionable : split[0]!;
  const pct = formatPercent(top.share);
  switch (top.cause) {
    case 'cold':
      return `${pct} of misses are first uses of a key: nothing to tune; the cache pays off as arguments repeat.`;
    case 'expired': {
      const median = medianReuseMs(c.reuse);
      const lives = c.ttlMs !== undefined ? ` but live ${formatDuration(c.ttlMs)}` : '';
      const reused = median !== undefined ? `entries are reused after a median of ${formatDuration(median)}${lives}` : 'entries expire before they are reused';
      const suggestion = suggestedTtl(c);
      if (suggestion !== undefined) {
        return `${pct} of misses are expirations: ${reused}; a TTL of ${formatDuration(suggestion.ttlMs)} would have turned ${exact(suggestion.served)} of those misses into hits.`;
      }
      if (c.ttlMs !== undefined && c.longerTtl !== undefined) {
        const longest = c.ttlMs * LONGER_TTL_FACTORS[LONGER_TTL_FACTORS.length - 1]!;
        return `${pct} of misses are expirations: ${reused}; even a TTL of ${formatDuration(longest)} would have served none of them, so a longer TTL would not help.`;
      }
      return `${pct} of misses are expirations: ${reused}; a longer TTL would turn some of them into hits.`;
    }
    case 'evicted':
      return `${pct} of misses are evictions: the cache is too small for the keys in use; raise max, or open What if? to see the hit ratio at other sizes.`;
    case 'invalidated':
      return `${pct} of misses follow an invalidation (delete, clear or the panel's Clear): entries are dropped before they are reused; delete the keys that changed rather than clearing everything.`;
    case 'bypassed':
      return `${pct} of misses are bypasses: cacheIf refused the previous result or a refresh skipped the cache; check the cacheIf predicate if that is more than you expect.`;
    case 'notCacheable':
      return `${pct} of misses are for results that could not be stored (an error, not serializable or too large): return plain data, raise maxValueBytes, or set cacheErrors to cache errors.`;
    case 'unavailable':
      return `${pct} of misses happened while the backend was unavailable (down, timing out or its breaker open): every call was computed meanwhile; check the backend's connection and timeouts.`;
    case 'unknown':
      return `${pct} of misses are unknown (shared backend): entries this process wrote were removed by another process or by the server itself; check the server's memory limit and eviction policy, and other processes' clears.`;
  }
}
