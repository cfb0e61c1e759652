/**
 * The ES module load hook of observe mode (registered by `cachelens/observe` with
 * `module.register`; it runs on Node's hooks thread). It instruments the source of the app's own
 * modules after the hooks registered before it (a TypeScript loader such as tsx, registered
 * before `cachelens/observe`, hands it JavaScript). CommonJS modules whose source the chain does
 * not supply go through `require`, where `cachelens/observe` instruments them.
 */
import { fileURLToPath } from 'node:url';
import { displayPath, isAppFile } from './scope.js';
import { instrument } from './transform.js';

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: unknown) => Promise<LoadResult>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  if (!url.startsWith('file:') || (result.format !== 'module' && result.format !== 'commonjs') || result.source == null) return result;
  let filename: string;
  try {
    filename = fileURLToPath(url);
  } catch {
    return result;
  }
  if (!isAppFile(filename)) return result;
  const text = typeof result.source === 'string' ? result.source : Buffer.from(result.source as ArrayBuffer).toString('utf8');
  const done = instrument(text, displayPath(filename), result.format === 'module' ? 'module' : 'script');
  return done ? { ...result, source: done.code } : result;
}
