/**
 * The `verify` figures of a function row: each process's latest counts (cumulative) added up,
 * with the first diff any of them reported. Pure data, beside the aggregator.
 */
import type { VerifySnapshot } from '../../../runtime/src/protocol-verify.js';

/** `total` plus one process's figures (`total` undefined: none yet). Saturates like the counters. */
export function addVerify(total: VerifySnapshot | undefined, next: VerifySnapshot): VerifySnapshot {
  if (total === undefined) return { ...next };
  const add = (a: number, b: number): number => Math.min(a + b, Number.MAX_VALUE);
  const sum: VerifySnapshot = {
    checked: add(total.checked, next.checked),
    differed: add(total.differed, next.differed),
    failed: add(total.failed, next.failed),
    mutated: add(total.mutated, next.mutated),
  };
  const diff = total.diff ?? next.diff;
  if (diff !== undefined) sum.diff = diff;
  return sum;
}
