/**
 * Where the panel's link to a cached function goes. A process reports where it ran `memoize`
 * (`dist/prices.js:14` for a built app), and the id the codemod wrote names the source
 * (`src/prices.ts#getPrices`). In order:
 * 1. the id, where the workspace's sources declare it (the file the id names in the reporting
 *    app, the scan's list, the id's path anywhere): the `memoize` line as the source reads now,
 *    even after edits since the last build;
 * 2. the reported location through the built file's source map (source-map.ts);
 * 3. the reported location as it is.
 * Pure (no vscode): the caller supplies how paths are resolved and files read.
 */
import path from 'node:path';
import type { OpenRequest, WorkspaceFunction } from '../../../protocol/panel.js';
import { findCachedFunctions } from './scan.js';
import { mapToSource, type ReadText, type SourcePosition } from './source-map.js';

export interface SourceLocator {
  /** A path as a process or the scan reports it (absolute, or relative to a workspace folder or app root) as an absolute path; undefined when no such file exists. */
  resolve(file: string): Promise<string | undefined>;
  read: ReadText;
}

const BUILT = /\.[cm]?js$/i;

export async function locateSource(request: OpenRequest, known: readonly WorkspaceFunction[], io: SourceLocator): Promise<SourcePosition | undefined> {
  const { id, file, line } = request;
  const reported = file !== undefined && line !== undefined ? await io.resolve(file) : undefined;
  const root = reported !== undefined && file !== undefined ? appRoot(reported, file) : undefined;
  /** The source file the id names, and its text, when it exists but no longer holds the id. */
  let named: { file: string; text: string } | undefined;
  if (id !== undefined) {
    const hash = id.lastIndexOf('#');
    const idPath = hash > 0 ? id.slice(0, hash) : undefined;
    // Where the id may be declared: the id's path in the reporting app, the files the scan found
    // it in, the id's path anywhere in the workspace; those of the reporting app first (two apps
    // of one workspace may well cache the same `src/prices.ts#getPrices`).
    const places: string[] = [];
    if (root !== undefined && idPath !== undefined) places.push(path.join(root, idPath));
    for (const entry of known) {
      const found = entry.id === id ? await io.resolve(entry.file) : undefined;
      if (found !== undefined) places.push(found);
    }
    const anywhere = idPath !== undefined ? await io.resolve(idPath) : undefined;
    if (anywhere !== undefined) places.push(anywhere);
    const inApp = (p: string) => root !== undefined && p.startsWith(root);
    for (const place of new Set([...places.filter(inApp), ...places.filter((p) => !inApp(p))])) {
      const text = await io.read(place);
      if (text === undefined) continue;
      const match = findCachedFunctions(text).find((m) => m.id === id);
      if (match) return { file: place, line: match.line + 1 };
      if (named === undefined && idPath !== undefined && path.normalize(place).endsWith(path.normalize(idPath))) named = { file: place, text };
    }
  }
  if (reported !== undefined && BUILT.test(reported)) {
    const mapped = await mapToSource(reported, line!, io.read);
    if (mapped && (await io.read(mapped.file)) !== undefined) return mapped;
  }
  // The id's file no longer holds the id (caching removed or the id edited): its declaration of
  // the function's name, rather than a built file or nothing.
  if (named && (reported === undefined || BUILT.test(reported))) return { file: named.file, line: declarationLine(named.text, id!.slice(id!.lastIndexOf('#') + 1)) };
  return reported !== undefined ? { file: reported, line: line! } : undefined;
}

/**
 * The folder a relative reported path was relative to (the reporting process's working directory,
 * usually its app's root): `/ws/apps/shop` for `dist/prices.js` found at
 * `/ws/apps/shop/dist/prices.js`. Undefined for an absolute path.
 */
function appRoot(resolved: string, reported: string): string | undefined {
  if (path.isAbsolute(reported)) return undefined;
  const tail = path.normalize(reported);
  const full = path.normalize(resolved);
  return full.endsWith(path.sep + tail) ? full.slice(0, full.length - tail.length) : undefined;
}

/** The 1-based line that declares `name` (`getPrices`, or the method of `Repo.find`) in `text`; 1 when none does. */
export function declarationLine(text: string, name: string): number {
  const short = name.slice(name.lastIndexOf('.') + 1).replace(/[^\w$]/g, '').replace(/\$/g, '\\$');
  if (!short) return 1;
  const declaration = new RegExp(
    `(?:\\bfunction\\s*\\*?\\s*${short}\\b|\\b(?:const|let|var)\\s+${short}\\b|^[ \\t]*(?:(?:static|async|public|private|protected|get|set|override)\\s+)*\\*?${short}\\s*(?:<[^>\\n]*>)?\\s*\\()`,
    'm',
  );
  const match = declaration.exec(text);
  return match ? text.slice(0, match.index).split('\n').length : 1;
}
