/**
 * "Find functions worth caching" (`cachelens.findCandidates`): runs the workspace's start command
 * in a terminal with observe mode loaded (`NODE_OPTIONS=--import=<the shipped cachelens/observe>`),
 * and shows the panel, which ranks what the app reports. The command is the `start` script of the
 * workspace's package.json, else one the user types once (remembered in the workspace state).
 */
import * as vscode from 'vscode';
import { ENDPOINT_ENV } from '../../../runtime/src/protocol.js';
import { Commands } from '../commands.js';
import { shippedObserveEntryUnder, withObserve } from './node-options.js';
import type { LiveServer } from '../server/server.js';

const COMMAND_STATE_KEY = 'cachelens.observe.command';
const TERMINAL_NAME = 'CacheLens: find functions worth caching';

/** The folder and command to run: the first workspace folder whose package.json has a `start` script, else one asked for. */
async function startCommand(context: vscode.ExtensionContext): Promise<{ cwd: vscode.Uri; command: string } | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const folder of folders) {
    try {
      const manifest = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, 'package.json')))) as { scripts?: Record<string, unknown> };
      if (typeof manifest.scripts?.start === 'string') return { cwd: folder.uri, command: 'npm start' };
    } catch {
      // no readable package.json here
    }
  }
  const folder = folders[0];
  if (!folder) {
    void vscode.window.showErrorMessage('CacheLens: open the folder of the app first; "Find functions worth caching" runs its start command there.');
    return undefined;
  }
  const remembered = context.workspaceState.get<string>(COMMAND_STATE_KEY);
  const command = remembered ?? (await vscode.window.showInputBox({
    title: 'Find functions worth caching',
    prompt: 'The command that starts the app (run in a terminal with CacheLens observe mode); remembered for this workspace.',
    placeHolder: 'node app.js',
    validateInput: (v) => (v.trim() ? undefined : 'Type the command that starts the app, for example node app.js'),
  }));
  if (!command?.trim()) return undefined;
  await context.workspaceState.update(COMMAND_STATE_KEY, command.trim());
  return { cwd: folder.uri, command: command.trim() };
}

/** Runs the command. Resolves to the terminal, or undefined when the user cancelled or nothing could run. */
export async function findCandidates(context: vscode.ExtensionContext, start: () => Promise<LiveServer | undefined>): Promise<vscode.Terminal | undefined> {
  const server = await start();
  if (!server) {
    void vscode.window.showErrorMessage('CacheLens: the live statistics server could not start; see the "CacheLens" output channel.');
    return undefined;
  }
  const run = await startCommand(context);
  if (!run) return undefined;
  server.candidates.reset();
  for (const t of vscode.window.terminals) if (t.name === TERMINAL_NAME) t.dispose();
  const terminal = vscode.window.createTerminal({
    name: TERMINAL_NAME,
    cwd: run.cwd,
    env: { NODE_OPTIONS: withObserve(process.env.NODE_OPTIONS, shippedObserveEntryUnder(context.extensionPath)), [ENDPOINT_ENV]: server.endpoint },
  });
  terminal.show(true);
  terminal.sendText(run.command, true);
  await vscode.commands.executeCommand(Commands.showPanel);
  return terminal;
}
