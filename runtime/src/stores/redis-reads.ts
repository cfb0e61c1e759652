/**
 * Concurrent reads of one Redis connection, sent as one command: the GETs that the stores of
 * every function on the connection ask for within one tick go out as one `MGET` (a single GET
 * when there is one), and each caller's promise is settled from its slot of the reply.
 *
 * Why: with 50 callers, auto-pipelined GETs cost the client a command object, two promises, a
 * callback and a timer per key; one MGET costs one of each per tick, and the server parses one
 * command instead of 50. The answer of each key is what its own GET would have answered
 * (MGET answers nil for a missing key, as GET does; a key holding another type answers nil
 * where GET would fail, and both are a miss here).
 *
 * Bounds and order: the MGET is one command under the client's `commandTimeout`, so every read in
 * it waits at most that long, as before, and a failure or timeout settles each read through its
 * own error handler (each counts for the breaker, as separate GETs would). A read goes out on the
 * next tick, after any command issued in the same tick after it: a read may see a later write or
 * delete of the same tick, never miss an earlier one. Not for Redis Cluster, where one MGET must
 * name keys of one hash slot: there every read is its own GET (`RedisStore.get`). A server that
 * refuses MGET itself (an ACL user without it, a proxy that lacks it) makes every later read of the
 * connection its own GET, starting with the reads of the refused batch: nothing is lost to it.
 */
import type { Redis } from 'ioredis';
import { MISS } from './types.js';

/** Where a read's answer goes: called once, with the reply's bytes (null: no such key) or the error. */
export interface ReadTarget {
  /** The value for the caller (the store decodes it). */
  readonly onReply: (bytes: Buffer | null) => unknown;
  /** The caller's answer when the read failed (the store reports it and answers a miss). */
  readonly onError: (error: unknown) => unknown;
}

/**
 * At most this many keys in one MGET: past it a batch goes out at once and the next one starts
 * (a reply of 256 values of the default 1 MiB bound at most is already large).
 */
const BATCH_MAX = 256;

export class ReadBatcher {
  readonly #client: Redis;
  #keys: string[] = [];
  #targets: ReadTarget[] = [];
  #resolvers: ((value: unknown) => void)[] = [];
  /** A tick is scheduled to send what has gathered. */
  #scheduled = false;
  /** The server refused an MGET (see `refusesBatch`): every read is its own GET. */
  #single = false;
  /** The one executor of every read's promise (no closure per read). */
  readonly #capture = (resolve: (value: unknown) => void): void => {
    this.#resolvers.push(resolve);
  };

  constructor(client: Redis) {
    this.#client = client;
  }

  /** Reads `key` with the other reads of this tick; resolves with what `target` answers (never rejects). */
  read(key: string, target: ReadTarget): Promise<unknown> {
    if (this.#single) return new Promise((resolve) => this.#sendOne(key, target, resolve));
    if (this.#keys.length === BATCH_MAX) this.#send();
    const answer = new Promise<unknown>(this.#capture);
    this.#keys.push(key);
    this.#targets.push(target);
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#tick);
    }
    return answer;
  }

  readonly #tick = (): void => {
    this.#scheduled = false;
    this.#send();
  };

  /** Sends the reads gathered so far as one command. */
  #send(): void {
    const keys = this.#keys;
    if (keys.length === 0) return;
    const targets = this.#targets;
    const resolvers = this.#resolvers;
    this.#keys = [];
    this.#targets = [];
    this.#resolvers = [];
    let reply: Promise<Buffer | null> | Promise<(Buffer | null)[]>;
    try {
      reply = keys.length === 1 ? this.#client.getBuffer(keys[0]!) : this.#client.mgetBuffer(keys);
    } catch (error) {
      failAll(targets, resolvers, error);
      return;
    }
    reply.then((values: unknown) => {
      const list = Array.isArray(values) ? values as unknown[] : [values];
      for (let i = 0; i < targets.length; i++) {
        const bytes = list[i];
        settle(resolvers[i]!, targets[i]!, Buffer.isBuffer(bytes) ? bytes : null);
      }
    }, (error: unknown) => {
      if (keys.length > 1 && refusesBatch(error)) {
        this.#single = true;
        for (let i = 0; i < keys.length; i++) this.#sendOne(keys[i]!, targets[i]!, resolvers[i]!);
      } else {
        failAll(targets, resolvers, error);
      }
    });
  }

  /** One read as its own GET. */
  #sendOne(key: string, target: ReadTarget, resolve: (value: unknown) => void): void {
    let reply: Promise<Buffer | null>;
    try {
      reply = this.#client.getBuffer(key);
    } catch (error) {
      resolve(failed(target, error));
      return;
    }
    reply.then((bytes) => settle(resolve, target, Buffer.isBuffer(bytes) ? bytes : null), (error: unknown) => resolve(failed(target, error)));
  }
}

/**
 * True when the server refused the MGET command itself rather than failed to run it: no permission
 * (an ACL), an unknown command (a proxy), keys of several slots. Not a timeout, a dropped
 * connection or a server that is loading or busy (those fail a GET as well).
 */
function refusesBatch(error: unknown): boolean {
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'ReplyError' && typeof message === 'string' && /^(NOPERM|ERR unknown command|CROSSSLOT)/i.test(message);
}

/** Resolves one read with its target's answer; a target that throws answers as for an error, and a miss at worst. */
function settle(resolve: (value: unknown) => void, target: ReadTarget, bytes: Buffer | null): void {
  let answer: unknown;
  try {
    answer = target.onReply(bytes);
  } catch (error) {
    answer = failed(target, error);
  }
  resolve(answer);
}

function failAll(targets: ReadTarget[], resolvers: ((value: unknown) => void)[], error: unknown): void {
  for (let i = 0; i < targets.length; i++) resolvers[i]!(failed(targets[i]!, error));
}

function failed(target: ReadTarget, error: unknown): unknown {
  try {
    return target.onError(error);
  } catch {
    return MISS;
  }
}
