/**
 * Shared connections: one connection per owner (a backend config object, or a client the app
 * passed in), used by every function's store of that backend, and closed when the last of those
 * stores is closed. The Redis and Memcached stores both need exactly this counting; it lives here
 * once so the two cannot drift apart (an owner reopened while its old connection closes, a count
 * off by one on a double close).
 */

/** What a shared connection must offer: a close, awaited when the last user lets it go. */
export interface SharedConnection {
  close(): void | Promise<void>;
}

/** One user's hold on a shared connection. */
export interface ConnectionLease<C> {
  readonly connection: C;
  /** Lets the connection go; the last release closes it (and resolves once it is closed). Once only. */
  release(): Promise<void>;
}

/**
 * The connections of one kind of backend, by owner, held weakly (an owner nobody references any
 * more takes its entry with it). An owner's entry is removed only once its connection has closed,
 * so a store opened while the last one closes is given the closing connection (as before the
 * counting was shared).
 */
export class SharedConnections<C extends SharedConnection> {
  readonly #held = new WeakMap<object, { connection: C; refs: number }>();

  /** The connection of `owner`, opened by `open` when it has none; counts one more user. */
  acquire(owner: object, open: () => C): ConnectionLease<C> {
    let held = this.#held.get(owner);
    if (held === undefined) {
      held = { connection: open(), refs: 0 };
      this.#held.set(owner, held);
    }
    held.refs++;
    const entry = held;
    let released = false;
    return {
      connection: entry.connection,
      release: async () => {
        if (released) return;
        released = true;
        if (--entry.refs !== 0) return;
        // A synchronous close (Memcached) frees the owner at once, before release() returns.
        const closing = entry.connection.close();
        if (closing !== undefined) await closing;
        this.#held.delete(owner);
      },
    };
  }
}
