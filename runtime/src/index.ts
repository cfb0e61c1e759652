/**
 * CacheLens runtime: the library applications import (`cachelens`).
 *
 * This entry is the public surface, covered by semver: every name here is listed in
 * docs/architecture.md ("Public surface"), documented in docs/configuration.md, and recorded in
 * `runtime/api/cachelens.api.md` (a unit test fails when the two disagree). Names that tests,
 * benchmarks and the extension need but apps should not rely on are in `./internal.ts`
 * (`cachelens/internal`), which is not covered by semver.
 * @packageDocumentation
 */

/** The version of this package. */
export const VERSION = '0.1.0';

// Caching functions and methods, and controlling one cache.
export { memoize, cacheOf } from './memoize/index.js';
export type { MemoizeDecorator, CacheControl, InvalidationResult, DeleteResult } from './memoize/index.js';
export type { MemoizeOptions, AnyFunction, MemoizableFunction } from './options.js';
export type { VerifySnapshot, VerifyDiff, VerifyDiffPath } from './memoize/verify.js';
export type { Duration, ByteSize, SizeUnit } from './units.js';
export type { TraceRecorder, TraceRecorderOptions } from './simulate/recorder.js';

// Every memoized function of the process, and the clock TTLs read.
export { registry } from './registry.js';
export type { MemoizedInfo, StatsSnapshot } from './registry.js';
export type { MissCause, MissCauseCounts } from './protocol.js';
export type { OptionValue, HelloMessage } from './protocol.js';
export { setClock } from './clock.js';

// cachelens.config.json.
export { findConfigFile, loadConfigFile, reloadConfig, CONFIG_FILE_NAME } from './config.js';
export type { CacheLensConfig, ConfigDefaults } from './config.js';

// Errors: every error the runtime throws is a CacheLensError with a typed code.
export { CacheLensError, CacheKeyError, ConfigError, OptionsError, BackendError, NotMemoizedError } from './errors.js';
export type { CacheLensErrorCode } from './errors.js';
// Store errors: thrown when a backend is built from a bad config entry or a missing package,
// otherwise reported through StoreEvents.backendError (and counted in backendErrors).
export {
  CacheBackendError, BackendConfigError, BackendDependencyMissingError, BackendTimeoutError, BackendUnavailableError,
  BackendCircuitOpenError,
} from './stores/remote/errors.js';

// Custom stores: the contract a store implements, and how to register its type.
export { registerBackendType } from './backends.js';
export { MISS } from './stores/types.js';
export type {
  SyncStore, AsyncStore, Store, StoreFactory, StoreContext, StoreEvents, SetOptions, BackendConfig, BackendHealth,
  EvictionCause, Miss, StoreLock, SettledTier,
} from './stores/types.js';

// Live statistics to the editor (started by itself when CACHELENS_ENDPOINT is set).
export { startReporter, stopReporter, currentReporter } from './reporter/index.js';
export type {
  Reporter, ReporterOptions, ReporterClock, ProcessIdentity, StartReporterOptions, ReporterState, BackoffOptions, ReporterSource, ReportedFunction, ReportedSnapshot,
  ReportedTrace, SocketFactory, ReporterSocket,
} from './reporter/index.js';
