import * as vscode from 'vscode';
import { cacheCommand, uncacheCommand, watchCommand, type CacheCommandArgs } from './cache-commands.js';
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
    vscode.commands.registerCommand(Commands.cacheFunction, (args?: CacheCommandArgs) => reported(output, 'Cache this function', () => cacheCommand(context, args, 'cache'))),
    vscode.commands.registerCommand(Commands.changeSettings, (args?: CacheCommandArgs) => reported(output, 'Change cache settings', () => cacheCommand(context, args, 'change'))),
    vscode.commands.registerCommand(Commands.removeCaching, (args?: CacheCommandArgs) => reported(output, 'Remove caching', () => uncacheCommand(args))),
    vscode.commands.registerCommand(Commands.watchCache, (args?: CacheCommandArgs) => reported(output, 'Watch this cache', () => watchCommand(args))),
  );
  // Each side reads the other only when called back (a lens asked for, figures that changed): never during registration.
  const lenses = registerCacheLens(context, () => live.functionRows());
  const live = registerLive(context, output, panel, () => lenses.figuresChanged()); // live statistics (issue 6)
}

/** Runs a command; an unexpected failure is logged and shown, never lost. */
async function reported<T>(output: vscode.OutputChannel, title: string, run: () => Promise<T>): Promise<T | undefined> {
  output.appendLine(`[command] ${title}`);
  try {
    const result = await run();
    output.appendLine(`[command] ${title} -> ${JSON.stringify(result)}`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    output.appendLine(`[command] ${title} failed: ${message}`);
    void vscode.window.showErrorMessage(`CacheLens: "${title}" failed: ${error instanceof Error ? error.message : String(error)}. Details are in the CacheLens output.`);
    return undefined;
  }
}

export function deactivate(): void {}
