import { ts } from 'ts-morph';
import { getProperty, insertProperty, parseJsonc, propertyKeys, stringValue } from './jsonc.js';
import { BUILT_IN_BACKEND_LIST, BUILT_IN_BACKENDS, CONFIG_FILE_NAME, IN_PROCESS_BACKEND_TYPES, isBuiltInBackend } from './backends.js';
import { refuse, type Refusal, type TextEdit } from './types.js';

export { BUILT_IN_BACKENDS, CONFIG_FILE_NAME, isBuiltInBackend };

/**
 * Text of a new cachelens.config.json: defaults, the memory backend (and `backend` when it is another
 * built-in). No `$schema`: VS Code gets the schema from the extension (jsonValidation), and a path
 * into node_modules does not exist where the runtime is hoisted (npm workspaces).
 */
export function newConfigText(backend: string | undefined, eol: '\n' | '\r\n' = '\n'): string {
  const backends = [`    "memory": ${BUILT_IN_BACKENDS.memory}`];
  if (backend !== undefined && backend !== 'memory' && isBuiltInBackend(backend)) {
    backends.push(`    ${JSON.stringify(backend)}: ${BUILT_IN_BACKENDS[backend]}`);
  }
  return [
    '{',
    '  "defaults": { "backend": "memory", "ttl": "5m" },',
    '  "backends": {',
    backends.join(`,${eol}`),
    '  }',
    '}',
    '',
  ].join(eol);
}

/** `defaults.backend` of a config text, when it names one. */
export function configuredDefault(configText: string | undefined): string | undefined {
  if (configText === undefined) return undefined;
  const doc = parseJsonc(configText, CONFIG_FILE_NAME);
  const defaults = doc.root && getProperty(doc.root, 'defaults')?.initializer;
  return defaults && ts.isObjectLiteralExpression(defaults) ? stringValue(defaults, 'backend') : undefined;
}

/** Named backends declared in a config text (empty when it cannot be read). */
export function declaredBackends(configText: string): string[] {
  const doc = parseJsonc(configText, CONFIG_FILE_NAME);
  const backends = doc.root && getProperty(doc.root, 'backends')?.initializer;
  return backends && ts.isObjectLiteralExpression(backends) ? propertyKeys(backends) : [];
}

/** Whether backend `name` is shared (disk, Redis, Memcached...): every call then returns a Promise. */
export function isSharedBackend(configText: string | undefined, name: string): boolean {
  return !IN_PROCESS_BACKEND_TYPES.includes(backendType(configText, name));
}

/** The type of backend `name`: its `type` in the config text, else `name` itself (a built-in type). */
export function backendType(configText: string | undefined, name: string): string {
  if (configText === undefined) return name;
  const doc = parseJsonc(configText, CONFIG_FILE_NAME);
  const backends = doc.root && getProperty(doc.root, 'backends')?.initializer;
  const entry = backends && ts.isObjectLiteralExpression(backends) ? getProperty(backends, name)?.initializer : undefined;
  return (entry && ts.isObjectLiteralExpression(entry) ? stringValue(entry, 'type') : undefined) ?? name;
}

/**
 * Edits of cachelens.config.json for a chosen backend: create the file when it is absent or empty
 * (`create: true`, the edits hold the whole text), add a built-in backend that is not declared yet,
 * nothing otherwise.
 */
export function planConfig(
  config: { readonly text: string } | undefined,
  backend: string | undefined,
): { create: boolean; edits: TextEdit[] } | undefined | Refusal {
  const unknown = (where: string): Refusal =>
    refuse(
      'unknown-backend',
      `backend ${JSON.stringify(backend)} is ${where} and is not a built-in type (${BUILT_IN_BACKEND_LIST}): declare it under "backends" in ${CONFIG_FILE_NAME} or pick one of those`,
    );
  // An empty file (as earlier versions left on disk until saved) is treated as absent: written whole.
  if (config === undefined || config.text.trim() === '') {
    if (backend !== undefined && !isBuiltInBackend(backend)) return unknown(`not declared (there is no ${CONFIG_FILE_NAME} yet)`);
    return { create: true, edits: [{ start: 0, end: 0, newText: newConfigText(backend) }] };
  }
  if (backend === undefined) return undefined;
  const doc = parseJsonc(config.text, CONFIG_FILE_NAME);
  if (doc.error !== undefined || !doc.root) {
    return refuse('invalid-config', `${CONFIG_FILE_NAME} cannot be read (${doc.error ?? 'no object'}): fix the file, then run the command again`);
  }
  const section = getProperty(doc.root, 'backends');
  if (section && !ts.isObjectLiteralExpression(section.initializer)) {
    return refuse('invalid-config', `"backends" in ${CONFIG_FILE_NAME} is not an object: make it an object of named backends`);
  }
  const backends = section?.initializer as ts.ObjectLiteralExpression | undefined;
  if (backends && propertyKeys(backends).includes(backend)) return undefined;
  if (!isBuiltInBackend(backend)) return unknown(`not declared in ${CONFIG_FILE_NAME}`);
  const declaration = BUILT_IN_BACKENDS[backend];
  const edits = backends
    ? insertProperty(doc, backends, backend, declaration)
    : insertProperty(doc, doc.root, 'backends', `{\n${doc.unit}${JSON.stringify(backend)}: ${declaration}\n}`);
  return { create: false, edits };
}
