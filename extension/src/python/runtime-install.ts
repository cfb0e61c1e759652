/**
 * Installing the Python runtime into an app's interpreter, offline, from the wheel the extension
 * ships (dist/runtime/cachelens-<version>-py3-none-any.whl): no package index serves `cachelens`
 * yet, and the machines an app runs on may reach none.
 *
 * Plain Node (no vscode import), so tests run it against real interpreters. The editor's side
 * (which interpreter, what to offer) is `runtime-offer.ts`.
 *
 * PEP 668: Debian's and Homebrew's interpreters refuse `pip install` outside a virtual
 * environment ("externally-managed-environment"). That refusal is reported as such, never worked
 * around with `--break-system-packages`: the offer is then a `.venv` made with
 * `--system-site-packages` (so the app keeps the packages it already uses), installed into.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What an interpreter has of the runtime. */
export type RuntimeProbe =
  | { kind: 'installed'; version: string }
  | { kind: 'missing' }
  /** The interpreter did not run (not found, broken): `detail` says what it printed. */
  | { kind: 'no-python'; detail: string };

/** The outcome of an install. */
export type InstallOutcome =
  | { kind: 'installed'; version: string }
  /** PEP 668: this interpreter takes no packages outside a virtual environment. */
  | { kind: 'externally-managed'; detail: string }
  | { kind: 'failed'; detail: string };

/** The outcome of making `.venv`. */
export type VenvOutcome = { kind: 'created'; python: string } | { kind: 'failed'; detail: string };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** Runs a command with no shell, bounded in time (ms), never rejecting. */
function run(command: string, args: readonly string[], options: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, timeout: options.timeoutMs, env: options.env ?? process.env, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      // A non-zero exit carries its code as a number; a command not found ('ENOENT') or killed at
      // the time limit carries none.
      const exit = (error as { code?: unknown } | null)?.code;
      const code = error === null ? 0 : typeof exit === 'number' ? exit : null;
      resolve({ code, stdout, stderr, ...(error === null ? {} : { error }) });
    });
  });
}

/** The last lines of what a command printed, for a message. */
function tail(ran: Ran, lines = 12): string {
  const text = `${ran.stderr}\n${ran.stdout}`.trim() || ran.error?.message || `exit code ${String(ran.code)}`;
  return text.split('\n').slice(-lines).join('\n');
}

/** An environment for pip that never reaches for an index and never prompts. */
function pipEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' };
}

/** Whether `python` can import `cachelens`, and which version (bounded: 20 s). */
export async function probeRuntime(python: string, cwd?: string): Promise<RuntimeProbe> {
  const ran = await run(python, ['-c', 'import cachelens, sys; sys.stdout.write(cachelens.__version__)'], { cwd, timeoutMs: 20_000 });
  if (ran.code === 0) return { kind: 'installed', version: ran.stdout.trim() };
  if (ran.code === null) return { kind: 'no-python', detail: tail(ran) };
  if (/ModuleNotFoundError|No module named/.test(ran.stderr)) return { kind: 'missing' };
  return { kind: 'no-python', detail: tail(ran) };
}

/** True when pip's output is PEP 668's refusal. */
export function isExternallyManaged(output: string): boolean {
  return /externally[- ]managed[- ]environment/i.test(output);
}

/**
 * Installs `wheel` into `python` with no index (bounded: 180 s). Never passes
 * `--break-system-packages`: an externally managed interpreter is reported as such.
 */
export async function installWheel(python: string, wheel: string, cwd?: string): Promise<InstallOutcome> {
  if (!fs.existsSync(wheel)) return { kind: 'failed', detail: `${wheel} does not exist` };
  const ran = await run(python, ['-m', 'pip', 'install', '--no-index', '--disable-pip-version-check', wheel], { cwd, timeoutMs: 180_000, env: pipEnv() });
  if (ran.code !== 0) {
    const output = `${ran.stderr}\n${ran.stdout}`;
    if (isExternallyManaged(output)) return { kind: 'externally-managed', detail: tail(ran) };
    return { kind: 'failed', detail: tail(ran) };
  }
  const probe = await probeRuntime(python, cwd);
  return probe.kind === 'installed' ? { kind: 'installed', version: probe.version } : { kind: 'failed', detail: 'pip reported success, but the interpreter still cannot import cachelens' };
}

/** The interpreter inside a virtual environment folder. */
export function venvPython(venv: string): string {
  return process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');
}

/**
 * Makes `<folder>/.venv` with `base -m venv --system-site-packages` (bounded: 120 s), so the app
 * keeps seeing the packages the base interpreter has. An existing `.venv` is used as it is.
 */
export async function createVenv(base: string, folder: string): Promise<VenvOutcome> {
  const venv = path.join(folder, '.venv');
  const python = venvPython(venv);
  if (fs.existsSync(python)) return { kind: 'created', python };
  const ran = await run(base, ['-m', 'venv', '--system-site-packages', venv], { cwd: folder, timeoutMs: 120_000 });
  if (ran.code !== 0 || !fs.existsSync(python)) {
    const detail = tail(ran);
    const hint = /ensurepip|venv/.test(detail) ? ' (on Debian or Ubuntu: apt-get install python3-venv)' : '';
    return { kind: 'failed', detail: `${detail}${hint}` };
  }
  return { kind: 'created', python };
}
