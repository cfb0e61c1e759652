/**
 * Starts and stops a real VS Code (code-server on Node 24) for end-to-end tests and `npm start`.
 * code-server runs in its own process group so that stopping it also stops the extension host,
 * file watcher and agent processes it spawns; HOME, XDG_* and TMPDIR point into a state dir so
 * nothing is written to the user's home.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CODE_SERVER_ENTRY, NODE24 } from './paths';

export interface CodeServerOptions {
  /** Throw-away directory for user data, extensions, HOME and logs. Created if missing. */
  stateDir: string;
  /** Folder the workbench opens. */
  folder: string;
  /** A packed extension to install before starting. */
  vsix?: string;
  /** Loopback port; default: a free ephemeral port. */
  port?: number;
  /** Extra user settings merged over the quiet defaults. */
  settings?: Record<string, unknown>;
  /**
   * Kill it at once when this process gets SIGINT, SIGTERM or SIGHUP (default true: Ctrl+C in a
   * test run). False for a caller that stops it on those signals itself (npm start); it is still
   * killed when such a signal comes before that caller listens for it.
   */
  killOnSignal?: boolean;
}

export interface CodeServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly stateDir: string;
  readonly logFile: string;
  /** Stops the whole process group; resolves when it is gone. */
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic (no welcome page, chat, gallery, updates). */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
  // VS Code in a browser saves edits after one second by default (desktop: off); the tests check
  // what is left unsaved for the user, and a late save would race them.
  'files.autoSave': 'off',
  // The sticky-scroll line lies over the editor's first visible line and takes clicks meant for it
  // (seen: a right-click on a line just below a function's header never reached the line).
  'editor.stickyScroll.enabled': false,
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function assertPrerequisites(): void {
  for (const [what, file] of [['Node 24', NODE24], ['code-server', CODE_SERVER_ENTRY]] as const) {
    if (!fs.existsSync(file)) {
      throw new Error(`${what} not found at ${file}: run \`bash test/harness/prereqs.sh\` (npm test and npm start do).`);
    }
  }
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  assertPrerequisites();
  const stateDir = path.resolve(options.stateDir);
  for (const sub of ['ud/User', 'ext', 'home', 'xdg-config', 'xdg-data', 'xdg-cache', 'tmp']) {
    fs.mkdirSync(path.join(stateDir, sub), { recursive: true });
  }
  fs.writeFileSync(
    path.join(stateDir, 'ud', 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: path.join(stateDir, 'home'),
    XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(stateDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(stateDir, 'xdg-cache'),
  };
  // Unix socket paths must stay short (~108 bytes): only use the state dir's tmp when it is.
  if (stateDir.length <= 48) env.TMPDIR = path.join(stateDir, 'tmp');
  delete env.CACHELENS_ENDPOINT;
  const common = ['--user-data-dir', path.join(stateDir, 'ud'), '--extensions-dir', path.join(stateDir, 'ext')];
  if (options.vsix) {
    const install = spawnSync(NODE24, [CODE_SERVER_ENTRY, ...common, '--install-extension', options.vsix], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (install.status !== 0) {
      throw new Error(`installing ${options.vsix} into code-server failed:\n${install.stdout}\n${install.stderr}`);
    }
  }
  const port = options.port ?? (await freePort());
  const logFile = path.join(stateDir, 'code-server.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(
    NODE24,
    [
      CODE_SERVER_ENTRY,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      ...common,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override',
      // The folder given here, not the one a browser opened last time with this state directory
      // (code-server prefers that one for a URL without ?folder=: npm start reopened old folders).
      '--ignore-last-opened',
      // Without it a built workbench ignores the extension-test payload.
      '--vscode-option', 'enable-smoke-test-driver',
      options.folder,
    ],
    { env, detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('code-server did not start');
  fs.writeFileSync(path.join(stateDir, 'cs.pgid'), String(pgid));
  unstopped.set(pgid, options.killOnSignal ?? true);
  let exited = false;
  child.once('exit', () => (exited = true));

  const failed = (what: string): Error => {
    killGroup(pgid, 'SIGKILL');
    unstopped.delete(pgid);
    return new Error(`code-server ${what}; log:\n${fs.readFileSync(logFile, 'utf8')}`);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw failed('exited during start');
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw failed('did not answer /healthz within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    stateDir,
    logFile,
    async stop() {
      killGroup(pgid, 'SIGTERM');
      for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
      unstopped.delete(pgid);
    },
  };
}

/**
 * Process groups of the code-servers this process started and has not stopped, with their
 * `killOnSignal`. code-server runs in a group of its own, so Ctrl+C in the terminal does not reach
 * it: they are killed here when this process gets a stop signal or exits, rather than left running.
 * (A stop signal to the test runner reaches each test file's process, where other listeners, such
 * as playwright's, may keep it from ending by the default action, and the runner may then end it
 * with SIGKILL, which no handler sees: so the groups are killed when the signal comes.)
 */
const unstopped = new Map<number, boolean>();
function killUnstopped(all: boolean): void {
  for (const [pgid, killOnSignal] of unstopped) {
    if (!all && !killOnSignal) continue;
    killGroup(pgid, 'SIGKILL');
    unstopped.delete(pgid);
  }
}
process.on('exit', () => killUnstopped(true));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, function onSignal() {
    // Alone, this listener ends the process below: then nobody else will stop any of them.
    const alone = process.listenerCount(signal) === 1;
    killUnstopped(alone);
    if (!alone) return; // the other listeners decide how this process ends
    process.off(signal, onSignal);
    process.kill(process.pid, signal); // end as the signal would have without this listener
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
