import * as vscode from 'vscode';
import { parsePanelToHost, type HostToPanel } from '../../protocol/panel.js';
import { dispatchPanelMessage, panelHandlers, type PanelActions, type PanelHandlers } from './panel-messages.js';

/** Where the panel's figures come from and where its actions go (the live statistics). */
export interface PanelFeed extends PanelActions {
  /** The next periodic update: a `patch` of what changed since the last snapshot or update, or an `update`. Default: `update` with `snapshot()`. */
  update?(selected: string | null): HostToPanel;
  /** Fires when the figures may have changed (often: the panel throttles). */
  readonly onDidChange: vscode.Event<void>;
}

/** Most updates a second sent to the webview. */
const UPDATE_INTERVAL_MS = 250;
/** Updates are sent at least this often while visible, so the chart's time axis moves (and shows idle time as zero). */
const HEARTBEAT_MS = 1000;

/**
 * The CacheLens webview panel: one instance, revealed when asked for again, restored after a
 * window reload (a serializer), throttled to four updates a second. Its webview loads only the
 * bundle in dist/webview, under a strict Content Security Policy with a per-load nonce.
 */
export class CachePanel implements vscode.Disposable {
  static readonly viewType = 'cachelens.panel';
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly panelDisposables: vscode.Disposable[] = [];
  private feed: PanelFeed | undefined;
  private selected: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private dirty = false;
  /** The one dispatcher of the panel's messages (panel-messages.ts). */
  private readonly handlers: PanelHandlers = ((panel: CachePanel) => panelHandlers({
    post: (message) => panel.post(message),
    actions: () => panel.feed,
    get selected() {
      return panel.selected;
    },
    set selected(id) {
      panel.selected = id;
    },
    scheduleUpdate: () => panel.scheduleUpdate(),
  }))(this);

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.OutputChannel,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(CachePanel.viewType, {
        deserializeWebviewPanel: async (panel) => this.adopt(panel),
      }),
    );
  }

  /** Connects the panel to its source of figures and actions. */
  attach(feed: PanelFeed): void {
    this.feed = feed;
    this.disposables.push(feed.onDidChange(() => this.scheduleUpdate()));
    this.scheduleUpdate();
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel(CachePanel.viewType, 'CacheLens', vscode.ViewColumn.Beside, this.options());
    this.adopt(panel);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [this.bundle()], retainContextWhenHidden: false };
  }

  private bundle(): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
  }

  /** Takes charge of a panel (a new one, or one VS Code restored after a reload). */
  private adopt(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    panel.webview.options = this.options();
    panel.webview.html = this.html(panel.webview);
    panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw), undefined, this.panelDisposables);
    panel.onDidChangeViewState((e) => e.webviewPanel.visible && this.scheduleUpdate(), undefined, this.panelDisposables);
    this.heartbeat ??= setInterval(() => this.scheduleUpdate(), HEARTBEAT_MS);
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        for (const d of this.panelDisposables.splice(0)) d.dispose();
      },
      undefined,
      this.panelDisposables,
    );
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parsePanelToHost(raw);
    if (!message) {
      this.output.appendLine(`[panel] dropped an invalid message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const failure = await dispatchPanelMessage(this.handlers, { post: (m) => this.post(m) }, message);
    if (failure) this.output.appendLine(`[panel] ${failure}`);
  }

  /** Sends the figures at most every 250 ms, and only while the panel is visible. */
  private scheduleUpdate(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.dirty || !this.panel?.visible || !this.feed) return;
      this.dirty = false;
      this.post(this.feed.update?.(this.selected) ?? { v: 1, type: 'update', state: this.feed.snapshot(this.selected) });
    }, UPDATE_INTERVAL_MS);
  }

  private post(message: HostToPanel): void {
    void this.panel?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.bundle(), 'main.js'));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}'; font-src ${webview.cspSource}; img-src ${webview.cspSource} data:;">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>CacheLens</title>
</head>
<body>
<h1 id="title">CacheLens</h1>
<p id="status" role="status" aria-live="polite">Loading…</p>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function randomNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}
