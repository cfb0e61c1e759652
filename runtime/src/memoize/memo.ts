/**
 * `Memo`: everything shared by the cells of one memoized function or method: its options, resolved
 * backend, statistics, registry entry and trace, and how a new cell over a new store is made.
 * One per function (or decorated method); the cells hold the values. Here too: the warning when two
 * different functions share one namespace of a shared backend (a property of memos, not of cells).
 */
import { performance } from 'node:perf_hooks';
import { backendFactory, BUILTIN_TYPES } from '../backends.js';
import { tickNow } from '../clock.js';
import { CacheLensError, OptionsError } from '../errors.js';
import { resolveOptions, type MemoizeOptions, type ResolvedOptions } from '../options.js';
import { register, uniqueId, type MemoizedInfo } from '../registry.js';
import { Stats, type StatsSnapshot } from '../stats.js';
import { recordingStore, TraceRecorder } from '../simulate/recorder.js';
import { MissCauses } from '../stats-causes.js';
import type { Store, SyncStore } from '../stores/types.js';
import { codePointLength, MAX_STRING_CODE_POINTS } from '../protocol.js';
import { asyncCell } from './async-cell.js';
import { ComputeTimer } from './compute-timer.js';
import { CONFIRMED, failingCell, UNCONFIRMED, type Cell, type Fn, type InvalidationResult } from './cell.js';
import { syncCell } from './sync-cell.js';
import { Verifier } from './verify.js';
import { warnOnce } from './warnings.js';

const monotonicNow = (): number => performance.now();


/** Everything shared by the cells of one memoized function or method. */
export class Memo {
  readonly stats = new Stats();
  readonly fn: Fn;
  readonly options: MemoizeOptions;
  readonly id: string;
  /** The id as given or derived, before any `#n` suffix: the namespace in remote stores. */
  readonly baseId: string;
  readonly now: () => number;
  /** Measures computations: the `clock` option when given (a fake clock makes `computeMs` exact), else `performance.now`. */
  readonly elapsed: () => number;
  /** Times the computations of the synchronous cells into `stats` (sampled when they are fast: see ComputeTimer). */
  readonly timer: ComputeTimer;
  readonly resolved: ResolvedOptions | undefined;
  /** A ConfigError/BackendError met while resolving; every call rethrows it. */
  readonly failure: unknown;
  readonly info: MemoizedInfo;
  /** The recording of this function's lookups (`trace` option or `CACHELENS_TRACE`); undefined when off. */
  readonly trace: TraceRecorder | undefined;
  /** Checks a share of hits by running the function again (`verify` option); undefined when off. */
  readonly verifier: Verifier | undefined;
  /** The function's only cell (a memoized function, a method on a shared store); else see `listCells`. */
  only: Cell | undefined;
  /** Lists the cells of a method's instances (set by the method); with neither, no cell yet. */
  listCells: (() => Iterable<Cell>) | undefined;
  /** Why misses missed (`stats-causes.ts`); made with the first store, which says whether they are exact. */
  causes: MissCauses | undefined;
  #warnedUncacheable = false;

