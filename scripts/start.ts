/**
 * `npm start`: the main job on the embedded default (in-memory backend, no server needed).
 *   1. installs what is missing (Node 24 + code-server in a cache outside the repo; Debian packages)
 *   2. builds the runtime and the extension and packs the .vsix
 *   3. runs the example dashboard once, so you see the runtime at work in this terminal
 *   4. starts a real VS Code (code-server on 127.0.0.1) with the extension installed and
 *      examples/dashboard open, and prints the URL; Ctrl+C stops it.
 * Environment: CACHELENS_PORT (default 8080, or a free port when taken).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, startCodeServer } from '../test/harness/code-server';
import { CACHE_DIR, ROOT } from '../test/harness/paths';
import { prerequisitesStepTitle, workbenchUrl } from './start-steps';

function step(title: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  console.log(`\n[cachelens] ${title}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`[cachelens] "${title}" failed (exit ${result.status}); see the output above.`);
    process.exit(1);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  step(prerequisitesStepTitle(CACHE_DIR), 'bash', ['test/harness/prereqs.sh']);
  step('building the runtime and the extension, packing the .vsix', process.execPath, ['scripts/package.mjs']);
  step('running the example dashboard (in-memory cache)', 'npm', ['start', '-w', 'cachelens-example-dashboard'], { ROUNDS: '300' });

  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const wanted = Number(process.env.CACHELENS_PORT ?? 8080);
  const port = (await portIsFree(wanted)) ? wanted : await freePort();
  console.log('\n[cachelens] starting VS Code (code-server) with the extension and examples/dashboard');
  const folder = path.join(ROOT, 'examples', 'dashboard');
  const server = await startCodeServer({
    stateDir: path.join(CACHE_DIR, 'start-state'),
    folder,
    vsix: path.join(ROOT, 'dist', `cachelens-${manifest.version}.vsix`),
    port,
    killOnSignal: false, // stopped below, gracefully
  });
  console.log(`\n  CacheLens is running in VS Code at ${workbenchUrl(server.url, folder)}`);
  console.log('  Open it in a browser, right-click a function in src/prices.ts and pick "Cache this function".');
  console.log(`  Logs: ${server.logFile}. Press Ctrl+C to stop.\n`);
  // A stop signal often comes twice (to the process group, and forwarded by scripts/bootstrap.mjs):
  // the first one stops code-server (SIGKILL after 5 s if it lingers); later ones must not end this
  // process before that is done, or code-server is left running.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.stop().then(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  setInterval(() => undefined, 1 << 30); // stay in the foreground until stopped
}

main().catch((error: unknown) => {
  console.error(`[cachelens] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
