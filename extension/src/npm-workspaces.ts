/**
 * Where an app's dependencies are installed, without vscode (unit-tested): in its own node_modules,
 * or, for a member of an npm workspace, in the workspace root's (npm hoists them there). A
 * node_modules further up that is not the app's workspace root does not count: what resolves there
 * by accident (the app copied into another project's folder) is not there on a teammate's clone.
 */

/** The `workspaces` patterns of a package.json text (array form or `{ packages }`), [] when none. */
export function workspacePatterns(manifestText: string): string[] {
  try {
    const manifest = JSON.parse(manifestText) as { workspaces?: unknown };
    const value = manifest.workspaces;
    const list = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? (value as { packages?: unknown }).packages : undefined;
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/** Whether `relPath` (posix, relative to the root, no leading `./`) matches one of the patterns (`*` one segment, `**` any). */
export function isWorkspaceMember(patterns: readonly string[], relPath: string): boolean {
  const normal = relPath.replace(/\/+$/, '');
  return patterns.some((pattern) => {
    const source = pattern
      .replace(/^\.\//, '')
      .replace(/\/+$/, '')
      .split(/(\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`).test(normal);
  });
}
