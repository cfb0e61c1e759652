/**
 * The disk store: SQLite through better-sqlite3 (loaded on first use), one database file shared by
 * every function and every process that names the same `path`.
 *
 * - Persistent across restarts; several processes on one machine or shared volume read and write
 *   it safely (WAL journal, `busy_timeout`), and a process killed mid-write leaves the old or the
 *   new value, never a torn one (SQLite transactions). A file that cannot be opened as a database
 *   is moved aside (`*.corrupt-<time>`) and a fresh one is created.
 * - Bounded by bytes (`maxBytes`): a total kept by triggers in the file itself, in the same
 *   transaction as each row, so every process agrees and an overwrite counts once; past it, the
 *   least recently used entries (any function's) are deleted in one transaction down to 90% of
 *   the bound.
 * - TTL by the store's injected clock (`context.now`); expired entries miss and are deleted lazily.
 * - Values use the same codec as the remote stores.
 * - better-sqlite3 is synchronous: each operation blocks the event loop for its duration
 *   (microseconds on a local disk). Failures (a locked or full disk) are reported and answered as misses.
 *
 * Engine choice: `bench/backends-disk.ts` (see docs/benchmarks.md (backends section)).
 */
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { MISS } from './types.js';
import type { AsyncStore, BackendConfig, Miss, SetOptions, StoreContext, StoreEvents, StoreFactory } from './types.js';
import { createCodec, type Codec, type SerializeOptions, decodeOrMiss, encodeOrReport } from './serialize.js';
import { BackendConfigError, BackendDependencyMissingError, BackendUnavailableError } from './remote/errors.js';
import { bytesOption, msOption } from './remote/options.js';

/** The `backends.NAME` entry for `"type": "disk"`. */
export interface DiskBackendConfig extends SerializeOptions, BackendConfig {
  /** `"disk"`. */
  type: string;
  /** Database file, or a directory to hold `cachelens.sqlite` (created). Relative to the working directory. Default: `".cache/cachelens"`. */
  path?: string;
  /** Bound on the bytes of all stored values in the file; past it the least recently used entries go. Default: 1 GiB. Example: `"1GB"`, 536870912. */
  maxBytes?: number | string;
  /** How long a write waits for another process's write to finish, in ms. Default: 2000. */
  busyTimeoutMs?: number | `${number}`;
}

type Database = BetterSqlite3.Database;
type Statement<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

function loadSqlite(): typeof BetterSqlite3 {
  try {
    // Loaded on first use: apps that never use the disk store never load (or build) better-sqlite3.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('better-sqlite3') as typeof BetterSqlite3;
  } catch (error) {
    throw new BackendDependencyMissingError('disk', 'better-sqlite3', error);
  }
}

/**
 * The schema, and the steps from each older `user_version` to the current one. Applied in one
 * immediate transaction, so processes opening the file at once agree and migrate it once.
 */
const SCHEMA_VERSION = 1;
const TABLES = `
CREATE TABLE IF NOT EXISTS entries (
  ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, bytes INTEGER NOT NULL,
  expires INTEGER, atime INTEGER NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_atime ON entries (atime);
CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 0), total INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES (0, 0);
CREATE TRIGGER IF NOT EXISTS entries_del AFTER DELETE ON entries BEGIN UPDATE meta SET total = total - OLD.bytes; END;
CREATE TRIGGER IF NOT EXISTS entries_upd AFTER UPDATE OF bytes ON entries BEGIN UPDATE meta SET total = total - OLD.bytes + NEW.bytes; END;
`;
/**
 * Version 1: the total counts a replaced row. `INSERT OR REPLACE` deletes the row it replaces
 * without firing delete triggers (SQLite fires them only with `recursive_triggers`), so an
 * AFTER INSERT trigger added the new size and never took the old one away: every overwrite grew
 * the total until eviction emptied the cache. The trigger now runs before the insert and takes
 * the replaced row's size itself, whatever statement or process writes; the total of a file
 * written before is recomputed from its rows.
 */
