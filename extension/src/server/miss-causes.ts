/**
 * The miss causes of a function summed over the processes that report them (the optional
 * `missCauses` of a function stats entry, docs/protocol.md 3.1): the same rules as the other
 * counters (cumulative, the latest figures per stream, a count that goes down is a reset whose last
 * figures are kept as a base), kept apart from the aggregator's fixed counters because a runtime
 * may not send them at all. Pure data.
 */
import { LONGER_TTL_FACTORS, MISS_CAUSES, REUSE_BUCKET_BOUNDS_MS, type MissCauseCounts } from '../../../runtime/src/protocol.js';

/** One stream's miss causes of one function: its latest figures and what its resets folded in. */
export interface StreamCauses {
  last?: MissCauseCounts;
  base?: MissCauseCounts;
}

const REUSE = REUSE_BUCKET_BOUNDS_MS.length + 1;
const LONGER = LONGER_TTL_FACTORS.length;

function add(a: number, b: number): number {
  return Math.min(Number.MAX_VALUE, a + b);
}

function addLists(a: readonly number[] | undefined, b: readonly number[] | undefined, length: number): number[] | undefined {
  if (a === undefined && b === undefined) return undefined;
  return Array.from({ length }, (_, i) => add(a?.[i] ?? 0, b?.[i] ?? 0));
}

/** `a + b`, cause by cause and bucket by bucket (`ttlMs`: the larger). */
export function addCauses(a: MissCauseCounts | undefined, b: MissCauseCounts | undefined): MissCauseCounts | undefined {
  if (a === undefined) return b === undefined ? undefined : addCauses(b, zero());
  if (b === undefined) return a;
  const sum = Object.fromEntries(MISS_CAUSES.map((cause) => [cause, add(a[cause], b[cause])])) as unknown as MissCauseCounts;
  const ttl = Math.max(a.ttlMs ?? -1, b.ttlMs ?? -1);
  if (ttl >= 0) sum.ttlMs = ttl;
  const reuse = addLists(a.reuse, b.reuse, REUSE);
  if (reuse) sum.reuse = reuse;
  const longer = addLists(a.longerTtl, b.longerTtl, LONGER);
  if (longer) sum.longerTtl = longer;
  return sum;
}

function zero(): MissCauseCounts {
  return Object.fromEntries(MISS_CAUSES.map((cause) => [cause, 0])) as unknown as MissCauseCounts;
}

/** Whether some count of `next` is lower than in `last` (the stream started counting again). */
function wentDown(last: MissCauseCounts, next: MissCauseCounts): boolean {
  if (MISS_CAUSES.some((cause) => next[cause] < last[cause])) return true;
  const lower = (a: readonly number[] | undefined, b: readonly number[] | undefined) => a !== undefined && a.some((v, i) => (b?.[i] ?? 0) < v);
  return lower(last.reuse, next.reuse) || lower(last.longerTtl, next.longerTtl);
}

/** A stream's new figures (`undefined`: it sent none this time, the last ones stay). */
export function updateCauses(held: StreamCauses, next: MissCauseCounts | undefined): void {
  if (next === undefined) return;
  if (held.last !== undefined && wentDown(held.last, next)) held.base = addCauses(held.base, held.last);
  held.last = next;
}

/** What a stream contributes to the totals. */
export function totalOf(held: StreamCauses | undefined): MissCauseCounts | undefined {
  return held === undefined ? undefined : addCauses(held.base, held.last);
}
