import * as vscode from 'vscode';
import { cacheCommand, uncacheCommand, type CacheCommandArgs } from './cache-commands.js';
import { registerCacheLens } from './cache-lens.js';
import { Commands } from './commands.js';
import { CachePanel } from './panel.js';
import { registerLive } from './live/live.js'; // live statistics: server, status bar, hints, panel feed

/**
 * Activation stays thin: it creates the output channel and the panel host and registers the
 * commands and providers. Everything heavy (ts-morph, the socket server) loads on first use.
 */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('CacheLens');
  const panel = new CachePanel(context.extensionUri, output);
  context.subscriptions.push(
    output,
    panel,
    vscode.commands.registerCommand(Commands.showPanel, () => panel.show()),
    vscode.commands.registerCommand(Commands.cacheFunction, (args?: CacheCommandArgs) => cacheCommand(context, args, 'cache')),
    vscode.commands.registerCommand(Commands.changeSettings, (args?: CacheCommandArgs) => cacheCommand(context, args, 'change')),
    vscode.commands.registerCommand(Commands.removeCaching, (args?: CacheCommandArgs) => uncacheCommand(args)),
  );
  registerCacheLens(context);
  registerLive(context, output, panel); // live statistics (issue 6)
}

export function deactivate(): void {}
