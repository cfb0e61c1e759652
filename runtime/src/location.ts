/** Where user code called into the runtime: the first stack frame outside the runtime itself. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FRAME = /(?:\(|\s)((?:file:\/\/)?[^\s()]+?):(\d+):\d+\)?$/;
const runtimeDir = __dirname;

/** The caller's file (relative to the working directory, `/` separators) and 1-based line, when known. */
export function callerLocation(): { file: string; line: number } | undefined {
  const stack = new Error().stack;
  if (stack === undefined) return undefined;
  for (const frame of stack.split('\n').slice(1)) {
    const m = FRAME.exec(frame.trim());
    if (m === null) continue;
    let file = m[1]!;
    if (file.startsWith('node:') || file.startsWith('internal/')) continue;
    if (file.startsWith('file://')) {
      try { file = fileURLToPath(file); } catch { continue; }
    }
    if (!path.isAbsolute(file) || file.startsWith(runtimeDir + path.sep)) continue;
    if (file.includes(`${path.sep}node_modules${path.sep}`) && file.includes(`${path.sep}tsx${path.sep}`)) continue;
    return { file: path.relative(process.cwd(), file).split(path.sep).join('/'), line: Number(m[2]) };
  }
  return undefined;
}
