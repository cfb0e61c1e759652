import { ts } from 'ts-morph';
import { quoteString } from './parse.js';
import type { CacheOptions, ExistingOptions } from './types.js';
import { DURATION_HINT, durationMs } from 'cachelens/units';
import { BUILT_IN_BACKEND_LIST, CONFIG_FILE_NAME } from './backends.js';

const BACKEND_NAME = /^[A-Za-z0-9_.-]+$/;

/** Checks the user's options; returns a message naming the bad option and the fix, or undefined. */
export function validateOptions(options: CacheOptions): string | undefined {
  const { backend, ttl, max } = options;
  if (backend !== undefined && !BACKEND_NAME.test(backend)) {
    return `backend ${JSON.stringify(backend)} is not a backend name: use a name from ${CONFIG_FILE_NAME}'s "backends" or a built-in type (${BUILT_IN_BACKEND_LIST})`;
  }
  if (typeof ttl === 'string' && (ttl.trim() === '' || typeof durationMs(ttl) === 'object')) {
    return `ttl ${JSON.stringify(ttl)} is not a duration: write ${DURATION_HINT}`;
  }
  if (typeof ttl === 'number' && typeof durationMs(ttl) === 'object') {
    return `ttl ${ttl} is not a number of seconds: pass a number >= 0 (0 or Infinity: no expiry) or a duration string such as "5m"`;
  }
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    return `max ${max} is not a positive integer: pass the maximum number of entries, for example 1000`;
  }
  return undefined;
}

/** Keys the codemod writes, in the order it writes them. */
const MANAGED = ['id', 'backend', 'ttl', 'max'] as const;

/**
 * Renders the options object on one line: `{ id: "src/a.ts#f", backend: "memory", ttl: "5m", max: 1000 }`.
 * `keepId` (source text of an existing id) wins over `id`, so a function keeps its identity across renames;
 * `extra` holds properties the codemod does not manage, kept verbatim after the managed ones.
 */
export function renderOptions(
  id: string,
  options: CacheOptions,
  quote: '"' | "'",
  keep?: { idText?: string; extra?: readonly string[] },
): string {
  const parts = [`id: ${keep?.idText ?? quoteString(id, quote)}`];
  if (options.backend !== undefined) parts.push(`backend: ${quoteString(options.backend, quote)}`);
  if (options.ttl !== undefined) parts.push(`ttl: ${typeof options.ttl === 'number' ? String(options.ttl) : quoteString(options.ttl, quote)}`);
  if (options.max !== undefined) parts.push(`max: ${options.max}`);
  parts.push(...(keep?.extra ?? []));
  return `{ ${parts.join(', ')} }`;
}

function propertyKey(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** Reads an options object literal written in the source. */
export function readOptions(node: ts.ObjectLiteralExpression, sf: ts.SourceFile): ExistingOptions {
  const raw: Record<string, string> = {};
  const result: { id?: string; backend?: string; ttl?: string | number; max?: number } = {};
  for (const property of node.properties) {
    const text = property.getText(sf);
    if (ts.isPropertyAssignment(property)) {
      const key = propertyKey(property.name);
      if (key === undefined) continue;
      raw[key] = text;
      const value = property.initializer;
      const str = ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value) ? value.text : undefined;
      const num = ts.isNumericLiteral(value) ? Number(value.text) : undefined;
      if (key === 'id' && str !== undefined) result.id = str;
      if (key === 'backend' && str !== undefined) result.backend = str;
      if (key === 'ttl' && (str !== undefined || num !== undefined)) result.ttl = str ?? num!;
      if (key === 'max' && num !== undefined) result.max = num;
    } else if (ts.isShorthandPropertyAssignment(property)) {
      raw[property.name.text] = text;
    } else {
      raw[`\u0000${Object.keys(raw).length}`] = text;
    }
  }
  return { ...result, raw };
}

/** The new text of an existing options object when the user picks `options` (the id and unknown keys are kept). */
export function rewriteOptions(
  node: ts.ObjectLiteralExpression,
  sf: ts.SourceFile,
  id: string,
  options: CacheOptions,
  quote: '"' | "'",
): string {
  const existing = readOptions(node, sf);
  const idProperty = node.properties.find(
    (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyKey(p.name) === 'id',
  );
  const extra = Object.entries(existing.raw)
    .filter(([key]) => !(MANAGED as readonly string[]).includes(key))
    .map(([, text]) => text);
  const idText = idProperty?.initializer.getText(sf);
  return renderOptions(id, options, quote, idText === undefined ? { extra } : { idText, extra });
}
