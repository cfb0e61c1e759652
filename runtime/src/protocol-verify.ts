/**
 * What the `verify` option found for one function, as the runtime reports it (the optional
 * `verify` field of a function's statistics in the live protocol) and as the panel shows it: the
 * types, kept beside the protocol (plain TypeScript, no imports); the validator is `protocol.ts`'s
 * `verifySnapshot`.
 */
/** Most differing paths a diff carries. */
export const MAX_VERIFY_DIFF_PATHS = 5;

/** One differing place of a diff: the path and, on each side, the type (and the value when shown). */
export interface VerifyDiffPath {
  /** Where the values differ, from the returned value: `value.items[2].price`. */
  path: string;
  /** The cached side: its type (`number`, `string`, `Date`, `array(3)`, `absent`), then `: text` when values are shown. */
  cached: string;
  /** The side the re-run returned, the same way. */
  fresh: string;
}

/** The first cached/fresh pair that differed. */
export interface VerifyDiff {
  /** The first differing paths (at most `MAX_VERIFY_DIFF_PATHS`). */
  paths: VerifyDiffPath[];
  /** Whether the values are shown (`verifyShowValues`); when false, only paths and types are. */
  values: boolean;
}

/** The verify counters of one function (cumulative since the process started). */
export interface VerifySnapshot {
  /** Hits whose function was run again and compared. */
  checked: number;
  /** Of those, the ones whose fresh result differed from the value as it was cached. */
  differed: number;
  /** Re-runs that threw or rejected (not compared). */
  failed: number;
  /** Checks that found the cached value changed since it was cached (mutated by a caller). */
  mutated: number;
  /** The first differing pair, when one differed. */
  diff?: VerifyDiff;
}
