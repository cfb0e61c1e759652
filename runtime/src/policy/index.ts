import { LRUCache } from 'lru-cache';
import type { BoundedCache, BoundedCacheOptions, PolicyName } from './types.js';

export type { BoundedCache, BoundedCacheOptions, PolicyName } from './types.js';

/**
 * Creates a bounded cache governed by the named policy.
 * Until the adaptive policy lands, every name is served by lru-cache's LRU.
 */
export function createBoundedCache<K extends {}, V extends {}>(
  _policy: PolicyName,
  options: BoundedCacheOptions<K, V>,
): BoundedCache<K, V> {
  const { onEvict } = options;
  const lru = new LRUCache<K, V>({
    max: options.max,
    dispose: onEvict ? (value, key, reason) => reason === 'evict' && onEvict(key, value) : undefined,
  });
  return {
    get size() { return lru.size; },
    max: options.max,
    get: (key) => lru.get(key),
    peek: (key) => lru.peek(key),
    has: (key) => lru.has(key),
    set: (key, value) => void lru.set(key, value),
    delete: (key) => lru.delete(key),
    clear: () => lru.clear(),
    keys: () => lru.keys(),
  };
}
