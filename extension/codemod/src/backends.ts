/**
 * The built-in backend types the codemod can declare on its own, and what it writes for each. No
 * ts-morph here: the extension's quick pick imports this (its choices are these types), at
 * activation, without loading the codemod. The types themselves are `cachelens/config-file`'s
 * BACKEND_TYPES (a unit test checks these keys are among them); `tiered` is not offered: its two
 * tiers are set up by hand.
 */
export { CONFIG_FILE_NAME, IN_PROCESS_BACKEND_TYPES } from 'cachelens/config-file';

/** Built-in backend types and the declaration the codemod writes when the user picks one that is not declared yet. */
export const BUILT_IN_BACKENDS = {
  memory: '{ "type": "memory", "max": 10000 }',
  lru: '{ "type": "lru", "max": 10000 }',
  disk: '{ "type": "disk", "path": ".cache/cachelens" }',
  redis: '{ "type": "redis", "url": "${REDIS_URL:-redis://127.0.0.1:6379/0}" }',
  memcached: '{ "type": "memcached", "servers": "${MEMCACHED_SERVERS:-127.0.0.1:11211}" }',
} as const satisfies Readonly<Record<string, string>>;

/** A type the codemod can declare. */
export type BuiltInBackend = keyof typeof BUILT_IN_BACKENDS;

/** The types the codemod can declare, for messages: "memory, lru, disk, redis, memcached". */
export const BUILT_IN_BACKEND_LIST = Object.keys(BUILT_IN_BACKENDS).join(', ');

export function isBuiltInBackend(name: string): name is BuiltInBackend {
  return Object.hasOwn(BUILT_IN_BACKENDS, name);
}

/**
 * The npm package each backend type loads at run time, with the version range the runtime is tested
 * with (runtime/package.json's `peerDependencies`; a unit test keeps the two equal). Without it in the
 * app, every call of a function cached there fails with `BackendDependencyMissingError`, so the
 * codemod adds it to package.json with the runtime.
 */
export const BACKEND_DRIVERS: Readonly<Record<string, { readonly name: string; readonly range: string }>> = {
  disk: { name: 'better-sqlite3', range: '^12.11.1' },
  redis: { name: 'ioredis', range: '^5.4.0 || ^6.0.0' },
  memcached: { name: 'memjs', range: '^1.3.2' },
  // In-process tier in front of Redis: the Redis driver.
  tiered: { name: 'ioredis', range: '^5.4.0 || ^6.0.0' },
};
