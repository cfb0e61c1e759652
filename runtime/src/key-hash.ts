/**
 * How a cache key is hashed: one home for every part that hashes keys (the policies' ghost
 * histories, sketches and sampling, the memory store, the miss-cause log, the trace recorder,
 * observe mode). A module of its own, imported directly: compiled to CommonJS, a value
 * re-exported by a folder's `index.ts` is read through a getter on every call, which the
 * optimizing compiler does not always inline (the miss-cause log's hash cost ~14 ns more per
 * miss through `policy/index.ts`).
 */

/**
 * The hash every policy receives: 30 bits, so it stays a small integer in a Map key. A local
 * constant exported by name: compiled CommonJS reads an exported `const` off `exports` at every use.
 */
const MASK = 0x3fffffff;
export { MASK as HASH_MASK };

/** Mixes a 32-bit integer (a finalizer in the style of murmur3's) and keeps 30 bits. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) & MASK;
}

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
  if (typeof key === 'number') return hashNumber(key);
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

/** `hashKey` of a number: integers in the int32 range mixed as they are, others by their bits (-0 as 0). */
export function hashNumber(key: number): number {
  if ((key | 0) === key) return mix32(key);
  float[0] = key === 0 ? 0 : key; // -0 and 0 are one Map key
  return mix32(floatWords[0]! ^ mix32(floatWords[1]!));
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
  return mix32(h);
}
