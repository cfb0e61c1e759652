/**
 * `cachelens/observe`: observe mode. Loaded before the app (`node --import cachelens/observe app.js`,
 * or `NODE_OPTIONS=--import=cachelens/observe`), it instruments the app's own modules (ES modules
 * through a `module.register` load hook, CommonJS ones, and TypeScript that tsx compiles, through
 * `Module.prototype._compile`) and counts every call of their top-level functions and class
 * methods: calls, the share whose arguments were seen before, time per call. It stores no value,
 * changes no result, and reports over the live connection (`CACHELENS_ENDPOINT`) as the `observed`
 * field of `stats` messages. Without an endpoint it counts but sends nothing.
 * @packageDocumentation
 */
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { registry } from '../registry.js';
import { SHARED_SOURCES_KEY, startReporter } from '../reporter/index.js';
import type { ObservingSource, ReporterSource } from '../reporter/source.js';
import { Observer } from './observer.js';
import { displayPath, isAppFile } from './scope.js';
import { instrument, OBSERVER_KEY } from './transform.js';

export { Observer, MAX_HASHES, type ObservedSnapshot, type ModuleProbe } from './observer.js';
export { instrument, type InstrumentedModule } from './transform.js';

const key = Symbol.for(OBSERVER_KEY);
const holder = globalThis as unknown as Record<symbol, Observer | undefined>;

/**
 * The process's observer (one per process, shared by every copy of the runtime). It starts the
 * reporter when the first instrumented module registers: a process that runs none of the app's
 * code (npm, a compiler run by the start script) never connects.
 */
export function observer(): Observer {
  return (holder[key] ??= new Observer(undefined, () => void startReporter({ source })));
}

type Compile = (this: unknown, content: string, filename: string) => unknown;

/** Instruments CommonJS modules as `require` compiles them (tsx's compiled TypeScript included). */
function hookRequire(): void {
  const proto = (Module as unknown as { prototype: { _compile: Compile & { [key]?: true } } }).prototype;
  const original = proto._compile;
  if (typeof original !== 'function' || original[key]) return;
  const compile: Compile & { [key]?: true } = function (this: unknown, content: string, filename: string) {
    if (typeof content === 'string' && typeof filename === 'string' && isAppFile(filename)) {
      const done = instrument(content, displayPath(filename), 'script');
      if (done) return original.call(this, done.code, filename);
    }
    return original.call(this, content, filename);
  };
  compile[key] = true;
  proto._compile = compile;
}

/** Instruments ES modules through a load hook (Node >= 20.6). */
function hookImport(): void {
  const register = (Module as unknown as { register?: (specifier: string, parentURL: string) => void }).register;
  if (typeof register !== 'function') return;
  // hooks.js next to this file (hooks.ts when run from the sources)
  register(pathToFileURL(path.join(__dirname, `hooks${path.extname(__filename)}`)).href, pathToFileURL(__filename).href);
}

/**
 * What observe mode's connection reports: the memoized functions of every copy of the runtime in
 * the process (this one's registry, and the app's own copy's, which joins through
 * `reportFromEnvironment`), plus the observed functions.
 */
const registries: Set<ReporterSource> = ((globalThis as Record<symbol, unknown>)[SHARED_SOURCES_KEY] as Set<ReporterSource> | undefined) ?? new Set([registry]);
const source: ObservingSource = {
  list: () => [...registries].flatMap((r) => r.list()),
  get: (id) => {
    for (const r of registries) {
      const found = r.get(id);
      if (found) return found;
    }
    return undefined;
  },
  observed: () => observer().snapshot(),
};

if (!holder[key]) {
  (globalThis as Record<symbol, unknown>)[SHARED_SOURCES_KEY] = registries;
  observer();
  hookRequire();
  hookImport();
}
