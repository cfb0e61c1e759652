import * as vscode from 'vscode';
import { parsePanelToHost, type HostToPanel } from '../../protocol/panel.js';

/** The CacheLens webview panel: one instance, revealed when asked for again. */
export class CachePanel implements vscode.Disposable {
  static readonly viewType = 'cachelens.panel';
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.OutputChannel,
  ) {}

  show(): void {
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside);
      return;
    }
    const bundle = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(CachePanel.viewType, 'CacheLens', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [bundle],
      retainContextWhenHidden: false,
    });
    this.panel = panel;
    panel.webview.html = this.html(panel.webview, bundle);
    panel.webview.onDidReceiveMessage(
      (raw: unknown) => {
        const message = parsePanelToHost(raw);
        if (!message) {
          this.output.appendLine(`[panel] dropped an invalid message from the webview: ${JSON.stringify(raw)}`);
          return;
        }
        if (message.type === 'ready') this.post({ v: 1, type: 'init', state: { processes: 0 } });
      },
      undefined,
      this.disposables,
    );
    panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
  }

  private post(message: HostToPanel): void {
    void this.panel?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, bundle: vscode.Uri): string {
    const nonce = randomNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'main.js'));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}'; font-src ${webview.cspSource}; img-src ${webview.cspSource} data:;">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
</style>
<title>CacheLens</title>
</head>
<body>
<h1 id="title">CacheLens</h1>
<p id="status">Loading…</p>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function randomNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}
