/**
 * Reading the project around a source file (tsconfig chain, installed packages), shared by the CLI
 * and the VS Code extension. Reads only; the core (codemod.ts) stays free of file access.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseTsconfigDecorators } from './tsconfig.js';
import type { DecoratorFlavour } from './types.js';

export function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Nearest folder at or above `dir` that holds `name`. */
export function findUp(dir: string, name: string, stopAt?: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, name))) return current;
    if (current === stopAt || path.dirname(current) === current) return undefined;
  }
}

/** experimentalDecorators from the nearest tsconfig.json (following `extends`), and the project's TypeScript major version. */
/**
 * How decorators compile for a file in `fileDir` of the project rooted at `root`: follows the
 * nearest tsconfig.json and its `extends` chain for `experimentalDecorators`, and treats an
 * installed TypeScript older than 5 as having no standard decorators. Reads files; writes nothing.
 */
export function decoratorFlavour(fileDir: string, root: string): DecoratorFlavour {
  const tsconfigDir = findUp(fileDir, 'tsconfig.json', root);
  let experimental: boolean | undefined;
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (experimental !== undefined || seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    const parsed = parseTsconfigDecorators(readFileSync(file, 'utf8'));
    if (parsed.experimentalDecorators !== undefined) {
      experimental = parsed.experimentalDecorators;
      return;
    }
    for (const base of [...parsed.extends].reverse()) {
      let resolved: string | undefined;
      if (base.startsWith('.') || path.isAbsolute(base)) {
        resolved = path.resolve(path.dirname(file), base);
        if (!resolved.endsWith('.json') && !existsSync(resolved)) resolved += '.json';
      } else {
        try {
          resolved = createRequire(file).resolve(base.endsWith('.json') ? base : `${base}/tsconfig.json`);
        } catch {
          try {
            resolved = createRequire(file).resolve(base);
          } catch {
            resolved = undefined;
          }
        }
      }
      if (resolved) visit(resolved);
    }
  };
  if (tsconfigDir) visit(path.join(tsconfigDir, 'tsconfig.json'));
  if (experimental === true) return 'legacy';
  const tsPackage = readIfExists(path.join(root, 'node_modules', 'typescript', 'package.json'));
  const major = tsPackage ? Number((JSON.parse(tsPackage) as { version?: string }).version?.split('.')[0]) : undefined;
  return major !== undefined && major < 5 ? 'none' : 'standard';
}
