/**
 * The disk store: SQLite through better-sqlite3 (loaded on first use), one database file shared by
 * every function and every process that names the same `path`.
 *
 * - Persistent across restarts; several processes on one machine or shared volume read and write
 *   it safely (WAL journal, `busy_timeout`), and a process killed mid-write leaves the old or the
 *   new value, never a torn one (SQLite transactions). A file that is not a database, or is
 *   found damaged at open or while in use, is moved aside (`*.corrupt-<time>`) and a fresh one
 *   is created.
 * - Bounded by bytes (`maxBytes`): a total kept by triggers in the file itself, in the same
 *   transaction as each row, so every process agrees and an overwrite counts once; past it, the
 *   least recently used entries (any function's) are deleted in one transaction down to 90% of
 *   the bound.
 * - TTL by the store's injected clock (`context.now`); expired entries miss and are deleted lazily.
 * - Values use the same codec as the remote stores.
 * - better-sqlite3 is synchronous: each operation blocks the event loop for its duration
 *   (microseconds on a local disk).
 * - Fails open: a directory that cannot be created or opened (read-only, under a regular file),
 *   a full disk or a lock held too long is reported through `backendError` and answered as a miss
 *   or a dropped write; the first filesystem failure per file is also one `CACHELENS_DISK_UNUSABLE`
 *   warning, and `health` is `degraded` meanwhile. Nothing is thrown into user code.
 *
 * Engine choice: `bench/backends-disk.ts` (see docs/benchmarks.md (backends section)).
 */
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { MISS } from './types.js';
import type { AsyncStore, BackendConfig, BackendHealth, Miss, SetOptions, StoreContext, StoreEvents, StoreFactory } from './types.js';
import { createCodec, type Codec, type SerializeOptions, decodeOrMiss, encodeOrReport } from './serialize.js';
import { BackendConfigError, BackendDependencyMissingError, BackendUnavailableError } from './remote/errors.js';
import { bytesOption, msOption } from './remote/options.js';
import { CacheLensError } from '../errors.js';

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

/** An open database and its statements. Replaced as a whole when the file is found damaged. */
class Connection {
  readonly get: Statement<[string, string], { value: Buffer; expires: number | null; atime: number }>;
  readonly put: Statement<[string, string, Buffer, number, number | null, number]>;
  readonly touch: Statement<[number, string, string]>;
  readonly del: Statement<[string, string]>;
  readonly expire: Statement<[string, string, number]>;
  readonly clear: Statement<[string]>;
  readonly total: Statement<[], { total: number }>;
  readonly oldest: Statement<[number], { ns: string; key: string; bytes: number }>;
  /** The file's inode when opened: a recovery moves aside only the file this connection read. */
  readonly ino: number;

  constructor(readonly db: Database, file: string) {
    this.get = db.prepare('SELECT value, expires, atime FROM entries WHERE ns = ? AND key = ?');
    this.put = db.prepare('INSERT OR REPLACE INTO entries (ns, key, value, bytes, expires, atime) VALUES (?, ?, ?, ?, ?, ?)');
    this.touch = db.prepare('UPDATE entries SET atime = ? WHERE ns = ? AND key = ?');
    this.del = db.prepare('DELETE FROM entries WHERE ns = ? AND key = ?');
    // Only if still expired: another process may have written a fresh value since it was read.
    this.expire = db.prepare('DELETE FROM entries WHERE ns = ? AND key = ? AND expires <= ?');
    this.clear = db.prepare('DELETE FROM entries WHERE ns = ?');
    this.total = db.prepare('SELECT total FROM meta WHERE id = 0');
    this.oldest = db.prepare('SELECT ns, key, bytes FROM entries ORDER BY atime LIMIT ?');
    this.ino = fs.statSync(file).ino;
  }

