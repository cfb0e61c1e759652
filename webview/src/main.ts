import { parseHostToPanel, type PanelToHost } from '../../protocol/panel.js';

interface VsCodeApi {
  postMessage(message: PanelToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const status = document.getElementById('status');

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostToPanel(event.data);
  if (!message || !status) return;
  status.textContent =
    message.state.processes === 0
      ? 'No process is reporting yet. Run your app in a VS Code terminal: it reports here automatically.'
      : `${message.state.processes} process(es) reporting.`;
});
vscode.postMessage({ v: 1, type: 'ready' });
