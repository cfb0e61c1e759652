import { HASH_MASK, mix32 } from './slot-policy.js';

const float = new Float64Array(1);
const floatWords = new Int32Array(float.buffer);
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/**
 * A 30-bit hash of a cache key, for policies (ghost history, frequency sketch, sampling). Equal
 * keys (by `Map` semantics) hash equally: strings by content, numbers by value, objects and
 * symbols by identity.
 */
export function hashKey(key: unknown): number {
  if (typeof key === 'string') return hashString(key);
  if (typeof key === 'number') {
    if ((key | 0) === key) return mix32(key);
    float[0] = key === 0 ? 0 : key; // -0 and 0 are one Map key
    return mix32(floatWords[0]! ^ mix32(floatWords[1]!));
  }
  if (typeof key === 'bigint') return hashString(key.toString());
  if ((typeof key === 'object' && key !== null) || typeof key === 'function') {
    let id = objectIds.get(key);
    if (id === undefined) {
      id = nextObjectId++;
      objectIds.set(key, id);
    }
    return mix32(id);
  }
  return hashString(String(key));
}

/**
 * The last string hashed and its hash: a miss hashes its key twice in a row (the miss-cause log,
 * then the store's policy on the write), and a long key costs a pass over every character.
 */
let lastString = '';
let lastHash = hashChars('');

/** FNV-1a over UTF-16 code units, then mixed. */
export function hashString(s: string): number {
  if (s === lastString) return lastHash;
  const h = hashChars(s);
  lastString = s;
  lastHash = h;
  return h;
}

function hashChars(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h) & HASH_MASK;
}
