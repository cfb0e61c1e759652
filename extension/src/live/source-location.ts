/**
 * Where the panel's link to a cached function goes. A process reports where it ran `memoize`
 * (`dist/prices.js:14` for a built app), and the id the codemod wrote names the source
 * (`src/prices.ts#getPrices`). In order:
 * 1. the id, where the workspace's sources declare it (the scan's list, then the file the id
 *    names): the `memoize` line as the source reads now, even after edits since the last build;
 * 2. the reported location through the built file's source map (source-map.ts);
 * 3. the reported location as it is.
 * Pure (no vscode): the caller supplies how paths are resolved and files read.
 */
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
  /** The source file the id names, and its text, when it exists. */
  let named: { file: string; text: string } | undefined;
  if (id !== undefined) {
    const entry = known.find((f) => f.id === id);
    const scanned = entry && (await io.resolve(entry.file));
    if (entry && scanned) return { file: scanned, line: entry.line };
    const hash = id.lastIndexOf('#');
    const namedFile = hash > 0 ? await io.resolve(id.slice(0, hash)) : undefined;
    const text = namedFile && (await io.read(namedFile));
    if (namedFile && text !== undefined) {
      const match = findCachedFunctions(text).find((m) => m.id === id);
      if (match) return { file: namedFile, line: match.line + 1 };
      named = { file: namedFile, text };
    }
  }
  const reported = file !== undefined && line !== undefined ? await io.resolve(file) : undefined;
  if (reported && BUILT.test(reported)) {
    const mapped = await mapToSource(reported, line!, io.read);
    if (mapped && (await io.read(mapped.file)) !== undefined) return mapped;
  }
  // The id's file no longer holds the id (caching removed or the id edited): its declaration of
  // the function's name, rather than a built file or nothing.
  if (named && (!reported || BUILT.test(reported))) return { file: named.file, line: declarationLine(named.text, id!.slice(id!.lastIndexOf('#') + 1)) };
  return reported ? { file: reported, line: line! } : undefined;
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