const TO_VERSION_1 = `
DROP TRIGGER IF EXISTS entries_ins;
CREATE TRIGGER entries_ins BEFORE INSERT ON entries BEGIN
  UPDATE meta SET total = total + NEW.bytes
    - COALESCE((SELECT bytes FROM entries WHERE ns = NEW.ns AND key = NEW.key), 0);
END;
UPDATE meta SET total = (SELECT COALESCE(SUM(bytes), 0) FROM entries);
`;

/** One open database shared by every function's store on the same file in this process. */
class DiskFile {
  readonly db: Database;
  readonly get: Statement<[string, string], { value: Buffer; expires: number | null; atime: number }>;
  readonly put: Statement<[string, string, Buffer, number, number | null, number]>;
  readonly touch: Statement<[number, string, string]>;
  readonly del: Statement<[string, string]>;
  readonly expire: Statement<[string, string, number]>;
  readonly clear: Statement<[string]>;
  readonly total: Statement<[], { total: number }>;
  readonly oldest: Statement<[number], { ns: string; key: string; bytes: number }>;
  refs = 0;

  constructor(readonly file: string, readonly maxBytes: number, busyTimeoutMs: number, readonly onClosed: () => void) {
    this.db = DiskFile.open(file, busyTimeoutMs);
    this.get = this.db.prepare('SELECT value, expires, atime FROM entries WHERE ns = ? AND key = ?');
    this.put = this.db.prepare('INSERT OR REPLACE INTO entries (ns, key, value, bytes, expires, atime) VALUES (?, ?, ?, ?, ?, ?)');
    this.touch = this.db.prepare('UPDATE entries SET atime = ? WHERE ns = ? AND key = ?');
    this.del = this.db.prepare('DELETE FROM entries WHERE ns = ? AND key = ?');
    // Only if still expired: another process may have written a fresh value since it was read.
    this.expire = this.db.prepare('DELETE FROM entries WHERE ns = ? AND key = ? AND expires <= ?');
    this.clear = this.db.prepare('DELETE FROM entries WHERE ns = ?');
    this.total = this.db.prepare('SELECT total FROM meta WHERE id = 0');
    this.oldest = this.db.prepare('SELECT ns, key, bytes FROM entries ORDER BY atime LIMIT ?');
  }

  static open(file: string, busyTimeoutMs: number): Database {
    const Sqlite = loadSqlite();
    const attempt = () => {
      const db = new Sqlite(file, { timeout: busyTimeoutMs });
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.transaction(() => {
          const version = db.pragma('user_version', { simple: true }) as number;
          if (version >= SCHEMA_VERSION) return;
          db.exec(TABLES);
          db.exec(TO_VERSION_1);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
        return db;
      } catch (error) {
        db.close();
        throw error;
      }
    };
    try {
      return attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') throw error;
      // Not a database (or damaged beyond SQLite's recovery): keep it for inspection, start afresh.
      const aside = `${file}.corrupt-${Date.now()}`;
      fs.renameSync(file, aside);
      for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
      return attempt();
    }
  }

  /** Deletes least recently used entries until the total is at most 90% of `maxBytes`; returns what left per namespace. */
  evict(): Map<string, { count: number; bytes: number }> {
    const left = new Map<string, { count: number; bytes: number }>();
    this.db.transaction(() => {
      let total = this.total.get()?.total ?? 0;
      const target = Math.floor(this.maxBytes * 0.9);
      while (total > target) {
        const batch = this.oldest.all(64);
        if (batch.length === 0) break;
        for (const row of batch) {
          if (total <= target) break;
          this.del.run(row.ns, row.key);
          total -= row.bytes;
          const n = left.get(row.ns) ?? { count: 0, bytes: 0 };
          n.count++;
          n.bytes += row.bytes;
          left.set(row.ns, n);
        }
      }
    }).immediate();
    return left;
  }
}

const files = new Map<string, DiskFile>();

/** The store of one memoized function in a disk file. */
export class DiskStore<V = unknown> implements AsyncStore<V> {
  readonly sync = false;
  readonly kind = 'disk';
  readonly #file: DiskFile;
  readonly #codec: Codec;
  readonly #events: StoreEvents;
  readonly #now: () => number;
  readonly #ns: string;
  #closed = false;

