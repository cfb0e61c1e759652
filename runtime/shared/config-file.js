// @ts-check
'use strict';
/**
 * Facts about `cachelens.config.json` that every part needs: its name, and the backend types it
 * knows. The runtime (finding the file, the backend registry), the codemod (creating and editing
 * the file), the extension (finding the file, the backend quick pick) import them from here;
 * the manifest (`workspaceContains`, `jsonValidation`) and the JSON Schema (the `type` enum) carry
 * them as data, checked against this file by test/unit/foundation/shared-facts.test.ts.
 *
 * Plain JavaScript with a hand-written .d.ts, imported as `cachelens/config-file` (the mechanism
 * of `cachelens/units`: see units.js). It imports nothing.
 */

/** The config file's name: found upwards of the working directory (runtime) or at the app root (editor). */
const CONFIG_FILE_NAME = 'cachelens.config.json';

/**
 * Every built-in backend type (`backends.NAME.type`, or a `backend` option naming a type), in the
 * order people are offered them: in-process first, then shared. Other types are registered with
 * `registerBackendType()`.
 */
const BACKEND_TYPES = Object.freeze(['memory', 'lru', 'disk', 'redis', 'memcached', 'tiered']);

/** The built-in types whose stores live in the process and answer synchronously; the others make every call return a Promise. */
const IN_PROCESS_BACKEND_TYPES = Object.freeze(['memory', 'lru']);

module.exports = { CONFIG_FILE_NAME, BACKEND_TYPES, IN_PROCESS_BACKEND_TYPES };
