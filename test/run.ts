/**
 * `npm test`: everything, in order, and one closing line `N passed, N failed` for the whole run.
 *   prerequisites (Debian packages, Node 24, code-server; idempotent) -> build -> lint -> type-check
 *   -> package the .vsix -> unit tests -> build tests (the built bundles and packages)
 *   -> integration tests (real redis-server/memcached)
 *   -> fault drills (test/drill: servers SIGKILLed/SIGSTOPped under load, the disk store killed
 *      mid-write and on a full or read-only filesystem, the editor killed/stalled/restarted)
 *   -> the Python runtime's suite (python/tests, pytest on Debian's /usr/bin/python3 with Debian's
 *      packages; real redis-server, memcached, gunicorn workers and the real live server)
 *   -> end-to-end tests in a real VS Code (code-server + Chromium, plus extension-host suites)
 * Options: --only unit|build|integration|drill|python|e2e (repeatable) runs just those test stages, with
 * only what they need: the unit stage (test/unit) runs from the sources alone, with no
 * prerequisites and no build (patch(1) aside, which the codemod tests use: when it is missing the
 * prerequisites run first); every other stage runs after the prerequisites and the build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, TEST_OUT } from './harness/paths';
import { planRun, type RunPlan, type Stage } from './harness/stages';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}
const total: Counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
const only = process.argv.flatMap((arg, i, all) => (all[i - 1] === '--only' ? [arg] : []));
let plan: RunPlan;
try {
  plan = planRun(only, installed('patch'));
} catch (error) {
  console.error(`test/run.ts: ${(error as Error).message}`);
  process.exit(2);
}
const wants = (stage: Stage) => plan.stages.includes(stage);

/** Whether `command` is on the PATH. */
function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function banner(text: string): void {
  console.log(`\n=== ${text} ===`);
}

/** A step that must succeed for the rest to mean anything (prerequisites, build). */
function required(name: string, command: string, args: string[]): void {
  banner(name);
  if (run(command, args) !== 0) {
    total.failed++;
    total.failures.push(name);
    finish();
  }
}

/** A check that counts as one test. */
function check(name: string, command: string, args: string[]): boolean {
  banner(name);
  const ok = run(command, args) === 0;
  if (ok) total.passed++;
  else {
    total.failed++;
    total.failures.push(name);
  }
  return ok;
}

function findFiles(dir: string, suffix: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix))
    .map((file) => path.join(dir, file))
    .sort();
}

/** Runs node:test files (TypeScript through tsx), counting leaf tests with our reporter. */
function nodeTests(stage: string, files: string[], concurrency: number): void {
  banner(`${stage} tests (${files.length} files)`);
  if (files.length === 0) {
    total.failed++;
    total.failures.push(`${stage}: no test files found`);
    return;
  }
  const countsFile = path.join(TEST_OUT, `${stage}-counts.json`);
  fs.mkdirSync(TEST_OUT, { recursive: true });
  fs.rmSync(countsFile, { force: true });
  const status = run(process.execPath, [
    '--import', 'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    // A test that hangs (a client left reconnecting, a server that never answers) fails after
    // ten minutes instead of holding the run until CI's limit ends it with no summary.
    '--test-timeout=600000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(ROOT, 'test', 'harness', 'count-reporter.mjs')}`, `--test-reporter-destination=${countsFile}`,
    ...files,
  ]);
  let counts: Counts | undefined;
  try {
    counts = JSON.parse(fs.readFileSync(countsFile, 'utf8')) as Counts;
  } catch {
    counts = undefined;
  }
  if (!counts) {
    total.failed++;
    total.failures.push(`${stage}: the test runner ended without results (exit ${status})`);
    return;
  }
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  total.failures.push(...counts.failures);
  if (status !== 0 && counts.failed === 0) {
    total.failed++;
    total.failures.push(`${stage}: runner exited with ${status} (a file failed to load or a hook failed)`);
  }
}

