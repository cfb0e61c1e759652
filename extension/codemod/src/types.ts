/**
 * Public types of the codemod core. Everything here is plain data: the core takes text and
 * returns edits, so the VS Code side (WorkspaceEdit) and the CLI (files on disk) share one engine.
 */

/**
 * A replacement of `text.slice(start, end)` by `newText`. Offsets are UTF-16 code unit offsets
 * into the ORIGINAL text (the same unit as `TextDocument.positionAt`), `start <= end`; the edits of
 * one list never overlap and are sorted by `start`.
 */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

/** Zero-based line and character (UTF-16 code units), as in VS Code's `Position`. */
export interface LineCharacter {
  readonly line: number;
  readonly character: number;
}

/** A place in the text: an offset (UTF-16 code units) or a zero-based line/character. */
export type Position = number | LineCharacter;

/**
 * How decorators compile in the file's project:
 * - `standard`: TC39 decorators (TypeScript >= 5, `experimentalDecorators` off);
 * - `legacy`: `experimentalDecorators: true`;
 * - `none`: decorators do not compile (JavaScript files, TypeScript < 5 without experimentalDecorators);
 *   class methods are then refused.
 */
export type DecoratorFlavour = 'standard' | 'legacy' | 'none';

/** The options the user picks. Only the keys that are set are written to the source. */
export interface CacheOptions {
  /** Name of a backend: a key of `backends` in `cachelens.config.json`, or a built-in type (`memory`, `lru`, `disk`, `redis`, `memcached`). Absent: the config's default. */
  readonly backend?: string;
  /** Time to live: a duration string (`"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1d"`) or a number of SECONDS (the runtime's unit; `0` = no expiry). Absent: the config's `defaults.ttl`, else no expiry. */
  readonly ttl?: string | number;
  /** Maximum number of entries kept for this function, a positive integer. Absent: the backend's default. */
  readonly max?: number;
}

/** Options found in an existing `memoize(...)` call; values that are not literals are kept as their source text in `raw`. */
export interface ExistingOptions {
  readonly id?: string;
  readonly backend?: string;
  readonly ttl?: string | number;
  readonly max?: number;
  /** Every property of the options object as source text, by key (includes keys the codemod does not manage). */
  readonly raw: Readonly<Record<string, string>>;
}

/** The shape of the thing under the cursor. */
export type TargetKind =
  | 'method' // class method (instance, static, async, #private) -> @memoize({...})
  | 'function-declaration' // function f() {} -> const f = memoize(function f() {}, {...})
  | 'overloaded-function' // overloads + implementation, or a function read above its declaration (exports.f = f) -> declaration renamed, const f = memoize(fUncached, {...})
  | 'default-function' // export default function () {} -> export default memoize(function () {}, {...})
  | 'variable-function' // const f = () => ... / function () {} -> const f = memoize(..., {...})
  | 'object-method' // { f() {} } / { f: () => ... } -> { f: memoize(function f() {}, {...}) }
  | 'assigned-function'; // exports.f = function f() {} / X.prototype.f = ... -> exports.f = memoize(function f() {}, {...})

/** The form in which caching is (or will be) written. */
export type CacheForm = 'decorator' | 'wrapper';

export interface Target {
  readonly kind: TargetKind;
  readonly form: CacheForm;
  /** Display name: `getPrices`, `UserRepo.find`, `api.load`, `default`; assigned functions: `setCharset` (`exports.setCharset`), `View.render` (`View.prototype.render`). */
  readonly name: string;
  /** The stable id written to the options: workspace-relative posix path + `#` + name. */
  readonly id: string;
  /** Range of the whole target (declaration or statement), offsets into the text. */
  readonly range: { readonly start: number; readonly end: number };
  /** Range of the name (for code actions and CodeLens), or of the `function` keyword when anonymous. */
  readonly nameRange: { readonly start: number; readonly end: number };
  readonly isAsync: boolean;
  /**
   * Known to return a promise: `async`, or a declared return type `Promise<...>` / `PromiseLike<...>`.
   * A shared backend (disk, Redis, Memcached) makes every call return a promise, which breaks the
   * callers of a function for which this is false.
   */
  readonly returnsPromise: boolean;
  /** Present when the target is already cached: the options currently written. */
  readonly cached?: ExistingOptions;
}

/** Stable codes of every refusal; the UI may switch on them. */
export type RefusalCode =
  | 'syntax-error'
  | 'unsupported-file'
  | 'no-target'
  | 'already-cached'
  | 'not-cached'
  | 'generator'
  | 'constructor'
  | 'accessor'
  | 'abstract'
  | 'ambient'
  | 'overload-signature'
  | 'returns-void'
  | 'hoisting'
  | 'decorators-unavailable'
  | 'not-module-level'
  | 'unsafe-object-method'
  | 'anonymous'
  | 'invalid-options'
  | 'unknown-backend'
  | 'invalid-config'
  | 'invalid-package-json'
  | 'unrecognized-form'
  | 'type-errors'
  // Python only:
  | 'lambda' // a lambda: no name for an id, no line for a decorator
  | 'dunder' // __init__, __new__ and other special methods
  | 'functools-cache' // already cached by functools.lru_cache / cache: "Watch this cache" instead
  | 'cache-decorator' // already cached by another library's decorator (Flask-Caching's cache.memoize/cached, cachetools)
  | 'not-functools-cache'; // "Watch this cache" on a function no functools cache caches: "Cache this function" instead

