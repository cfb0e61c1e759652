/**
 * What the panel says about a function's `verify` figures: the sentences, computed from the
 * figures alone (pure, no DOM), so they are tested apart from rendering.
 */
import type { FunctionRow, VerifyDiffPath } from '../../protocol/panel.js';
import { formatCount } from '../../protocol/format.js';

/** What one function's checks found, in words. */
export interface VerifyFinding {
  id: string;
  /** `differed`: some checked hits differed; `mutated`: only mutation found; `ok`: every checked hit matched; `pending`: none checked yet. */
  level: 'differed' | 'mutated' | 'ok' | 'pending';
  /** The sentence about checked hits. */
  sentence: string;
  /** The sentence about mutation, when a check found the cached value changed. */
  mutation?: string;
  /** Re-runs that threw, when any. */
  failed?: string;
  /** The first differing pair's paths (redacted unless the user opted in). */
  diff?: VerifyDiffPath[];
  /** Whether the diff shows values; when false, a hint says how to see them. */
  values: boolean;
}

const plural = (n: number, one: string, many: string): string => `${formatCount(n)} ${n === 1 ? one : many}`;

/** The finding of one row, or undefined when the function does not verify. */
export function verifyFinding(row: FunctionRow): VerifyFinding | undefined {
  const v = row.verify;
  if (v === undefined) return undefined;
  const checked = plural(v.checked, 'checked hit', 'checked hits');
  let level: VerifyFinding['level'];
  let sentence: string;
  if (v.differed > 0) {
    level = 'differed';
    sentence = `${formatCount(v.differed)} of ${checked} differed: this function depends on something besides its arguments ` +
      '(time, a database row...). Shorten the TTL or stop caching it.';
  } else if (v.checked > 0) {
    level = v.mutated > 0 ? 'mutated' : 'ok';
    sentence = v.checked === 1 ? 'The one checked hit matched a fresh run.' : `All ${checked} matched a fresh run.`;
  } else {
    level = v.mutated > 0 ? 'mutated' : 'pending';
    sentence = 'No hit checked yet.';
  }
  const finding: VerifyFinding = { id: row.id, level, sentence, values: v.diff?.values ?? false };
  if (v.mutated > 0) {
    finding.mutation = `The cached value was mutated by a caller after caching (${plural(v.mutated, 'check', 'checks')} found it changed): ` +
      'every later hit returns the changed object. Return a copy, or freeze the value.';
  }
  if (v.failed > 0) finding.failed = `${plural(v.failed, 're-run', 're-runs')} threw and could not be compared.`;
  if (v.diff !== undefined && v.diff.paths.length > 0) finding.diff = v.diff.paths;
  return finding;
}

/** Findings for the rows that verify: those that differed first, then mutated, then by id. */
export function verifyFindings(rows: readonly FunctionRow[]): VerifyFinding[] {
  const order = { differed: 0, mutated: 1, ok: 2, pending: 3 } as const;
  const found: VerifyFinding[] = [];
  for (const row of rows) {
    const f = verifyFinding(row);
    if (f !== undefined) found.push(f);
  }
  return found.sort((a, b) => order[a.level] - order[b.level] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
