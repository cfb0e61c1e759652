/**
 * The panel's real bundle (dist/webview) served to a real browser under the Content Security
 * Policy the extension sets, with `acquireVsCodeApi` provided by the page as VS Code does: what
 * the page posts is kept in `window.__posted`, its saved state in `window.__state`, CSP
 * violations in `window.__violations`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const BUNDLE = path.resolve(__dirname, '../../../dist/webview');
const NONCE = 'test-nonce-123';

export interface PanelPageServer {
  /** The page's URL (and the origin the bundle is served from). */
  readonly base: string;
  close(): void;
}

function page(base: string, savedState: unknown): string {
  const csp = `default-src 'none'; style-src ${base} 'nonce-${NONCE}'; script-src 'nonce-${NONCE}'; font-src ${base}; img-src ${base} data:;`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${NONCE}">body { --vscode-foreground: #ccc; --vscode-editor-background: #1e1e1e; --vscode-charts-green: #89d185; --vscode-charts-red: #f14c4c; }</style>
<script nonce="${NONCE}">
  window.__posted = []; window.__state = ${JSON.stringify(savedState ?? null)}; window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } });
</script></head><body class="vscode-dark">
<h1 id="title">CacheLens</h1><p id="status" role="status">Loading…</p>
<script nonce="${NONCE}" src="${base}/bundle/main.js"></script></body></html>`;
}

/** Serves the panel page on 127.0.0.1; `savedState()` is what `getState()` returns on each load. */
export async function servePanelPage(savedState: () => unknown = () => null): Promise<PanelPageServer> {
  if (!fs.existsSync(path.join(BUNDLE, 'main.js'))) assert.fail('dist/webview/main.js is missing: run `npm run compile` first');
  let base = '';
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/bundle/')) {
      const file = path.join(BUNDLE, path.basename(url.split('?')[0]!));
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'font/ttf' }).end(fs.readFileSync(file));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(page(base, savedState()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => server.close() };
}
