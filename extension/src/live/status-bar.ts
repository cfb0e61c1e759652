import * as vscode from 'vscode';
import { Commands } from '../commands.js';

/** "CacheLens: 2 processes" in the status bar; opens the panel. Shown once the server runs. */
export class LiveStatusBar implements vscode.Disposable {
  readonly #item = vscode.window.createStatusBarItem('cachelens.live', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.#item.name = 'CacheLens live statistics';
    this.#item.command = Commands.showPanel;
  }

  update(listening: boolean, connected: number, gone: number, functions: number): void {
    if (!listening) {
      this.#item.hide();
      return;
    }
    this.#item.text = `$(pulse) CacheLens: ${connected} process${connected === 1 ? '' : 'es'}`;
    const tooltip = new vscode.MarkdownString(
      connected === 0
        ? 'No process is reporting. Start your app in a VS Code terminal: it reports here automatically.\n\nClick to open the panel.'
        : `${connected} process${connected === 1 ? '' : 'es'} reporting${gone ? ` (${gone} gone)` : ''}, ${functions} cached function${functions === 1 ? '' : 's'}.\n\nClick to open the panel.`,
    );
    this.#item.tooltip = tooltip;
    this.#item.accessibilityInformation = { label: `CacheLens: ${connected} processes reporting`, role: 'button' };
    this.#item.show();
  }

  dispose(): void {
    this.#item.dispose();
  }
}