  constructor(config: DiskBackendConfig, context: StoreContext) {
    const maxBytes = bytesOption('disk', config, 'maxBytes', 1024 ** 3);
    const busy = msOption('disk', config, 'busyTimeoutMs', 2000, 0);
    const given = config.path ?? '.cache/cachelens';
    if (typeof given !== 'string' || given === '') throw new BackendConfigError('disk', 'path', 'must be a file or directory path such as ".cache/cachelens".');
    let file = path.resolve(given);
    if (!/\.(sqlite3?|db)$/.test(file)) {
      fs.mkdirSync(file, { recursive: true });
      file = path.join(file, 'cachelens.sqlite');
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    }
    this.#codec = createCodec(config);
    let shared = files.get(file);
    if (!shared) files.set(file, (shared = new DiskFile(file, maxBytes, busy, () => files.delete(file))));
    shared.refs++;
    this.#file = shared;
    this.#events = context.events;
    this.#now = context.now;
    this.#ns = context.namespace;
  }

  /** Runs a database operation; a failure (locked, disk full) is reported and answered with `fallback`. */
  #run<T>(op: string, fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (error) {
      this.#events.backendError?.(new BackendUnavailableError('disk', op, error));
      return fallback;
    }
  }

  async get(key: string): Promise<V | Miss> {
    const row = this.#run('read', () => this.#file.get.get(this.#ns, key), undefined);
    if (row === undefined) return MISS;
    const now = this.#now();
    if (row.expires !== null && row.expires <= now) {
      this.#run('delete', () => this.#file.expire.run(this.#ns, key, now), undefined);
      this.#events.evicted('expired', 1, row.value.length);
      return MISS;
    }
    // Recency for eviction, written at most once a second per entry to spare the write lock.
    if (now - row.atime > 1000) this.#run('touch', () => this.#file.touch.run(now, this.#ns, key), undefined);
    return decodeOrMiss(this.#codec, row.value, this.#events) as V | Miss;
  }

  async set(key: string, value: V, options: SetOptions): Promise<void> {
    const bytes = encodeOrReport(this.#codec, value, this.#ns, this.#events);
    if (bytes === undefined) return;
    const now = this.#now();
    const expires = options.ttlMs === undefined ? null : now + options.ttlMs;
    this.#run('write', () => this.#file.put.run(this.#ns, key, bytes, bytes.length, expires, now), undefined);
    const total = this.#run('read', () => this.#file.total.get()?.total ?? 0, 0);
    if (total > this.#file.maxBytes) {
      const left = this.#run('evict', () => this.#file.evict(), new Map());
      const mine = left.get(this.#ns);
      if (mine) this.#events.evicted('size', mine.count, mine.bytes);
    }
  }

  async has(key: string): Promise<boolean> {
    const row = this.#run('read', () => this.#file.get.get(this.#ns, key), undefined);
    return row !== undefined && (row.expires === null || row.expires > this.#now());
  }

  async delete(key: string): Promise<boolean> {
    const live = await this.has(key);
    const changes = this.#run('delete', () => this.#file.del.run(this.#ns, key).changes, 0);
    if (changes > 0 && live) this.#events.evicted('explicit', 1, 0);
    return changes > 0 && live;
  }

  async clear(): Promise<void> {
    this.#run('clear', () => this.#file.clear.run(this.#ns), undefined);
  }

  /** Bytes of all values in the file (every function's). */
  get bytes(): number {
    return this.#run('read', () => this.#file.total.get()?.total ?? 0, 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (--this.#file.refs === 0) {
      this.#file.db.close();
      this.#file.onClosed();
    }
  }
}

/** `StoreFactory` for `"type": "disk"`. Loads better-sqlite3 on first call. */
export const createDiskStore: StoreFactory = (config: BackendConfig, context: StoreContext) =>
  new DiskStore(config as DiskBackendConfig, context);

/** The name the backend registry (`backends.ts`) looks for when it loads this module. */
export const createStore: StoreFactory = createDiskStore;
