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
  if (!/\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/.test(filename)) return false;
  return !inRuntimePackage(path.dirname(filename));
}

/** Folders known to be (or not be) inside a `cachelens` package: an app's copy linked outside node_modules (a workspace, `npm link`). */
const runtimeFolders = new Map<string, boolean>();

function inRuntimePackage(dir: string): boolean {
  const known = runtimeFolders.get(dir);
  if (known !== undefined) return known;
  let answer = false;
  const manifest = path.join(dir, 'package.json');
  if (fs.existsSync(manifest)) {
    try {
      answer = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'cachelens';
    } catch {
      answer = false;
    }
  } else if (path.dirname(dir) !== dir) {
    answer = inRuntimePackage(path.dirname(dir));
  }
  runtimeFolders.set(dir, answer);
  return answer;
}

/** `filename` as function ids and locations name it: relative to the working directory, `/` separators. */
export function displayPath(filename: string): string {
  return path.relative(process.cwd(), filename).split(path.sep).join('/');
}
