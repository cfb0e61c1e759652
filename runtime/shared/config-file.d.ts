/**
 * Facts about `cachelens.config.json` that every part shares (`cachelens/config-file`); see
 * config-file.js.
 */

/** `"cachelens.config.json"`. */
export declare const CONFIG_FILE_NAME: string;
/** Every built-in backend type: memory, lru, disk, redis, memcached, tiered. */
export declare const BACKEND_TYPES: readonly string[];
/** The built-in types whose stores live in the process and answer synchronously (memory, lru). */
export declare const IN_PROCESS_BACKEND_TYPES: readonly string[];
