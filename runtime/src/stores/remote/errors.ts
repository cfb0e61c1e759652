/**
 * Errors of the out-of-process stores. Each has a stable `code`; the message names the input and
 * what to do. Backend failures are never thrown into user code: stores report them through
 * `StoreEvents.backendError` and answer as a miss. Configuration errors throw when the store is built.
 */
import { CacheLensError, type CacheLensErrorCode } from '../../errors.js';

/** Base class: every error a store reports or throws; a `CacheLensError` with a stable `code`. */
export class CacheBackendError extends CacheLensError {
  constructor(code: CacheLensErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A backend option is missing or has the wrong type or value (thrown by the factory). */
export class BackendConfigError extends CacheBackendError {
  constructor(backend: string, option: string, fix: string) {
    super('CACHELENS_BACKEND_CONFIG', `${backend} backend: option "${option}" ${fix}`);
  }
}

/** The backend's client library is not installed (they are optional peer dependencies). */
export class BackendDependencyMissingError extends CacheBackendError {
  constructor(backend: string, pkg: string, cause: unknown) {
    super(
      'CACHELENS_BACKEND_DEPENDENCY_MISSING',
      `The ${backend} backend needs the "${pkg}" package, which is not installed: run \`npm install ${pkg}\` in the app.`,
      { cause },
    );
  }
}

/** An operation did not complete within the bound (`commandTimeoutMs`); the call went on as a miss. */
export class BackendTimeoutError extends CacheBackendError {
  constructor(backend: string, op: string, ms: number) {
    super('CACHELENS_BACKEND_TIMEOUT', `${backend} ${op} took longer than ${ms} ms (commandTimeoutMs); answered as a miss. Check the server, or raise commandTimeoutMs.`);
  }
}

/** An operation failed on the server or the connection; the call went on as a miss. */
export class BackendUnavailableError extends CacheBackendError {
  constructor(backend: string, op: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('CACHELENS_BACKEND_UNAVAILABLE', `${backend} ${op} failed (${why}); answered as a miss. Check that the server is reachable.`, { cause });
  }
}

/** Calls are not sent while the circuit breaker is open after repeated failures. Reported once per opening. */
export class BackendCircuitOpenError extends CacheBackendError {
  constructor(backend: string, failures: number, openMs: number) {
    super('CACHELENS_BACKEND_CIRCUIT_OPEN', `${backend}: ${failures} failures in a row; calls skip the cache for ${openMs} ms, then one probe tries again (breaker.failureThreshold, breaker.openMs).`);
  }
}
