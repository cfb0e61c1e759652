/**
 * CacheLens runtime: the library applications import.
 * @packageDocumentation
 */
export const VERSION = '0.1.0';

export { memoize, cacheOf, memoryKey } from './memoize.js';
export type { MemoizeDecorator, CacheControl, InvalidationResult, DeleteResult } from './memoize.js';
export { DEFAULT_MAX } from './options.js';
export type { MemoizeOptions, AnyFunction, MemoizableFunction } from './options.js';
export { registry } from './registry.js';
export type { MemoizedInfo, StatsSnapshot } from './registry.js';
export { setClock } from './clock.js';
export { canonicalArgs } from './keys.js';
export { registerBackendType, knownBackendTypes } from './backends.js';
export { findConfigFile, loadConfigFile, reloadConfig, CONFIG_FILE_NAME } from './config.js';
export type { CacheLensConfig, ConfigDefaults } from './config.js';
export { parseDuration, parseByteSize } from './units.js';
export type { Duration, ByteSize } from './units.js';
export { CacheLensError, CacheKeyError, ConfigError, OptionsError, BackendError, NotMemoizedError } from './errors.js';
export type { CacheLensErrorCode } from './errors.js';
// Store errors: thrown when a backend is built from a bad config entry or a missing package,
// otherwise reported through StoreEvents.backendError (and counted in backendErrors).
export {
  CacheBackendError, BackendConfigError, BackendDependencyMissingError, BackendTimeoutError, BackendUnavailableError,
  BackendCircuitOpenError,
} from './stores/remote/errors.js';
export { MISS } from './stores/types.js';
export type {
  SyncStore, AsyncStore, Store, StoreFactory, StoreContext, StoreEvents, SetOptions, BackendConfig, BackendHealth,
  EvictionCause, Miss,
} from './stores/types.js';
export { MemoryStore } from './stores/memory.js';
export type { MemoryStoreOptions } from './stores/memory.js';
export { LruStore } from './stores/lru.js';
export type { LruStoreOptions } from './stores/lru.js';
export { startReporter, stopReporter, currentReporter, Reporter } from './reporter/index.js'; // live statistics to the editor
export type { StartReporterOptions, ReporterOptions, ReporterState, BackoffOptions } from './reporter/index.js';
