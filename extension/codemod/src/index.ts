/**
 * CacheLens codemod core: pure functions from text to edits (no vscode, no file system).
 * See README.md in this folder for the API and the forms it writes.
 */
export { analyzeAt, cacheFunction, uncacheFunction } from './codemod.js';
export { purityHints, type PurityHint, type PurityHintKind } from './purity.js';
export { applyEdits, toLineCharacter, toOffset } from './edits.js';
export { unifiedDiff } from './diff.js';
export { decoratorFlavour } from './project-files.js';
export { readDecoratorFlavour, parseTsconfigDecorators, type TsconfigDecorators } from './tsconfig.js';
export { BUILT_IN_BACKENDS, CONFIG_FILE_NAME, backendType, declaredBackends, isSharedBackend, newConfigText } from './config.js';
export { BACKEND_DRIVERS } from './backends.js';
export { runtimeSpec, vendoredRuntimePath } from './packageJson.js';
export * from './types.js';
export { newTypeErrors, describeTypeErrors, typeErrorRefusal, owningProject, type NewTypeError, type TypeCheckOutcome } from './type-check.js';
export {
  loadPythonCodemod,
  isPythonFile,
  PYTHON_EXTENSIONS,
  PYTHON_APP_MARKERS,
  planPythonRequirement,
  pythonAppRoot,
  vendoredWheelPath,
  type PythonCodemod,
  type PythonCacheInput,
  type PythonDependencyPlan,
  type WatchResult,
  type WatchSuccess,
} from './python/index.js';