  /** Opens (creating the directory and the file) and migrates; moves a file that is not a database aside first. */
  static open(file: string, busyTimeoutMs: number): Connection {
    const Sqlite = loadSqlite();
    fs.mkdirSync(path.dirname(file), { recursive: true });
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
        return new Connection(db, file);
      } catch (error) {
        db.close();
        throw error;
      }
    };
    try {
      return attempt();
    } catch (error) {
      if (!isDamaged(error)) throw error;
      moveAside(file);
      return attempt();
    }
  }

  /** Deletes least recently used entries until the total is at most 90% of `maxBytes`; returns what left per namespace. */
  evict(maxBytes: number): Map<string, { count: number; bytes: number }> {
    const left = new Map<string, { count: number; bytes: number }>();
    this.db.transaction(() => {
      let total = this.total.get()?.total ?? 0;
      const target = Math.floor(maxBytes * 0.9);
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

/** SQLite says the file is not a database, or is damaged beyond its own recovery. */
function isDamaged(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/** Keeps a damaged file for inspection (`<file>.corrupt-<time>`) and clears the way for a fresh one. */
function moveAside(file: string): void {
  fs.renameSync(file, `${file}.corrupt-${Date.now()}`);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

/**
 * What a filesystem failure means for the user, or undefined for a passing one (another
 * process holding the lock longer than `busyTimeoutMs`). Codes: Node's (`mkdir`) and SQLite's.
 */
function diskProblem(error: unknown): { cannot: string; fix: string } | undefined {
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return { cannot: 'be created', fix: 'a part of the path is a regular file: point `path` at a directory, or a file ending in .sqlite' };
  }
  if (/^SQLITE_(CANTOPEN|READONLY|PERM|AUTH|IOERR_SHM)/.test(code) || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const user = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
    return {
      cannot: 'be opened or written',
      fix: `make its directory writable by this process's user${user}, or point \`path\` at a writable directory (in a container: a mounted volume such as an emptyDir, or a path under /tmp)`,
    };
  }
  // A write past the file size limit (EFBIG) or a quota surfaces as an I/O error, not SQLITE_FULL.
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT') {
    return {
      cannot: 'be written or read: its disk is full, over a quota or the file size limit, or failing',
      fix: 'free space there, lower `maxBytes`, or point `path` at another volume',
    };
  }
  return undefined;
}

/** Files already warned about in this process: one `CACHELENS_DISK_UNUSABLE` warning per file. */
const warned = new Set<string>();

/**
 * One database file shared by every function's store on it in this process. Never throws a
 * filesystem failure: a file that cannot be created or opened leaves the store without a
 * connection (every operation misses or drops its write), a failed write is reported, and both
 * show as `health: 'degraded'`; the user's functions run uncached meanwhile. A file found
 * damaged while in use is moved aside and a fresh one opened.
 */
class DiskFile {
  #conn: Connection | undefined;
  /** Why there is no connection, or why the last write failed; reported with each failed operation. */
  #problem: DiskUnusableError | undefined;
  #failing = false;
  refs = 0;

  constructor(readonly file: string, readonly maxBytes: number, readonly busyTimeoutMs: number, readonly backend: string, readonly onClosed: () => void) {
    try {
      this.#conn = Connection.open(file, busyTimeoutMs);
    } catch (error) {
      if (error instanceof BackendDependencyMissingError) throw error;
      this.#unusable(error, true);
    }
  }

  /** `degraded` while the file cannot be opened, or since the disk failed an operation until a write succeeds again. */
  get health(): BackendHealth {
    return this.#conn === undefined || this.#failing ? 'degraded' : 'ok';
  }

  /**
   * Runs `fn` on the connection; any failure is reported through `events` and answered with
   * `fallback`. `write`: whether `fn` writes (its success shows the disk works again: `ok`).
   */
  run<T>(events: StoreEvents, op: string, write: boolean, fn: (conn: Connection) => T, fallback: T, retried = false): T {
    const conn = this.#conn;
    if (conn === undefined) {
      events.backendError?.(this.#problem!);
      return fallback;
    }
    try {
      const result = fn(conn);
      if (write) this.#failing = false;
      return result;
    } catch (error) {
      if (!retried && isDamaged(error) && this.#recover(conn)) {
        events.backendError?.(new BackendUnavailableError('disk', op, error));
        return this.run(events, op, write, fn, fallback, true);
      }
      const problem = this.#unusable(error);
      if (problem !== undefined) this.#failing = true;
      events.backendError?.(problem ?? new BackendUnavailableError('disk', op, error));
      return fallback;
    }
  }

  /**
   * The error to report for a filesystem failure (warned once per file), or undefined for a
   * passing one. `opening`: the file cannot be used at all, whatever the failure.
   */
  #unusable(error: unknown, opening = false): DiskUnusableError | undefined {
    const problem = diskProblem(error) ?? (opening ? { cannot: 'be opened', fix: 'check the path, its permissions and its disk' } : undefined);
    if (problem === undefined) return undefined;
    const unusable = new DiskUnusableError(this.file, this.backend, problem.cannot, problem.fix, error);
    this.#problem = unusable;
    if (!warned.has(this.file)) {
      warned.add(this.file);
      process.emitWarning(unusable.message, { type: 'CacheLensWarning', code: unusable.code });
    }
    return unusable;
  }

  /** The file turned out damaged: move it aside (unless another process already did) and open a fresh one. */
  #recover(damaged: Connection): boolean {
    this.#conn = undefined;
    try { damaged.db.close(); } catch { /* closing a damaged file may fail; it is dropped either way */ }
    try {
      if (fs.statSync(this.file, { throwIfNoEntry: false })?.ino === damaged.ino) moveAside(this.file);
      this.#conn = Connection.open(this.file, this.busyTimeoutMs);
      return true;
    } catch (error) {
      this.#unusable(error, true);
      return false;
    }
  }

  close(): void {
    try { this.#conn?.db.close(); } catch { /* nothing is lost: every write was committed */ }
    this.#conn = undefined;
    this.onClosed();
  }
}

/**
 * The disk store cannot use its file (a read-only or missing directory, a path under a regular
 * file, a full disk). Not thrown: reported through `backendError` with each operation it fails,
 * and emitted once per file as a `CacheLensWarning`. Calls compute and return their result.
 */
export class DiskUnusableError extends CacheLensError {
  /** The database file. */
  readonly file: string;
  constructor(file: string, backend: string, cannot: string, fix: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'CACHELENS_DISK_UNUSABLE',
      `cachelens: the disk cache file ${file} (backend "${backend}") cannot ${cannot} (${why}); ` +
        `calls run uncached meanwhile. To fix: ${fix}.`,
      { cause },
    );
    this.file = file;
  }
}

const files = new Map<string, DiskFile>();

/** Events of reads that are not calls (statistics polling the size): failures are not counted. */
const UNCOUNTED: StoreEvents = { evicted: () => undefined };

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
    if (!/\.(sqlite3?|db)$/.test(file)) file = path.join(file, 'cachelens.sqlite');
    this.#codec = createCodec(config);
    let shared = files.get(file);
    if (!shared) files.set(file, (shared = new DiskFile(file, maxBytes, busy, context.backendName ?? 'disk', () => files.delete(file))));
    shared.refs++;
    this.#file = shared;
    this.#events = context.events;
    this.#now = context.now;
    this.#ns = context.namespace;
  }

  /** `degraded` while the file cannot be opened or the last write to it failed (read-only, full). */
  get health(): BackendHealth {
    return this.#file.health;
  }

  async get(key: string): Promise<V | Miss> {
    const ns = this.#ns;
    const row = this.#file.run(this.#events, 'read', false, (c) => c.get.get(ns, key), undefined);
    if (row === undefined) return MISS;
    const now = this.#now();
    if (row.expires !== null && row.expires <= now) {
      this.#file.run(this.#events, 'delete', true, (c) => c.expire.run(ns, key, now), undefined);
      this.#events.evicted('expired', 1, row.value.length);
      return MISS;
    }
    // Recency for eviction, written at most once a second per entry to spare the write lock.
    if (now - row.atime > 1000) this.#file.run(this.#events, 'touch', true, (c) => c.touch.run(now, ns, key), undefined);
    return decodeOrMiss(this.#codec, row.value, this.#events) as V | Miss;
  }

  async set(key: string, value: V, options: SetOptions): Promise<void> {
    const bytes = encodeOrReport(this.#codec, value, this.#ns, this.#events);
    if (bytes === undefined) return;
    const now = this.#now();
    const expires = options.ttlMs === undefined ? null : now + options.ttlMs;
    const file = this.#file;
    const written = file.run(this.#events, 'write', true, (c) => { c.put.run(this.#ns, key, bytes, bytes.length, expires, now); return true; }, false);
    if (!written) return;
    const total = file.run(this.#events, 'read', false, (c) => c.total.get()?.total ?? 0, 0);
    if (total > file.maxBytes) {
      const left = file.run(this.#events, 'evict', true, (c) => c.evict(file.maxBytes), new Map<string, { count: number; bytes: number }>());
      const mine = left.get(this.#ns);
      if (mine) this.#events.evicted('size', mine.count, mine.bytes);
    }
  }

  async has(key: string): Promise<boolean> {
    const row = this.#file.run(this.#events, 'read', false, (c) => c.get.get(this.#ns, key), undefined);
    return row !== undefined && (row.expires === null || row.expires > this.#now());
  }

  async delete(key: string): Promise<boolean> {
    const live = await this.has(key);
    const changes = this.#file.run(this.#events, 'delete', true, (c) => c.del.run(this.#ns, key).changes, 0);
    if (changes > 0 && live) this.#events.evicted('explicit', 1, 0);
    return changes > 0 && live;
  }

  async clear(): Promise<void> {
    this.#file.run(this.#events, 'clear', true, (c) => c.clear.run(this.#ns), undefined);
  }

  /** Bytes of all values in the file (every function's); 0 while the file cannot be opened. Not a call: a failure is not counted. */
  get bytes(): number {
    return this.#file.run(UNCOUNTED, 'read', false, (c) => c.total.get()?.total ?? 0, 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (--this.#file.refs === 0) this.#file.close();
  }
}

/** `StoreFactory` for `"type": "disk"`. Loads better-sqlite3 on first call. */
export const createDiskStore: StoreFactory = (config: BackendConfig, context: StoreContext) =>
  new DiskStore(config as DiskBackendConfig, context);

/** The name the backend registry (`backends.ts`) looks for when it loads this module. */
export const createStore: StoreFactory = createDiskStore;
