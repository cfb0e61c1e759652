// Entry of `npm test` and `npm start`: on a fresh clone where `npm ci` has not run yet, it runs it
// first, then hands over to the TypeScript script (through tsx).
//   node scripts/bootstrap.mjs <script.ts> [args...]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
if (!fs.existsSync(path.join(root, 'node_modules', 'tsx', 'package.json'))) {
  console.log('[cachelens] node_modules is missing: running npm ci first');
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (ci.status !== 0) process.exit(ci.status ?? 1);
}
const [script, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script), ...args], { cwd: root, stdio: 'inherit' });
// Pass stop signals on, so the script can stop what it started (code-server, test servers) even
// when only this process is signalled (a supervisor, `timeout`, npm forwarding).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
