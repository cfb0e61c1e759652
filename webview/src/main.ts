/**
 * The panel's entry point: validates what the host sends, reduces it into the view state, renders,
 * persists the state (so a hidden or reloaded panel comes back as it was), and turns clicks and
 * keys into messages to the host.
 */
import codiconCss from '@vscode/codicons/dist/codicon.css';
import codiconFont from '@vscode/codicons/dist/codicon.ttf';
import uplotCss from 'uplot/dist/uPlot.min.css';
import panelCss from './panel.css';
import { parseHostToPanel, type PanelToHost } from '../../protocol/panel.js';
import { CallsChart, WhatIfChart } from './chart.js';
import { GridKeys } from './grid.js';
import { persist, reduce, restore, SORT_COLUMNS, type Action, type PersistedState, type SortColumn, type ViewState } from './state.js';
import { byId, render, renderHeaders, renderWhatIf, SKELETON } from './view.js';

interface VsCodeApi {
  postMessage(message: PanelToHost): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

// Stylesheets go in with the page's nonce (the CSP allows no other inline style). The codicon
// font is emitted next to main.js by webpack; its @font-face is replaced to point there.
const nonce = document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce ?? '';
const fontFace = `@font-face { font-family: "codicon"; font-display: block; src: url("${codiconFont}") format("truetype"); }`;
const style = document.createElement('style');
style.nonce = nonce;
style.textContent = [fontFace, codiconCss.replace(/@font-face\s*{[^}]*}/, ''), uplotCss, panelCss].join('\n');
document.head.append(style);

document.body.insertAdjacentHTML('beforeend', SKELETON);
renderHeaders();
const chart = new CallsChart(byId('chart'));
const whatIfChart = new WhatIfChart(byId('whatif-chart'));

let state: ViewState = restore(vscode.getState());
let scheduled = false;
/** The id of the last what-if question (answers to earlier ones are dropped by the reducer). */
let whatIfQuestions = 0;

function dispatch(action: Action): void {
  state = reduce(state, action);
  vscode.setState(persist(state));
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    renderAll();
    chart.update(state.series, state.snapshot.at || Date.now());
    whatIfChart.update(renderWhatIf(state));
  });
}

/** Renders, keeps each grid's one Tab stop, and keeps focus on the element that had it (a re-sorted row is moved in the DOM, which drops focus). */
function renderAll(): void {
  const focused = document.activeElement as HTMLElement | null;
  render(state);
  functionsGrid.sync();
  processesGrid.sync();
  if (focused && focused !== document.activeElement && focused.isConnected) focused.focus({ preventScroll: true });
}

function post(message: PanelToHost): void {
  vscode.postMessage(message);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostToPanel(event.data);
  if (!message) return; // dropped: not something the host sends
  if (message.type === 'notice') dispatch({ type: 'notice', level: message.level, text: message.text });
  else if (message.type === 'whatif') dispatch({ type: 'whatif', id: message.id, requestId: message.requestId, view: message.view });
  else if (message.type === 'patch') dispatch({ type: 'patch', patch: message.state });
  else dispatch({ type: 'snapshot', snapshot: message.state });
});

function selectRow(id: string): void {
  const next = state.selected === id ? null : id;
  dispatch({ type: 'select', id: next });
  post({ v: 1, type: 'select', id: next });
}

document.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const button = target.closest<HTMLButtonElement>('button');
  const row = target.closest<HTMLTableRowElement>('tr[data-id]');
  const processRow = target.closest<HTMLTableRowElement>('tr[data-process]');
  if (button?.dataset.sort && SORT_COLUMNS.includes(button.dataset.sort as SortColumn)) {
    dispatch({ type: 'sort', column: button.dataset.sort as SortColumn });
    return;
  }
  switch (button?.dataset.action) {
    case 'open': {
      // A function row sends its id too: the host opens the source that declares it (the reported
      // location may be a built file).
      const at = button.dataset.file && button.dataset.line ? { file: button.dataset.file, line: Number(button.dataset.line) } : undefined;
      const id = row?.dataset.id;
      if (at || id) post({ v: 1, type: 'open', ...at, ...(id ? { id } : {}) });
      return;
    }
    case 'clear':
      if (row?.dataset.id) post({ v: 1, type: 'clear', id: row.dataset.id });
      return;
    case 'clear-process':
      if (processRow?.dataset.process) post({ v: 1, type: 'clear', process: processRow.dataset.process });
      return;
    case 'start-server':
      post({ v: 1, type: 'start-server' });
      return;
    case 'cache-candidate':
      if (button?.dataset.id && button.dataset.file && button.dataset.line) post({ v: 1, type: 'cache-candidate', id: button.dataset.id, file: button.dataset.file, line: Number(button.dataset.line) });
      return;
    case 'dismiss':
      dispatch({ type: 'dismiss-notice' });
      return;
    case 'whatif':
      if (row?.dataset.id) {
        const requestId = ++whatIfQuestions;
        dispatch({ type: 'whatif-ask', id: row.dataset.id, requestId });
        post({ v: 1, type: 'whatif', id: row.dataset.id, requestId });
      }
      return;
    case 'close-whatif':
      dispatch({ type: 'close-whatif' });
      whatIfChart.update(undefined);
      return;
  }
  if (row?.dataset.id && !button) selectRow(row.dataset.id);
});

// The tables are grids (grid.ts): one Tab stop each, arrow keys inside; Enter or Space on a
// function's figures selects it (the chart and the breakdown follow it, its detail opens).
const functionsGrid = new GridKeys(byId<HTMLTableElement>('functions'), 'data-id', (row) => row.dataset.id && selectRow(row.dataset.id));
const processesGrid = new GridKeys(byId<HTMLTableElement>('processes'), 'data-process');

document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement;
  if (event.key === 'Escape' && target === byId('filter')) {
    dispatch({ type: 'filter', text: '' });
    byId<HTMLInputElement>('filter').value = '';
  }
});

byId<HTMLInputElement>('filter').addEventListener('input', (event) => {
  dispatch({ type: 'filter', text: (event.target as HTMLInputElement).value });
});
byId<HTMLInputElement>('filter').value = state.filter;

renderAll();
chart.update(state.series, state.snapshot.at || Date.now());
post({ v: 1, type: 'ready' });
if (state.selected) post({ v: 1, type: 'select', id: state.selected });
