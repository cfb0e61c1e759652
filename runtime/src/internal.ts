/**
 * CacheLens internals: `cachelens/internal`. NOT covered by semver: any name here may change or
 * go in any release. It exists for the package's own tests, benchmarks and tools, which need
 * the parts behind the public entry (`./index.ts`); apps import `cachelens` only.
 */
export { DEFAULT_MAX } from './options.js';
export { memoryKey } from './memoize/index.js';
export { canonicalArgs } from './keys.js';
export { parseDuration, parseByteSize } from './units.js';
export { knownBackendTypes, defineLazyBackendType } from './backends.js';
export { MemoryStore } from './stores/memory.js';
export type { MemoryStoreOptions } from './stores/memory.js';
export { LruStore } from './stores/lru.js';
export type { LruStoreOptions } from './stores/lru.js';
export { Reporter } from './reporter/index.js';
export { rereadTraceEnvironment } from './simulate/recorder.js';
