/**
 * Helpers of the fault drills (test/drill/): bounded waiting, latency figures, and child processes
 * run as an unprivileged user and/or under a file-size limit (a real "disk full"). The servers
 * themselves come from servers.ts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ROOT } from './paths.js';

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it is true; throws naming `what` after `timeoutMs`. Resolves with the time it took. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<number> {
  const t0 = performance.now();
  while (!(await probe())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(everyMs);
  }
  return performance.now() - t0;
}

/** Calls made and their latency: the worst one, in which phase, and the 99th percentile. */
export class LoadFigures {
  calls = 0;
  worstMs = 0;
  worstPhase = '';
  readonly #samples: number[] = [];

  record(ms: number, phase: string): void {
    this.calls++;
    if (this.#samples.length < 1_000_000) this.#samples.push(ms);
    if (ms > this.worstMs) {
      this.worstMs = ms;
      this.worstPhase = phase;
    }
  }

  get p99Ms(): number {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  }

  summary(): string {
    return `${this.calls} calls, worst ${this.worstMs.toFixed(0)} ms (${this.worstPhase}), p99 ${this.p99Ms.toFixed(1)} ms`;
  }
}

/** Sends SIGCONT to `pid` if it is still there (a drill that failed mid-freeze must not leave a stopped server). */
export function resume(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // already gone
  }
}

/** The uid/gid of `nobody`: an unprivileged user for whom file permissions hold (CI runs as root). */
export const NOBODY = 65534;

export interface ConfinedOptions {
  /** Run as uid/gid 65534 with no supplementary groups (`setpriv`). Default: false. */
  unprivileged?: boolean;
  /** Largest file the process may write, in bytes (`prlimit --fsize`), with SIGXFSZ ignored so writes fail with EFBIG instead. */
  fileSizeLimit?: number;
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Runs `node --import tsx script` confined as asked, with stdin/stdout/stderr piped. The command
 * line: `sh -c "trap '' XFSZ; exec prlimit --fsize=N setpriv --reuid=65534 ... node ..."`
 * (an ignored signal stays ignored across exec, so the limit makes writes fail, not the process die).
 */
export function spawnConfined(script: string, options: ConfinedOptions = {}): ChildProcessWithoutNullStreams {
  // tsx by its file: `--import tsx` would be resolved from the child's working directory.
  const node = [process.execPath, '--import', pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, script];
  const priv = options.unprivileged ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node] : node;
  const limited = options.fileSizeLimit !== undefined ? ['prlimit', `--fsize=${options.fileSizeLimit}`, ...priv] : priv;
  const quoted = limited.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('sh', ['-c', `trap '' XFSZ; exec ${quoted}`], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: 'pipe',
  });
}

/** Collects a child's stdout lines and stderr, and its exit. */
export class ChildLines {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The next line parsed as JSON (waits at most `ms`). */
  async next<T>(ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    while (this.lines.length === 0) {
      if (Date.now() > deadline || this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`no line from the child within ${ms} ms; stderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return JSON.parse(this.lines.shift() as string) as T;
  }
}
