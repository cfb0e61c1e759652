/**
 * Where the extension's copy of observe mode is and how it goes into `NODE_OPTIONS`. No vscode
 * here, so tests use the same paths.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The observe entry inside the extension (or a checkout): the runtime package scripts/bundle-runtime.mjs unpacks into dist/runtime/cachelens. */
export function shippedObserveEntryUnder(extensionPath: string): string {
  return path.join(extensionPath, 'dist', 'runtime', 'cachelens', 'dist', 'cjs', 'observe', 'index.js');
}

/** `NODE_OPTIONS` with observe mode added to what it held (the file URL quoted when it has spaces). */
export function withObserve(nodeOptions: string | undefined, entry: string): string {
  const url = pathToFileURL(entry).href;
  const flag = /\s/.test(url) ? `--import="${url}"` : `--import=${url}`;
  return nodeOptions?.trim() ? `${nodeOptions.trim()} ${flag}` : flag;
}
