/**
 * The process-wide registry of memoized functions: what the reporter streams to the editor.
 * It holds its entries weakly, so a memoized function that the app drops (one created per
 * request, say) leaves the registry instead of leaking its cache.
 */
import type { StatsSnapshot } from './stats.js';
import type { TraceRecorder } from './simulate/recorder.js';

export type { StatsSnapshot } from './stats.js';

/** What the registry knows about one memoized function (or decorated method). */
export interface MemoizedInfo {
  /** Unique in the process. A second function registered with an id already in use gets `id#2`, then `#3`, ... */
  readonly id: string;
  /** Backend name (from the config file) or type, e.g. `"memory"`, `"shared"`. */
  readonly backend: string;
  /** Backend type: `"memory"`, `"lru"`, `"redis"`, ... */
  readonly backendType: string;
  /** Serializable summary of the resolved options: `ttl` (s), `max`, `maxBytes`, `cacheErrors`, ... */
  readonly options: Readonly<Record<string, string | number | boolean | null>>;
  /** Where the function was memoized, when known (file relative to the working directory, 1-based line). */
  readonly location?: { file: string; line: number };
  /** A fresh snapshot of the counters (cheap). */
  stats(): StatsSnapshot;
  /** `degraded` while a remote backend fails (calls compute instead). */
  health(): 'ok' | 'degraded';
  /** Empties the cache. Never rejects. */
  clear(): Promise<void>;
  /** The recording of the function's lookups, when tracing is on (`trace` option or `CACHELENS_TRACE`). */
  readonly trace?: TraceRecorder;
}

const entries = new Map<string, WeakRef<MemoizedInfo>>();
const listeners = new Set<(info: MemoizedInfo) => void>();
const cleanup = new FinalizationRegistry<string>((id) => {
  const ref = entries.get(id);
  if (ref !== undefined && ref.deref() === undefined) entries.delete(id);
});

function live(id: string): MemoizedInfo | undefined {
  return entries.get(id)?.deref();
}

/** The first id among `id`, `id#2`, `id#3`, ... not held by a live function. */
export function uniqueId(id: string): string {
  if (live(id) === undefined) return id;
  for (let n = 2; ; n++) {
    const candidate = `${id}#${n}`;
    if (live(candidate) === undefined) return candidate;
  }
}

/** Adds an info (its `id` must come from `uniqueId`) and tells the listeners. */
export function register(info: MemoizedInfo): void {
  entries.set(info.id, new WeakRef(info));
  cleanup.register(info, info.id);
  for (const listener of listeners) {
    try {
      listener(info);
    } catch {
      // A listener's failure must not reach the code that memoized a function.
    }
  }
}

/** The process-wide registry of memoized functions. */
export const registry = {
  /** Every live memoized function, in registration order. */
  list(): MemoizedInfo[] {
    const out: MemoizedInfo[] = [];
    for (const ref of entries.values()) {
      const info = ref.deref();
      if (info !== undefined) out.push(info);
    }
    return out;
  },
  /** The function registered under `id` (ids of duplicates carry their `#n` suffix). */
  get(id: string): MemoizedInfo | undefined {
    return live(id);
  },
  /** Calls `listener` for every function registered from now on. Returns the unsubscribe function. */
  onRegister(listener: (info: MemoizedInfo) => void): () => void {
    listeners.add(listener);
    return () => { listeners.delete(listener); };
  },
};