  constructor(fn: Fn, options: MemoizeOptions, baseId: string, location: { file: string; line: number } | undefined) {
    this.fn = fn;
    this.options = options;
    this.baseId = baseId;
    this.id = uniqueId(baseId);
    if (codePointLength(this.id) > MAX_STRING_CODE_POINTS) {
      throw new OptionsError('id', `is ${codePointLength(this.id)} characters long ("${this.id.slice(0, 40)}…"); the limit is ` +
        `${MAX_STRING_CODE_POINTS} (Unicode code points), since the editor identifies the function by it. ` +
        (options.id !== undefined ? 'Pass a shorter `id`.' : 'Pass an `id` option (the derived one comes from the file path and name).'));
    }
    this.now = options.clock ?? tickNow;
    this.elapsed = options.clock ?? monotonicNow;
    this.timer = new ComputeTimer(this.stats, this.elapsed, options.clock !== undefined);
    let resolved: ResolvedOptions | undefined;
    let failure: unknown;
    try {
      resolved = resolveOptions(options);
      // Build one store now, so that a missing module or npm package is reported on the first call.
      backendFactory(resolved.backendType, resolved.backendName);
      if (resolved.max === Infinity) {
        warnOnce('CACHELENS_UNBOUNDED', '', () => `cachelens: "${this.id}" has an unbounded in-memory cache (max: Infinity); ` +
          'it grows with every distinct argument. Set `max` to bound it.');
      }
    } catch (error) {
      if (!(error instanceof CacheLensError)) throw error;
      failure = error;
    }
    this.resolved = resolved;
    this.failure = failure;
    this.verifier = resolved !== undefined && resolved.verify > 0 ? new Verifier(fn, resolved.verify, resolved.verifyShowValues) : undefined;
    this.trace = resolved?.trace !== undefined ? new TraceRecorder(resolved.trace, this.now) : undefined;
    this.info = this.#makeInfo(location);
    register(this.info);
    if (resolved !== undefined && !BUILTIN_TYPES.includes(resolved.backendType)) warnIfNamespaceShared(this, resolved.backendName);
  }

  /** The cells of this function or method. */
  cells(): Iterable<Cell> {
    if (this.only !== undefined) return [this.only];
    return this.listCells?.() ?? [];
  }

  /** Whether a remote store of the function is degraded (or it could not be resolved). */
  health(): 'ok' | 'degraded' {
    if (this.failure !== undefined) return 'degraded';
    for (const cell of this.cells()) if (!cell.store.sync && cell.store.health === 'degraded') return 'degraded';
    return 'ok';
  }

  #makeInfo(location: { file: string; line: number } | undefined): MemoizedInfo {
    const r = this.resolved;
    const o = this.options;
    const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : ms / 1000);
    const summary: Record<string, string | number | boolean | null> = {
      ttl: seconds(r?.ttlMs),
      max: r === undefined || r.max === Infinity ? null : r.max,
      maxBytes: r?.maxBytes ?? null,
      cacheErrors: r?.cacheErrors ?? false,
      staleWhileRevalidate: seconds(r?.staleMs),
      key: o.key !== undefined ? 'custom' : 'arguments',
      cacheIf: o.cacheIf !== undefined,
      ...(r !== undefined && r.verify > 0 ? { verify: r.verify } : {}),
    };
    return new Info(this, r?.backendName ?? o.backend ?? 'memory', r?.backendType ?? 'unknown', Object.freeze(summary), location);
  }

  /**
   * A result that cannot be measured (reading it threw: a getter, a Proxy) was returned to the
   * caller uncached: counted with the dropped store writes (`backendErrors`), and said once.
   */
  uncacheable(): void {
    this.stats.backendErrors++;
    if (this.#warnedUncacheable) return;
    this.#warnedUncacheable = true;
    warnOnce('CACHELENS_VALUE_NOT_CACHEABLE', this.id, () => `cachelens: a result of "${this.id}" could not be read to be cached ` +
      '(a getter or a Proxy trap threw); it was returned uncached, and such results are counted in backendErrors. ' +
      'Return plain data, or skip such results with `cacheIf`.');
  }

  snapshot(): StatsSnapshot {
    let entries = 0;
    let bytes = 0;
    for (const cell of this.cells()) {
      entries += cell.store.size ?? 0;
      bytes += cell.store.bytes ?? 0;
    }
    const snapshot = this.stats.snapshot(entries, bytes);
    if (this.verifier !== undefined) snapshot.verify = this.verifier.snapshot();
    const causes = this.causes?.snapshot(this.resolved?.ttlMs);
    if (causes !== undefined) snapshot.missCauses = causes;
    return snapshot;
  }

  async clear(): Promise<InvalidationResult> {
    let confirmed = true;
    for (const cell of this.cells()) {
      try {
        if (!(await cell.clear()).confirmed) confirmed = false;
      } catch {
        // clear() never rejects: a remote store that cannot clear fails open like every other operation.
        this.stats.backendErrors++;
        confirmed = false;
      }
    }
    return confirmed ? CONFIRMED : UNCONFIRMED;
  }

  /** A new cell over a new store, or a cell that rethrows the resolution failure. */
  newCell(): Cell {
    const r = this.resolved;
    if (r === undefined) return failingCell(this);
    let store: Store;
    try {
      store = backendFactory(r.backendType, r.backendName)(r.backendConfig, {
        namespace: this.baseId,
        events: this.stats,
        now: this.now,
        backendName: r.backendName,
      });
    } catch (error) {
      return failingCell(this, error);
    }
    this.causes ??= new MissCauses({
      exact: store.sync,
      storeTtlMs: r.staleMs !== undefined && r.ttlMs !== undefined ? r.ttlMs + r.staleMs : r.ttlMs,
      capacity: store.sync ? Math.max(1024, 4 * r.max) : undefined,
      ttlSlackMs: store.kind === 'memcached' ? 1000 : 0, // whole seconds there
    });
    // Tracing wraps the store in a recorder of lookups; without it the store is used as is (no cost).
    const traced = this.trace !== undefined ? recordingStore(store, this.trace) : store;
    return traced.sync ? syncCell(this, r, traced, store as SyncStore) : asyncCell(this, r, traced);
  }
}

