/**
 * The key scheme shared by the Redis and Memcached stores:
 *
 *     prefix + namespace + ':' + generation + ':' + key      e.g.  myapp:src/prices.ts#getPrices:1732512345678:["EUR"]
 *     prefix + namespace + ':gen'                             the function's generation counter
 *
 * Readable with `redis-cli` when the parts are short printable ASCII; a part that is long or holds
 * spaces or control characters (Memcached forbids them, and its keys are at most 250 bytes) is
 * replaced by `#` + a 128-bit SHA-256 prefix in base64url. Clearing a function increments its
 * generation: the old keys are never read again and leave by their TTL (or the server's eviction).
 */
import { createHash } from 'node:crypto';

const PRINTABLE = /^[\x21-\x7e]*$/;

/** `part` itself when short and printable, else a hash of it (prefixed `#`, so the two never collide). */
export function keyPart(part: string, maxLength: number): string {
  if (part.length <= maxLength && part.charCodeAt(0) !== 35 /* # */ && PRINTABLE.test(part)) return part;
  return '#' + createHash('sha256').update(part).digest('base64url').slice(0, 22);
}

/** Key builders of one function (namespace) under one prefix. */
export class KeyScheme {
  readonly base: string;
  readonly generationKey: string;
  #maxKey: number;

  /** @param maxTotal the backend's key length limit (Memcached: 250), used to size the key part */
  constructor(prefix: string, namespace: string, maxTotal = 1024) {
    this.base = prefix + keyPart(namespace, 120) + ':';
    this.generationKey = this.base + 'gen';
    this.#maxKey = Math.max(23, maxTotal - this.base.length - 20);
  }

  data(generation: string, key: string): string {
    return this.base + generation + ':' + keyPart(key, this.#maxKey);
  }

  lock(generation: string, key: string): string {
    return this.base + 'lock:' + generation + ':' + keyPart(key, this.#maxKey);
  }
}

/** Initial generation when a function's counter does not exist yet: the current time, so a counter lost to eviction never revives old keys. */
export function initialGeneration(): string {
  return String(Date.now());
}
