/**
 * Which modules observe mode instruments: the application's own files, never a dependency
 * (anything under `node_modules`) nor CacheLens itself, and the id it gives their functions.
 */
import fs from 'node:fs';
import path from 'node:path';

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
/** The runtime package's folder (the nearest one with a package.json above this file, in dist/ or src/). */
const runtimeRoot = packageRoot(__dirname);

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/** Whether the file at `filename` (absolute) is the application's own code. */
export function isAppFile(filename: string): boolean {
  if (!path.isAbsolute(filename) || filename.includes(NODE_MODULES)) return false;
  if (filename.startsWith(runtimeRoot + path.sep)) return false;
  return /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/.test(filename);
}

/** `filename` as function ids and locations name it: relative to the working directory, `/` separators. */
export function displayPath(filename: string): string {
  return path.relative(process.cwd(), filename).split(path.sep).join('/');
}
