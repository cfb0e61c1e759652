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
 * delete of the same tick, never miss an earlier one. On a Redis Cluster, where one MGET must
 * name keys of one hash slot, every read is its own GET (`batch: false`). A server that refuses
 * MGET itself (an ACL user without it, a proxy that lacks it) makes every later read of the
 * connection its own GET, starting with the reads of the refused batch: nothing is lost to it.
 */
import type { Client } from './redis-client.js';
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
  readonly #client: Client;
  #keys: string[] = [];
  #targets: ReadTarget[] = [];
  #resolvers: ((value: unknown) => void)[] = [];
  /** A tick is scheduled to send what has gathered. */
  #scheduled = false;
  /** Every read is its own GET: on a Cluster, or once the server refused an MGET (see `refusesBatch`). */
  #single: boolean;
  /** The one executor of every read's promise (no closure per read). */
  readonly #capture = (resolve: (value: unknown) => void): void => {
    this.#resolvers.push(resolve);
  };

  /** `batch`: false where one MGET cannot name any keys (a Cluster): every read is then its own GET. */
  constructor(client: Client, batch: boolean) {
    this.#client = client;
    this.#single = !batch;
  }

  /** Reads `key` with the other reads of this tick; resolves with what `target` answers (never rejects). */
  read(key: string, target: ReadTarget): Promise<unknown> {
    if (this.#single) return this.#readOne(key, target);
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
        resolvers[i]!(answer(targets[i]!, Buffer.isBuffer(bytes) ? bytes : null));
      }
    }, (error: unknown) => {
      if (keys.length > 1 && refusesBatch(error)) {
        this.#single = true;
        for (let i = 0; i < keys.length; i++) void this.#readOne(keys[i]!, targets[i]!).then(resolvers[i]!);
      } else {
        failAll(targets, resolvers, error);
      }
    });
  }

  /** One read as its own GET; resolves with what `target` answers (never rejects). */
  #readOne(key: string, target: ReadTarget): Promise<unknown> {
    let reply: Promise<Buffer | null>;
    try {
      reply = this.#client.getBuffer(key);
    } catch (error) {
      return Promise.resolve(failed(target, error));
    }
    return reply.then((bytes) => answer(target, Buffer.isBuffer(bytes) ? bytes : null), (error: unknown) => failed(target, error));
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

/** What `target` answers to `bytes`; a target that throws answers as for an error, and a miss at worst. */
function answer(target: ReadTarget, bytes: Buffer | null): unknown {
  try {
    return target.onReply(bytes);
  } catch (error) {
    return failed(target, error);
  }
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
