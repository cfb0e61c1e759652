/**
 * The JS runtime's adapter for the runtime conformance suite (README.md beside this file is the
 * contract every adapter follows). Usage:
 *
 *   CACHELENS_ENDPOINT=ws://… node --import tsx js-adapter.ts WORKLOAD.json
 *
 * Runs the workload's steps with the real runtime (memoize, its stores, its reporter) on a fake
 * clock, reporting to the endpoint; prints `{"done":true}` (or `{"failed":"…"}`) on stdout, then
 * keeps reporting until its stdin closes. A `fork` step runs this same program as a child process
 * with CONFORMANCE_FORK (the step's index) and CONFORMANCE_INSTANCE (this process's instance).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { cacheOf, memoize, startReporter } from '../../../runtime/src/index.js';

interface Compute { ms: number; value?: unknown; error?: string }
interface Expect { value?: unknown; error?: string }
interface Call { call: string; args: unknown[]; compute?: Compute; expect: Expect }
type Step =
  | Call
  | { concurrent: Call & { count: number } }
  | { advance: number }
  | { clear: string }
  | { delete: string; args: unknown[]; expect: boolean }
  | { fork: Step[] };
interface Workload {
  name: string;
  functions: { id: string; async: boolean; ttlSeconds?: number; max?: number }[];
  steps: Step[];
}

const CLOCK_START = 1_000_000;
const file = process.argv[2]!;
const workload = JSON.parse(readFileSync(file, 'utf8')) as Workload;
const forkIndex = process.env.CONFORMANCE_FORK;

let now = CLOCK_START;
const clock = (): number => now;
/** What the next computation of each function does (set by the step that may compute). */
const next = new Map<string, Compute>();

function body(id: string, isAsync: boolean): (...args: unknown[]) => unknown {
  const run = (): unknown => {
    const c = next.get(id);
    if (c === undefined) throw new Error(`conformance: ${id} computed where the workload expects a hit`);
    now += c.ms;
    if (c.error !== undefined) throw new Error(c.error);
    return structuredClone(c.value);
  };
  // An async computation completes on a later turn, so concurrent calls start before it ends.
  return isAsync ? async () => { await new Promise((resolve) => setImmediate(resolve)); return run(); } : run;
}

const fns = new Map<string, (...args: unknown[]) => unknown>();

async function outcome(id: string, args: unknown[]): Promise<Expect> {
  try {
    return { value: await fns.get(id)!(...args) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function check(what: string, got: unknown, want: unknown): void {
  if (!isDeepStrictEqual(got, want)) throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

async function run(steps: Step[], instance: string): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const where = `${workload.name} step ${i}`;
    if ('call' in step) {
      if (step.compute) next.set(step.call, step.compute);
      check(where, await outcome(step.call, step.args), step.expect);
      next.delete(step.call);
    } else if ('concurrent' in step) {
      const c = step.concurrent;
      if (c.compute) next.set(c.call, c.compute);
      const all = await Promise.all(Array.from({ length: c.count }, () => outcome(c.call, c.args)));
      for (const got of all) check(where, got, c.expect);
      next.delete(c.call);
    } else if ('advance' in step) {
      now += step.advance;
    } else if ('clear' in step) {
      await cacheOf(fns.get(step.clear)!).clear();
    } else if ('delete' in step) {
      check(where, (await cacheOf(fns.get(step.delete)!).delete(...step.args)).removed, step.expect);
    } else if ('fork' in step) {
      await forkChild(i, instance);
    }
  }
}

/** Runs a `fork` step's steps in a child process that keeps this instance; resolves when it has exited. */
function forkChild(index: number, instance: string): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, file], {
    env: { ...process.env, CONFORMANCE_FORK: String(index), CONFORMANCE_INSTANCE: instance }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code) => {
    if (code === 0 && out.includes('"done":true')) resolve();
    else reject(new Error(`the forked child failed (exit ${code}): ${out.trim()}`));
  }));
}

async function main(): Promise<void> {
  const reporter = await startReporter({ intervalMs: 50, backoff: { initialMs: 20, maxMs: 200 }, ...(forkIndex !== undefined ? { instance: process.env.CONFORMANCE_INSTANCE! } : {}) });
  if (!reporter) throw new Error('CACHELENS_ENDPOINT is not set');
  for (const f of workload.functions) {
    fns.set(f.id, memoize(body(f.id, f.async), {
      id: f.id, clock, ...(f.ttlSeconds !== undefined ? { ttl: f.ttlSeconds } : {}), ...(f.max !== undefined ? { max: f.max } : {}),
    }));
  }
  const instance = reporter.identity.instance;
  if (forkIndex !== undefined) {
    const step = workload.steps[Number(forkIndex)] as { fork: Step[] };
    await run(step.fork, instance);
    // A child leaves once its last figures are on the wire: sent, drained, then a polite close.
    while (reporter.state !== 'open') await new Promise((resolve) => setTimeout(resolve, 10));
    reporter.flush();
    while (reporter.bufferedBytes > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    reporter.stop();
    process.stdout.write(`${JSON.stringify({ done: true })}\n`);
    return;
  }
  await run(workload.steps, instance);
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
  // Keep reporting (this process is live: its entries count as held) until the test closes stdin.
  const keepAlive = setInterval(() => {}, 1000);
  process.stdin.resume();
  process.stdin.on('end', () => clearInterval(keepAlive));
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ failed: error instanceof Error ? error.message : String(error) })}\n`);
  process.exitCode = 1;
  process.stdin.destroy();
});