/** A memo's registry entry: its methods shared, not closures per function. */
class Info implements MemoizedInfo {
  readonly id: string;
  readonly backend: string;
  readonly backendType: string;
  readonly options: Readonly<Record<string, string | number | boolean | null>>;
  readonly location?: { file: string; line: number };
  readonly trace?: TraceRecorder;
  readonly #memo: Memo;

  constructor(memo: Memo, backend: string, backendType: string, options: Readonly<Record<string, string | number | boolean | null>>,
    location: { file: string; line: number } | undefined) {
    this.#memo = memo;
    this.id = memo.id;
    this.backend = backend;
    this.backendType = backendType;
    this.options = options;
    if (location !== undefined) this.location = location;
    if (memo.trace !== undefined) this.trace = memo.trace;
  }

  stats(): StatsSnapshot {
    return this.#memo.snapshot();
  }

  health(): 'ok' | 'degraded' {
    return this.#memo.health();
  }

  async clear(): Promise<void> {
    await this.#memo.clear();
  }
}

/** The live memo holding each namespace of each shared backend (`backend \0 namespace`), weakly. */
const namespaceHolders = new Map<string, WeakRef<Memo>>();
const namespaceCleanup = new FinalizationRegistry<string>((slot) => {
  if (namespaceHolders.get(slot)?.deref() === undefined) namespaceHolders.delete(slot);
});

/**
 * Shared stores (Redis, Memcached, disk) key entries by namespace, the function's base id: two
 * different functions with one id there would serve each other's results. Say so when the second
 * is made (the same code memoized twice, a module loaded again, may share: its results agree).
 */
function warnIfNamespaceShared(memo: Memo, backendName: string): void {
  const slot = `${backendName}\u0000${memo.baseId}`;
  const other = namespaceHolders.get(slot)?.deref();
  namespaceHolders.set(slot, new WeakRef(memo));
  namespaceCleanup.register(memo, slot);
  if (other === undefined || other.fn === memo.fn || String(other.fn) === String(memo.fn)) return;
  const where = (m: Memo) => (m.info.location ? `${m.info.location.file}:${m.info.location.line}` : 'unknown place');
  warnOnce('CACHELENS_SHARED_ID', memo.id, () => `cachelens: two different functions have the id "${memo.baseId}" on the shared backend ` +
    `"${backendName}" (${where(other)} and ${where(memo)}), so they would serve each other's cached results. ` +
    'Give each its own `id` option.');
}
