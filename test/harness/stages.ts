/**
 * What `test/run.ts` runs for a given `--only` list: the stages, and which of the steps before
 * them (prerequisites, build, lint and type-check) they need. Kept apart from run.ts, which
 * executes the plan, so that a unit test can check it without running anything.
 */

/** The test stages, in the order a full run takes them. */
export const STAGES = ['unit', 'build', 'integration', 'drill', 'python', 'e2e'] as const;
export type Stage = (typeof STAGES)[number];

/** The stages that run from the sources alone: no Debian packages, no Node 24, no build. */
const FROM_SOURCES: readonly Stage[] = ['unit'];

export interface RunPlan {
  /** test/harness/prereqs.sh (Debian packages, Node 24, code-server). */
  prerequisites: boolean;
  /** `npm run build` (the bundles, the runtime's dist/ and its tarball). */
  build: boolean;
  /** eslint and `tsc -b`: only in a full run. */
  checks: boolean;
  /** The test stages, in order. */
  stages: Stage[];
}

/**
 * The plan for `--only` values `only` (empty: everything). `hasPatch`: whether patch(1) is
 * installed, the one prerequisite the unit stage uses (the codemod's diffs are checked with it).
 * Throws on a value that is not a stage, naming the stages.
 */
export function planRun(only: readonly string[], hasPatch: boolean): RunPlan {
  const unknown = only.filter((stage) => !(STAGES as readonly string[]).includes(stage));
  if (unknown.length > 0) {
    throw new Error(`unknown stage ${unknown.map((s) => `"${s}"`).join(', ')} after --only; the stages are ${STAGES.join(', ')}`);
  }
  const stages = STAGES.filter((stage) => only.length === 0 || only.includes(stage));
  const build = stages.some((stage) => !FROM_SOURCES.includes(stage));
  return { prerequisites: build || !hasPatch, build, checks: only.length === 0, stages };
}
