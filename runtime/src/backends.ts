/**
 * The backend type registry: which factory builds a store for a `type` of the config file.
 * `memory` and `lru` are built in. `redis`, `memcached`, `disk` and `tiered` live in their own
 * modules, loaded on first use so that an app that never uses them never loads them (nor their
 * npm dependencies). A store module makes itself known either by calling `registerBackendType`
 * when it loads, or by exporting `createStore: StoreFactory`.
 */
import { IN_PROCESS_BACKEND_TYPES } from 'cachelens/config-file';
import { BackendError, OptionsError } from './errors.js';
import { LruStore } from './stores/lru.js';
import { MemoryStore } from './stores/memory.js';
import type { PolicyName } from './policy/index.js';
import type { StoreFactory } from './stores/types.js';

const factories = new Map<string, StoreFactory>();

/** Lazily loaded backend types and their modules (relative to this file). */
const lazyTypes: Record<string, { module: string }> = {
  redis: { module: './stores/redis.js' },
  memcached: { module: './stores/memcached.js' },
  disk: { module: './stores/disk.js' },
  tiered: { module: './stores/tiered.js' },
};

/**
 * Maps a type to a module loaded on first use (path relative to this file, or absolute).
 * Internal: the built-in remote types are declared above; tests use it to exercise the loader.
 */
export function defineLazyBackendType(type: string, module: string): void {
  lazyTypes[type] = { module };
}

/** Built-in in-process types (synchronous stores); the list is `cachelens/config-file`'s, shared with the codemod. */
export const BUILTIN_TYPES: readonly string[] = IN_PROCESS_BACKEND_TYPES;

/**
 * Makes a backend type available to `memoize` and the config file (`backends.NAME.type`).
 * Registering a type twice replaces the factory.
 * @example registerBackendType('redis', (config, context) => new RedisStore(config, context));
 */
export function registerBackendType(type: string, factory: StoreFactory): void {
  if (typeof type !== 'string' || type === '') throw new OptionsError('type', 'of registerBackendType must be a non-empty string');
  if (typeof factory !== 'function') throw new OptionsError('factory', `of registerBackendType("${type}") must be a function (config, context) => store`);
  factories.set(type, factory);
}

/** Every type known now or loadable on demand. */
export function knownBackendTypes(): string[] {
  return [...new Set([...factories.keys(), ...Object.keys(lazyTypes)])];
}

/** True when `type` is registered or loadable. */
export function isKnownBackendType(type: string): boolean {
  return factories.has(type) || Object.hasOwn(lazyTypes, type);
}

/**
 * The factory for `type`, loading its module on first use.
 * @param backend the backend name used in messages (the config entry's name, or the type itself).
 * @throws BackendError when the type is unknown, its module is not in this build, or its npm
 *   dependency is not installed (the message says which package to install).
 */
export function backendFactory(type: string, backend: string): StoreFactory {
  const known = factories.get(type);
  if (known !== undefined) return known;
  const lazy = Object.hasOwn(lazyTypes, type) ? lazyTypes[type] : undefined;
  if (lazy === undefined) {
    throw new BackendError(backend, `unknown type "${type}"; known types: ${knownBackendTypes().join(', ')}. ` +
      'Fix `type` in cachelens.config.json, or call registerBackendType() for a custom store.');
  }
  let exported: unknown;
  try {
    // A plain require: the package is CommonJS, and loading must be synchronous (memoize is).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(lazy.module) as unknown;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      // Which module is missing: the store module itself, or an npm package it imports?
      const missing = /Cannot find (?:module|package) '([^']+)'/.exec(message)?.[1];
      if (missing !== undefined && !missing.startsWith('.') && !missing.startsWith('/')) {
        const pkg = missing.startsWith('@') ? missing.split('/').slice(0, 2).join('/') : missing.split('/')[0]!;
        throw new BackendError(backend, `type "${type}" needs the npm package "${pkg}", which is not installed. ` +
          `Run \`npm install ${pkg}\` in your app.`, { cause: error });
      }
      throw new BackendError(backend, `type "${type}" is not available in this build of cachelens (module ${lazy.module} ` +
        'is missing). Use "memory" or "lru", or upgrade cachelens.', { cause: error });
    }
    throw new BackendError(backend, `loading the "${type}" store failed: ${message}`, { cause: error });
  }
  const registered = factories.get(type);
  if (registered !== undefined) return registered;
  const createStore = (exported as { createStore?: unknown } | null)?.createStore;
  if (typeof createStore === 'function') {
    factories.set(type, createStore as StoreFactory);
    return createStore as StoreFactory;
  }
  throw new BackendError(backend, `module ${lazy.module} neither registered type "${type}" nor exported createStore().`);
}

registerBackendType('memory', (config, context) => new MemoryStore({
  max: config.max as number,
  ...(config.maxBytes !== undefined ? { maxBytes: config.maxBytes as number } : {}),
  ...(config.policy !== undefined ? { policy: config.policy as PolicyName } : {}),
}, context));

registerBackendType('lru', (config, context) => new LruStore({
  max: config.max as number,
  ...(config.maxBytes !== undefined ? { maxBytes: config.maxBytes as number } : {}),
}, context));