export interface Refusal {
  readonly ok: false;
  readonly code: RefusalCode;
  /** One or two sentences: what was refused, why, and what to do instead. */
  readonly message: string;
  /** Set when the refusal concerns a recognised target (for example `already-cached`, with its options). */
  readonly target?: Target;
}

export interface Analysis {
  readonly ok: true;
  readonly target: Target;
}

export type AnalyzeResult = Analysis | Refusal;

export interface AnalyzeInput {
  /** The full text of the file (unsaved editor text is fine). */
  readonly text: string;
  /** File name or path; only its extension matters here (`.ts`, `.tsx`, `.mts`, `.cts`, `.js`, `.jsx`, `.mjs`, `.cjs`). */
  readonly fileName: string;
  readonly position: Position;
  /** Workspace-relative posix path used in the id (`src/prices.ts`). Default: `fileName` with backslashes turned into slashes. */
  readonly relPath?: string;
  /** Default `standard`; forced to `none` for JavaScript files. */
  readonly flavour?: DecoratorFlavour;
}

/**
 * Where an app gets the runtime from:
 * - `vendor`: a copy of the runtime's tarball inside the app (`vendor/cachelens-<version>.tgz`, which
 *   the caller writes: see `CacheEdits.runtimeTarball`), depended on as
 *   `"file:vendor/cachelens-<version>.tgz"`; a fresh clone installs with `npm ci` anywhere;
 * - `registry`: `"^<version>"`, for when the runtime is on the app's registry.
 */
export type RuntimeSource = 'vendor' | 'registry';

export interface CacheInput extends AnalyzeInput {
  readonly relPath: string;
  readonly options: CacheOptions;
  readonly flavour: DecoratorFlavour;
  /** `cachelens.config.json` at the workspace root, or undefined when it does not exist (it is then created). */
  readonly config?: { readonly text: string } | undefined;
  /** The workspace's package.json, or undefined when there is none (then no dependency edit). */
  readonly packageJson?: { readonly text: string } | undefined;
  /** Version of the runtime to depend on (`0.1.0`). */
  readonly runtimeVersion: string;
  /** Where package.json gets the runtime from (see RuntimeSource). Default `vendor`. */
  readonly runtimeSource?: RuntimeSource;
  /**
   * The runtime already resolves from the app (installed, or an npm workspace's own): a declared
   * `"^<runtimeVersion>"` is then kept. Otherwise, with `runtimeSource: 'vendor'`, that spec (which
   * no registry has; earlier versions wrote it) is pointed at the vendored tarball. Default false.
   */
  readonly runtimeResolves?: boolean;
  /** What to do when the target is already cached: `update` its options in place (default) or `refuse` with code `already-cached`. */
  readonly onCached?: 'update' | 'refuse';
}

export interface CacheEdits {
  readonly source: readonly TextEdit[];
  /** Edits of `cachelens.config.json`; `create: true` means the file does not exist or is empty, and `edits` hold its whole text. Absent: no change. */
  readonly config?: { readonly create: boolean; readonly edits: readonly TextEdit[] };
  /** Edits of package.json (adds the `cachelens` dependency and the picked backend's driver). Absent: no change. */
  readonly packageJson?: readonly TextEdit[];
  /** Names of the dependencies those edits add (`cachelens`, `ioredis`...): what the app must install before it runs. */
  readonly addedDependencies?: readonly string[];
  /**
   * App-relative posix path (`vendor/cachelens-0.1.0.tgz`) where the caller copies the runtime's
   * tarball, in the same change as package.json, which depends on it there. Absent: nothing to copy.
   */
  readonly runtimeTarball?: string;
}

export interface CacheSuccess {
  readonly ok: true;
  readonly edits: CacheEdits;
  /** The target as it was before the edit (with `cached` set when options were updated in place). */
  readonly target: Target;
  /** `created` when caching was added, `updated` when options were rewritten, `unchanged` when nothing differs. */
  readonly change: 'created' | 'updated' | 'unchanged';
}

export type CacheResult = CacheSuccess | Refusal;

export type UncacheInput = AnalyzeInput;

export interface UncacheSuccess {
  readonly ok: true;
  readonly edits: { readonly source: readonly TextEdit[] };
  readonly target: Target;
}

export type UncacheResult = UncacheSuccess | Refusal;

/** The refusal as a throwable error (used by the CLI); `code` is the refusal's stable code. */
export class CodemodError extends Error {
  override readonly name = 'CodemodError';
  readonly code: RefusalCode;
  constructor(refusal: Pick<Refusal, 'code' | 'message'>) {
    super(refusal.message);
    this.code = refusal.code;
  }
}

/** Builds a refusal result. */
export function refuse(code: RefusalCode, message: string, target?: Target): Refusal {
  return target === undefined ? { ok: false, code, message } : { ok: false, code, message, target };
}
