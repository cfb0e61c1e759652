// Entry of `npm test` and `npm start`: on a fresh clone where `npm ci` has not run yet, it runs it
// first, then hands over to the TypeScript script (through tsx).
//   node scripts/bootstrap.mjs <script.ts> [args...]
import { spawnSync } from 'node:child_process';
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
const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, script), ...args], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
