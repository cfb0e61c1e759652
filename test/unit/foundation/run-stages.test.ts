/**
 * What `npm test -- --only STAGE` runs before the tests (test/harness/stages.ts, which test/run.ts
 * executes): the unit stage runs from the sources, every other stage after the prerequisites and
 * the build, and a full run is everything in the order of the README.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../../harness/paths';
import { planRun, STAGES } from '../../harness/stages';

describe('test/run.ts stages', () => {
  test('--only unit: no prerequisites, no build, no lint, only the unit tests', () => {
    assert.deepEqual(planRun(['unit'], true), { prerequisites: false, build: false, checks: false, stages: ['unit'] });
  });

  test('--only unit on a machine without patch(1): the prerequisites install it, still no build', () => {
    assert.deepEqual(planRun(['unit'], false), { prerequisites: true, build: false, checks: false, stages: ['unit'] });
  });

  test('every other stage runs after the prerequisites and the build', () => {
    for (const stage of STAGES.filter((s) => s !== 'unit')) {
      assert.deepEqual(planRun([stage], true), { prerequisites: true, build: true, checks: false, stages: [stage] }, stage);
      assert.deepEqual(planRun(['unit', stage], true).stages, ['unit', stage], `unit + ${stage}, in the order of a full run`);
    }
  });

  test('a full run: everything, lint and type-check included, the stages in order', () => {
    assert.deepEqual(planRun([], true), {
      prerequisites: true, build: true, checks: true, stages: ['unit', 'build', 'integration', 'drill', 'python', 'e2e'],
    });
  });

  test('an unknown stage is refused, naming it and the stages', () => {
    assert.throws(() => planRun(['units'], true), /unknown stage "units" after --only; the stages are unit, build, integration, drill, python, e2e/);
  });

  test('no unit test reads what the build makes: those are in test/build', () => {
    // A path into dist/ (path.join(..., 'dist', ...) or runtime/dist) or a build run from a test.
    const needsBuild = /'dist'|runtime\/dist|'run', 'build'/;
    const unit = path.join(ROOT, 'test', 'unit');
    const offenders = fs.readdirSync(unit, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && path.basename(file) !== path.basename(__filename))
      .filter((file) => needsBuild.test(fs.readFileSync(path.join(unit, file), 'utf8')));
    assert.deepEqual(offenders, [], 'move these to test/build (the unit stage runs with no dist/)');
    const built = fs.readdirSync(path.join(ROOT, 'test', 'build')).filter((file) => file.endsWith('.test.ts'));
    assert.ok(built.every((file) => needsBuild.test(fs.readFileSync(path.join(ROOT, 'test', 'build', file), 'utf8'))), 'the pattern finds the build tests');
  });
});
