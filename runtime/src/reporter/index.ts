/**
 * Starting and stopping the reporter. The runtime calls `reportFromEnvironment` when the first
 * function is memoized: with no endpoint configured it returns at once and nothing else happens
 * (no module loaded, no timer, no socket).
 */
import { ENDPOINT_ENV } from '../protocol.js';
import { registry } from '../registry.js';
import { fitString, Reporter, type BackoffOptions, type ProcessIdentity } from './reporter.js';
import { defaultSocketFactory, type SocketFactory } from './socket.js';
import type { ReporterSource } from './source.js';

export { Reporter, type ReporterOptions, type ReporterState, type BackoffOptions, type ProcessIdentity } from './reporter.js';
export type { ReporterClock } from './clock.js';
export type { ReporterSocket, SocketFactory } from './socket.js';
export type { ReporterSource, ReportedFunction, ReportedSnapshot, ReportedTrace } from './source.js';

export interface StartReporterOptions {
  /** The functions to report. Default: the runtime's registry. */
  source?: ReporterSource;
  /** Endpoint, e.g. `ws://127.0.0.1:51234/?token=abc`. Default: the `CACHELENS_ENDPOINT` variable. */
  endpoint?: string;
  /** Name shown in the editor. Default: `CACHELENS_APP`, else the npm package name, else the script name. */
  app?: string;
  /** Time between batches, in milliseconds. Default 250. */
  intervalMs?: number;
  /**
   * This process run's id in the editor. Default: a new random UUID. A child process that carries
   * on its parent's work as the same process (what a `fork()` is in other languages) may pass the
   * parent's: the editor then sums the two connections under one process (docs/protocol.md).
   */
  instance?: string;
  backoff?: BackoffOptions;
  socketFactory?: SocketFactory;
  /** Diagnostics sink. Default: print to stderr when `CACHELENS_DEBUG` is set, else ignore. */
  onError?: (error: unknown) => void;
}

let active: Reporter | undefined;
let starting: Promise<Reporter | undefined> | undefined;

/** The running reporter, if any. */
export function currentReporter(): Reporter | undefined {
  return active;
}

/**
 * Starts reporting to the endpoint (once per process; later calls return the same reporter).
 * Resolves to undefined when no endpoint is configured. Never rejects.
 */
export function startReporter(options: StartReporterOptions = {}): Promise<Reporter | undefined> {
  if (active) return Promise.resolve(active);
  const endpoint = options.endpoint ?? env(ENDPOINT_ENV);
  if (!endpoint) return Promise.resolve(undefined);
  const onError = options.onError ?? debugSink();
  starting ??= (async () => {
    try {
      const [socketFactory, identity] = await Promise.all([options.socketFactory ?? defaultSocketFactory(), identify(options.app, options.instance)]);
      const reporter = new Reporter({ endpoint, source: options.source ?? registry, identity, socketFactory, intervalMs: options.intervalMs, backoff: options.backoff, onError });
      active = reporter;
      reporter.start();
      if (typeof process !== 'undefined' && typeof process.once === 'function') {
        // A last batch for short-lived scripts: the write keeps the loop alive until it is sent.
        process.once('beforeExit', () => reporter.flush());
      }
      return reporter;
    } catch (error) {
      onError(error);
      return undefined;
    } finally {
      starting = undefined;
    }
  })();
  return starting;
}

/** Stops the reporter (closes its connection, cancels its timers). */
export function stopReporter(): void {
  active?.stop();
  active = undefined;
}

/**
 * Where observe mode (`cachelens/observe`) gathers the registries of every copy of the runtime in
 * the process (its own and the app's may be two), so that one connection reports them all.
 */
export const SHARED_SOURCES_KEY = Symbol.for('cachelens.reporter.sources');

/** Starts the reporter when `CACHELENS_ENDPOINT` is set; a cheap no-op otherwise. Never throws. */
export function reportFromEnvironment(source: ReporterSource): void {
  const shared = (globalThis as Record<symbol, unknown>)[SHARED_SOURCES_KEY];
  if (shared instanceof Set) {
    shared.add(source); // observe mode reports this registry over its own connection
    return;
  }
  if (active || starting || !env(ENDPOINT_ENV)) return;
  void startReporter({ source });
}

function env(name: string): string | undefined {
  if (typeof process === 'undefined' || !process.env) return undefined;
  const value = process.env[name];
  return value ? value : undefined;
}

function debugSink(): (error: unknown) => void {
  if (!env('CACHELENS_DEBUG')) return () => {};
  return (error) => {
    const text = error instanceof Error ? error.message : typeof error === 'object' && error && 'type' in error ? `socket ${String(error.type)}` : String(error);
    console.error(`[cachelens reporter] ${text}`);
  };
}

async function identify(app: string | undefined, instance: string | undefined): Promise<ProcessIdentity> {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  const hostname = node ? (await import('node:os')).hostname() : (globalThis as { location?: { host?: string } }).location?.host ?? 'browser';
  const script = node && process.argv[1] ? process.argv[1].split(/[\\/]/).pop() : undefined;
  return {
    instance: instance ?? globalThis.crypto.randomUUID(),
    pid: node ? process.pid : 0,
    app: fitString(app ?? env('CACHELENS_APP') ?? env('npm_package_name') ?? script ?? 'app'),
    runtime: 'cachelens-js',
    runtimeVersion: (await import('../index.js')).VERSION,
    hostname: fitString(hostname),
    startedAt: node ? Math.round(Date.now() - process.uptime() * 1000) : Date.now(),
  };
}

// The reporter starts with the first memoized function, if an endpoint is set; the check runs once.
const unsubscribe = registry.onRegister(() => {
  unsubscribe();
  reportFromEnvironment(registry);
});
