/**
 * Named errors of the runtime. Every error has a stable `code` (safe to switch on) and a message
 * that names the input at fault and what to do about it.
 */

/** Stable codes of every error the runtime throws. */
export type CacheLensErrorCode =
  | 'CACHELENS_KEY'
  // Stores (stores/remote/errors.ts, stores/serialize.ts): thrown when a store is built, else reported.
  | 'CACHELENS_BACKEND_CONFIG'
  | 'CACHELENS_BACKEND_DEPENDENCY_MISSING'
  | 'CACHELENS_BACKEND_TIMEOUT'
  | 'CACHELENS_BACKEND_UNAVAILABLE'
  | 'CACHELENS_BACKEND_CIRCUIT_OPEN'
  | 'CACHELENS_VALUE_NOT_SERIALIZABLE'
  | 'CACHELENS_VALUE_TOO_LARGE'
  | 'CACHELENS_VALUE_UNREADABLE'
  // Traces (simulate/): recorder options, trace files, the simulator's command line.
  | 'CACHELENS_TRACE_OPTION'
  | 'CACHELENS_TRACE_OPEN'
  | 'CACHELENS_TRACE_DECOMPRESS'
  | 'CACHELENS_TRACE_FORMAT'
  | 'CACHELENS_TRACE_TRUNCATED'
  | 'CACHELENS_USAGE'
  | 'CACHELENS_CONFIG'
  | 'CACHELENS_OPTIONS'
  | 'CACHELENS_BACKEND'
  | 'CACHELENS_NOT_MEMOIZED'
  | 'CACHELENS_DISK_UNUSABLE';

/** Base class of the runtime's errors. */
export class CacheLensError extends Error {
  readonly code: CacheLensErrorCode;
  constructor(code: CacheLensErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * An argument cannot be turned into a cache key (a function, a symbol, a class instance without
 * `toJSON`, a cycle). Thrown at call time, before the memoized function runs; nothing is cached.
 * Fix: pass a `key` option that maps the arguments to a string.
 */
export class CacheKeyError extends CacheLensError {
  /** Zero-based position of the offending argument; -1 when the `key` option returned the value. */
  readonly argumentIndex: number;
  /** Where inside that argument, e.g. `.user.tags[2]` (empty for the argument itself). */
  readonly path: string;
  constructor(functionId: string, argumentIndex: number, path: string, problem: string) {
    // A path thousands of levels deep is shown by its two ends (the `path` property keeps it whole).
    const where = path.length > 120 ? `${path.slice(0, 60)}...${path.slice(-40)}` : path;
    super(
      'CACHELENS_KEY',
      argumentIndex < 0
        ? `cachelens: cannot build a cache key for "${functionId}": the value returned by its \`key\` option` +
          `${where ? ` at ${where}` : ''} ${problem}. Make \`key\` return a string, a number, or plain data.`
        : `cachelens: cannot build a cache key for "${functionId}": argument ${argumentIndex + 1} ` +
          `(index ${argumentIndex})${where ? ` at ${where}` : ''} ${problem}. ` +
          'Pass a `key` option that maps the arguments to a string, e.g. ' +
          '`memoize(fn, { key: (user) => user.id })`.',
    );
    this.argumentIndex = argumentIndex;
    this.path = path;
  }
}

/** `cachelens.config.json` is unreadable or invalid. Names the file, the JSON path and what is expected. */
export class ConfigError extends CacheLensError {
  /** Absolute path of the config file. */
  readonly file: string;
  /** JSON path inside the file, e.g. `$.backends.shared.type` (`$` for the whole document). */
  readonly jsonPath: string;
  constructor(file: string, jsonPath: string, expected: string, options?: { cause?: unknown }) {
    super('CACHELENS_CONFIG', `cachelens: invalid config ${file} at ${jsonPath}: ${expected}`, options);
    this.file = file;
    this.jsonPath = jsonPath;
  }
}

/** A memoize option has a wrong type or value. Names the option and the accepted values. */
export class OptionsError extends CacheLensError {
  /** The option at fault, e.g. `ttl`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('CACHELENS_OPTIONS', `cachelens: option \`${option}\` ${message}`);
    this.option = option;
  }
}

/** A backend cannot be created: unknown name or type, missing module, missing npm dependency. */
export class BackendError extends CacheLensError {
  /** The backend name (from the config file) or type. */
  readonly backend: string;
  constructor(backend: string, message: string, options?: { cause?: unknown }) {
    super('CACHELENS_BACKEND', `cachelens: backend "${backend}": ${message}`, options);
    this.backend = backend;
  }
}

/** `cacheOf(x)` was given something that `memoize` did not return. */
export class NotMemoizedError extends CacheLensError {
  constructor(what: string) {
    super(
      'CACHELENS_NOT_MEMOIZED',
      `cachelens: cacheOf() expects a function returned by memoize() or a @memoize() method, got ${what}. ` +
        'Pass the memoized function itself (for a method: instance.method or Class.prototype.method).',
    );
  }
}