/**
 * The Python suite: pytest on Debian's interpreter (the first python3 on the PATH may be another
 * build without Debian's packages), counted from its JUnit XML. A skipped test counts as failed
 * under CI: a prerequisite that is missing there is a failure, never a silent skip.
 */
function pythonTests(): void {
  banner('python tests (pytest)');
  const xml = path.join(TEST_OUT, 'python-junit.xml');
  fs.mkdirSync(TEST_OUT, { recursive: true });
  fs.rmSync(xml, { force: true });
  const status = run('/usr/bin/python3', ['-m', 'pytest', 'python/tests', '-p', 'no:cacheprovider', '-rs', `--junitxml=${xml}`], {
    PYTHONPATH: path.join(ROOT, 'python', 'src'),
    PYTHONDONTWRITEBYTECODE: '1',
  });
  let report: string | undefined;
  try {
    report = fs.readFileSync(xml, 'utf8');
  } catch {
    report = undefined;
  }
  if (report === undefined) {
    total.failed++;
    total.failures.push(`python: pytest ended without results (exit ${status})`);
    return;
  }
  const strict = process.env.CI === 'true';
  for (const m of report.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1] ?? '';
    const body = m[3] ?? '';
    const name = `${/classname="([^"]*)"/.exec(attrs)?.[1] ?? ''}::${/ name="([^"]*)"/.exec(attrs)?.[1] ?? ''}`;
    if (/<(failure|error)\b/.test(body)) {
      total.failed++;
      total.failures.push(`python: ${name}`);
    } else if (/<skipped\b/.test(body)) {
      if (strict) {
        total.failed++;
        total.failures.push(`python: ${name} was skipped (CI runs every test)`);
      } else total.skipped++;
    } else total.passed++;
  }
  if (status !== 0 && status !== 1) {
    total.failed++;
    total.failures.push(`python: pytest exited with ${status} (a collection or usage error)`);
  }
}

function finish(): never {
  banner('summary');
  for (const failure of total.failures) console.log(`FAILED: ${failure}`);
  if (total.skipped > 0) console.log(`(${total.skipped} skipped)`);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  process.exit(total.failed === 0 ? 0 : 1);
}

// The unit stage runs from the sources (see test/harness/stages.ts): no prerequisites, no build.
if (plan.prerequisites) required('prerequisites', 'bash', ['test/harness/prereqs.sh']);
if (plan.build) required('build', 'npm', ['run', 'build']);
if (plan.checks) {
  check('lint (eslint)', 'npx', ['eslint', '.']);
  check('type-check (tsc -b)', 'npx', ['tsc', '-b']);
}
const packaged = wants('e2e') ? check('package the .vsix', process.execPath, ['scripts/package.mjs', '--no-build']) : false;
if (wants('unit')) nodeTests('unit', findFiles('test/unit', '.test.ts'), 2);
// The built bin, the runtime's npm package and the offline tarball: after the build, one at a time
// (each packs or runs what the build made).
if (wants('build')) nodeTests('build', findFiles('test/build', '.test.ts'), 1);
if (wants('integration')) {
  // The conformance suites run real processes against the real server: integration tests.
  const files = [...findFiles('test/integration', '.test.ts'), ...findFiles('test/conformance', '.test.ts')];
  if (files.length > 0) nodeTests('integration', files, 1);
}
// One drill at a time: each injects faults into real servers and processes and measures latency.
if (wants('drill')) nodeTests('drill', findFiles('test/drill', '.drill.ts'), 1);
if (wants('python')) pythonTests();
if (wants('e2e')) {
  if (only.length > 0) required('compile extension-host tests', 'npx', ['tsc', '-b', 'test/e2e/ext-host']);
  if (packaged) nodeTests('e2e', findFiles('test/e2e', '.e2e.ts'), 1);
  else {
    total.failed++;
    total.failures.push('e2e: not run because packaging failed');
  }
}
finish();
