/**
 * Rendering the view state into the DOM. Rows are keyed (by function id, by process key) and
 * updated in place, so focus, selection and scroll survive the four updates a second.
 * Every text goes through textContent: ids and paths reported by processes are never markup.
 */
import { CANDIDATES_SKELETON, renderCandidates } from './candidates.js';
import type { FunctionRow, ProcessFunctionRow, ProcessRow, WhatIfCurve } from '../../protocol/panel.js';
import { formatBytes, formatDuration, formatPercent, hitRatio, meanMissMs } from '../../protocol/format.js';
import { missAdvice, splitText } from './miss-causes.js';
import { visibleRows, type SortColumn, type ViewState } from './state.js';
import { renderVerify, VERIFY_SECTION } from './verify.js';

interface Column<Row> {
  key: string;
  label: string;
  title?: string;
  numeric?: boolean;
  /**
   * When the column shows: 1 (default) always; 2 from 640 px of panel width; 3 from 960 px
   * (panel.css: `.col-p2`, `.col-p3`). Beside the editor (~400-500 px) a row reads function, hit
   * ratio and time saved; its other figures are in its detail (`.more-p2`, `.more-p3`) when selected.
   */
  priority?: 2 | 3;
  value(row: Row): number | string;
  text(row: Row): string;
}

const exact = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (n: number) => (n < 10 ? n.toFixed(1) : exact(n));

/** What the cache is worth first (hit ratio, time saved), then its traffic, then what it holds: in a narrow panel the first columns are the ones in view. */
const counterColumns = <Row extends FunctionRow | ProcessFunctionRow>(): Column<Row>[] => [
  { key: 'ratio', label: 'Hit ratio', numeric: true, value: (r) => hitRatio(r) ?? -1, text: (r) => formatPercent(hitRatio(r)) },
  { key: 'savedMs', label: 'Time saved', numeric: true, title: 'Hits × the mean miss time', value: (r) => r.savedMs, text: (r) => formatDuration(r.savedMs) },
  { key: 'hits', label: 'Hits', numeric: true, priority: 2, value: (r) => r.hits, text: (r) => exact(r.hits) },
  { key: 'misses', label: 'Misses', numeric: true, priority: 2, value: (r) => r.misses, text: (r) => exact(r.misses) },
  {
    key: 'missMs', label: 'Mean miss', numeric: true, priority: 3, title: 'Mean time a miss spent computing. A hit costs a lookup only (not reported per call, to keep hits free).',
    value: (r) => meanMissMs(r) ?? -1, text: (r) => formatDuration(meanMissMs(r)),
  },
  { key: 'entries', label: 'Entries', numeric: true, priority: 3, value: (r) => r.entries, text: (r) => exact(r.entries) },
  { key: 'bytes', label: 'Memory', numeric: true, priority: 3, value: (r) => r.bytes, text: (r) => formatBytes(r.bytes) },
  { key: 'errors', label: 'Errors', numeric: true, priority: 3, value: (r) => r.errors, text: (r) => exact(r.errors) },
];

const functionColumns: Column<FunctionRow>[] = [
  { key: 'id', label: 'Function', value: (r) => r.id, text: (r) => r.id },
  ...counterColumns<FunctionRow>(),
  { key: 'processes', label: 'Processes', numeric: true, priority: 3, value: (r) => r.processes, text: (r) => String(r.processes) },
];
/** What a function row's detail adds to its columns: the backend (in a wide panel, the row's tooltip) and the whole id. */
const detailOnly: Column<FunctionRow>[] = [
  { key: 'backend', label: 'Backend', priority: 3, value: (r) => r.backend, text: (r) => `${r.backend} (${r.backendType})` },
  // The narrowest layout shows a function's name only.
  { key: 'file', label: 'Id', priority: 2, value: (r) => r.id, text: (r) => r.id },
];
/** A function row's action columns: one button each, so that every cell of the grid holds one thing to press. */
const functionActions = [
  { key: 'whatif', icon: 'graph-line', label: 'What if?', title: (id: string) => `What if? The hit ratio of ${id} at other cache sizes (from a recorded trace)` },
  { key: 'clear', icon: 'trash', label: 'Clear', title: (id: string) => `Clear the cache of ${id} in every process` },
];

const breakdownColumns: Column<ProcessFunctionRow>[] = [
  { key: 'process', label: 'Process', value: (r) => r.pid, text: (r) => `${r.app} (pid ${r.pid})${r.connected ? '' : ' — gone'}` },
  { key: 'runtime', label: 'Runtime', value: (r) => r.runtime, text: (r) => r.runtime },
  ...counterColumns<ProcessFunctionRow>(),
];

const processColumns: Column<ProcessRow>[] = [
  { key: 'app', label: 'App', value: (r) => r.app, text: (r) => r.app },
  { key: 'pid', label: 'PID', numeric: true, value: (r) => r.pid, text: (r) => String(r.pid) },
  { key: 'state', label: 'State', value: (r) => (r.connected ? 'connected' : 'gone'), text: (r) => (r.connected ? 'connected' : 'gone') },
  { key: 'savedMs', label: 'Time saved', numeric: true, value: (r) => r.totals.savedMs, text: (r) => formatDuration(r.totals.savedMs) },
  { key: 'hits', label: 'Hits', numeric: true, value: (r) => r.totals.hits, text: (r) => exact(r.totals.hits) },
  { key: 'misses', label: 'Misses', numeric: true, value: (r) => r.totals.misses, text: (r) => exact(r.totals.misses) },
  { key: 'functions', label: 'Functions', numeric: true, value: (r) => r.functions, text: (r) => String(r.functions) },
  { key: 'hostname', label: 'Host', value: (r) => r.hostname, text: (r) => r.hostname },
];
const processActions = [{ key: 'clear-process', icon: 'clear-all', label: 'Clear', title: (app: string) => `Clear every cache of ${app}` }];

/** The panel's static skeleton; the host page provides #title and #status. */
export const SKELETON = `
<div id="notice" role="alert" hidden><span class="text"></span><button type="button" class="icon" data-action="dismiss" aria-label="Dismiss"><span class="codicon codicon-close"></span></button></div>
<section id="empty" aria-labelledby="empty-title" hidden>
  <h2 id="empty-title"><span class="codicon codicon-info"></span> No process is reporting yet</h2>
  <ol>
    <li>Open a terminal in VS Code (<kbd>Terminal</kbd> → <kbd>New Terminal</kbd>). Terminals opened while the CacheLens server runs carry <code>CACHELENS_ENDPOINT</code>; one opened before it started shows VS Code's relaunch warning on its tab: relaunch it, or open a new one.</li>
    <li>Start your app there as usual, for example <code>npm start</code> or <code>node app.js</code>. Debug sessions launched from VS Code report too.</li>
    <li>Call a cached function: its hits, misses and time saved appear here and next to the code.</li>
  </ol>
  <p id="server-stopped" hidden>The CacheLens server is not running. <button type="button" data-action="start-server"><span class="codicon codicon-play"></span> Start it</button></p>
  <p class="hint">A process started elsewhere (a container, another machine through a tunnel) reports when <code>CACHELENS_ENDPOINT</code> is set to the value the terminal shows.</p>
  <h3>Cached functions in this workspace</h3>
  <p id="workspace-none">None found yet: right-click a function and choose <em>Cache this function</em>.</p>
  <ul id="workspace-functions"></ul>
</section>
${CANDIDATES_SKELETON}
<section id="live" aria-label="Live statistics">
  <div class="toolbar">
    <label class="filter"><span class="codicon codicon-filter"></span><input id="filter" type="search" placeholder="Filter by function, backend or file" aria-label="Filter functions"></label>
    <span id="shown"></span>
  </div>
  <div class="table-scroll"><table id="functions" aria-label="Cached functions (select a row to chart it and see all its figures)"><thead></thead><tbody></tbody></table></div>
  <section id="misses" aria-labelledby="misses-title" hidden>
    <h2 id="misses-title">Why did it miss?</h2>
    <p id="misses-split"></p>
    <p id="misses-advice" role="status" aria-live="polite"></p>
  </section>
  <section id="whatif" aria-labelledby="whatif-title" hidden>
    <div class="whatif-head"><h2 id="whatif-title">What if?</h2><button type="button" class="icon" data-action="close-whatif" aria-label="Close the what-if view" title="Close"><span class="codicon codicon-close"></span></button></div>
    <p id="whatif-sentence" role="status" aria-live="polite"></p>
    <div id="whatif-chart" role="img" aria-label="Hit ratio over cache sizes, default policy and LRU, with the current max marked"></div>
    <p id="whatif-ttl" hidden></p>
    <table id="whatif-ttl-table" class="whatif-ttl" hidden><caption>Replayed with a longer TTL</caption>
      <thead><tr><th scope="col">TTL</th><th scope="col" class="num">hits gained</th><th scope="col" class="num">hits lost</th></tr></thead><tbody></tbody></table>
    <p id="whatif-text" class="hint"></p>
  </section>
  ${VERIFY_SECTION}
  <h2 id="chart-title">Calls per second — all functions</h2>
  <div id="chart-wrap"><div id="chart" role="img" aria-label="Hits and misses per second over the last minute"></div><p id="chart-empty" class="hint" hidden></p></div>
  <h2 id="breakdown-title">Per process</h2>
  <div class="table-scroll"><table id="breakdown" aria-labelledby="breakdown-title"><thead></thead><tbody></tbody></table></div>
  <h2 id="processes-title">Processes</h2>
  <div class="table-scroll"><table id="processes" aria-labelledby="processes-title"><thead></thead><tbody></tbody></table></div>
</section>`;

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the panel's #${id} element is missing`);
  return element as T;
}

type Action = (typeof functionActions)[number] | (typeof processActions)[number];

/** A cell's class for its column's priority (hidden below its width in the functions table: panel.css). */
function priorityClass(column: Column<unknown> | { priority?: 2 | 3 }): string {
  return column.priority ? `col-p${column.priority}` : '';
}

function header<Row>(table: HTMLTableElement, columns: Column<Row>[], sortable: boolean, actions: readonly Action[]): void {
  const row = document.createElement('tr');
  for (const column of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.dataset.col = column.key;
    th.className = [column.numeric ? 'num' : '', priorityClass(column)].filter(Boolean).join(' ');
    if (column.title) th.title = column.title;
    th.tabIndex = -1; // grid.ts moves the one Tab stop
    if (sortable) {
      const button = document.createElement('button');
      button.type = 'button';
      button.tabIndex = -1;
      button.dataset.sort = column.key;
      button.textContent = column.label;
      const icon = document.createElement('span');
      icon.className = 'codicon sort-icon';
      icon.setAttribute('aria-hidden', 'true');
      button.append(icon);
      th.append(button);
    } else {
      th.textContent = column.label;
    }
    row.append(th);
  }
  for (const action of actions) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.dataset.col = action.key;
    th.className = 'actions';
    th.tabIndex = -1;
    const label = document.createElement('span');
    label.className = 'visually-hidden';
    label.textContent = action.label;
    th.append(label);
    row.append(th);
  }
  table.tHead!.replaceChildren(row);
}

function iconButton(action: string, icon: string, label: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.tabIndex = -1;
  button.className = 'icon';
  button.dataset.action = action;
  button.setAttribute('aria-label', label);
  button.title = label;
  const span = document.createElement('span');
  span.className = `codicon codicon-${icon}`;
  span.setAttribute('aria-hidden', 'true');
  button.append(span);
  return button;
}

/** Updates a keyed table body in place: existing rows keep their elements (and focus). */
function syncRows<Row>(
  body: HTMLTableSectionElement,
  rows: readonly Row[],
  key: (row: Row) => string,
  keyAttribute: string,
  columns: Column<Row>[],
  decorate: (tr: HTMLTableRowElement, row: Row, created: boolean) => void,
): void {
  const existing = new Map<string, HTMLTableRowElement>();
  for (const tr of Array.from(body.rows)) existing.set(tr.getAttribute(keyAttribute) ?? '', tr);
  const wanted: HTMLTableRowElement[] = [];
  for (const row of rows) {
    const k = key(row);
    let tr = existing.get(k);
    const created = !tr;
    if (!tr) {
      tr = document.createElement('tr');
      tr.setAttribute(keyAttribute, k);
      for (const column of columns) {
        const td = document.createElement('td');
        td.dataset.col = column.key;
        td.className = [column.numeric ? 'num' : '', priorityClass(column)].filter(Boolean).join(' ');
        td.tabIndex = -1; // grid.ts moves the one Tab stop
        tr.append(td);
      }
    }
    existing.delete(k);
    columns.forEach((column, i) => {
      const td = tr.cells[i]!;
      const value = String(column.value(row));
      if (td.dataset.value !== value || created) {
        td.dataset.value = value;
        setText(td, column.text(row));
      }
    });
    decorate(tr, row, created);
    wanted.push(tr);
  }
  for (const stale of existing.values()) stale.remove();
  wanted.forEach((tr, i) => {
    if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] ?? null);
  });
}

/** Sets the text of a cell; a cell with a link keeps it (its text is the row's key, set once). */
function setText(td: HTMLTableCellElement, text: string): void {
  if (td.querySelector('button.link')) return;
  if (td.textContent !== text) td.textContent = text;
}

/** One cell per action, each holding its one button. */
function actionCells(tr: HTMLTableRowElement, actions: readonly Action[], name: string): void {
  for (const action of actions) {
    const td = document.createElement('td');
    td.className = 'actions';
    td.dataset.col = action.key;
    td.tabIndex = -1;
    td.append(iconButton(action.key, action.icon, action.title(name)));
    tr.append(td);
  }
}

/** A function id as a link: its path (shortened with an ellipsis when narrow) and its `#name` (always whole). */
function functionLink(id: string): HTMLButtonElement {
  const link = document.createElement('button');
  link.type = 'button';
  link.className = 'link';
  link.tabIndex = -1;
  link.dataset.action = 'open';
  const hash = id.lastIndexOf('#');
  const path = document.createElement('span');
  path.className = 'path';
  path.textContent = hash > 0 ? id.slice(0, hash + 1) : '';
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = hash > 0 ? id.slice(hash + 1) : id;
  link.append(path, name);
  return link;
}

/**
 * The selected function's detail, under its row: the figures whose columns the panel's width
 * hides (each item carries its column's priority; panel.css shows only the hidden ones, and hides
 * the detail in a wide panel). Kept out of the table's rows during `syncRows`.
 */
function renderDetail(body: HTMLTableSectionElement, row: FunctionRow | undefined, span: number): void {
  let detail = body.querySelector<HTMLTableRowElement>('tr.detail');
  if (!row) {
    detail?.remove();
    return;
  }
  if (!detail) {
    detail = document.createElement('tr');
    detail.className = 'detail';
    const td = document.createElement('td');
    const list = document.createElement('dl');
    for (const column of [...functionColumns.filter((c) => c.priority), ...detailOnly]) {
      const item = document.createElement('div');
      item.className = `more-p${column.priority}`;
      item.dataset.col = column.key;
      const dt = document.createElement('dt');
      dt.textContent = column.label;
      item.append(dt, document.createElement('dd'));
      list.append(item);
    }
    td.append(list);
    detail.append(td);
  }
  detail.dataset.detailOf = row.id;
  detail.cells[0]!.colSpan = span;
  for (const column of [...functionColumns, ...detailOnly]) {
    const dd = detail.querySelector(`[data-col="${column.key}"] dd`);
    if (dd && dd.textContent !== column.text(row)) dd.textContent = column.text(row);
  }
  const selected = body.querySelector(`tr[data-id="${CSS.escape(row.id)}"]`);
  if (selected && selected.nextElementSibling !== detail) selected.after(detail);
}

export function renderHeaders(): void {
  header(byId<HTMLTableElement>('functions'), functionColumns, true, functionActions);
  header(byId<HTMLTableElement>('breakdown'), breakdownColumns, false, []);
  header(byId<HTMLTableElement>('processes'), processColumns, false, processActions);
}

export function render(state: ViewState): void {
  const { snapshot } = state;
  const connected = snapshot.processes.filter((p) => p.connected).length;
  const gone = snapshot.processes.length - connected;
  byId('status').textContent =
    snapshot.server === 'stopped'
      ? 'The CacheLens server is not running.'
      : `${connected} process${connected === 1 ? '' : 'es'} connected${gone ? `, ${gone} gone` : ''} · ${snapshot.functions.length} cached function${snapshot.functions.length === 1 ? '' : 's'}` +
        (snapshot.droppedRows ? ` · ${snapshot.droppedRows} row${snapshot.droppedRows === 1 ? '' : 's'} not shown (invalid figures)` : '');
  byId('status').dataset.processes = String(connected);

  const notice = byId('notice');
  notice.hidden = !state.notice;
  notice.className = state.notice?.level ?? '';
  notice.querySelector('.text')!.textContent = state.notice?.text ?? '';

  const empty = snapshot.processes.length === 0;
  byId('empty').hidden = !empty;
  byId('live').hidden = empty;
  byId('server-stopped').hidden = snapshot.server !== 'stopped';
  renderWorkspaceFunctions(state);
  renderCandidates(byId('candidates'), snapshot.candidates);
  if (empty) return;

  const filter = byId<HTMLInputElement>('filter');
  if (filter.value !== state.filter && document.activeElement !== filter) filter.value = state.filter;
  const rows = visibleRows(state);
  byId('shown').textContent = rows.length === snapshot.functions.length ? '' : `${rows.length} of ${snapshot.functions.length} shown`;
  renderSort(state.sort.column, state.sort.descending);

  const functionsBody = byId<HTMLTableElement>('functions').tBodies[0]!;
  functionsBody.querySelector('tr.detail')?.remove(); // out of the way of the keyed rows; put back below
  syncRows(functionsBody, rows, (r) => r.id, 'data-id', functionColumns, (tr, row, created) => {
    if (created) {
      tr.cells[0]!.replaceChildren(functionLink(row.id));
      actionCells(tr, functionActions, row.id);
    }
    const link = tr.cells[0]!.querySelector('button.link') as HTMLButtonElement;
    // The host finds the source by the id the codemod wrote (`src/prices.ts#getPrices`), or maps the reported location back to it.
    link.disabled = !row.location && !row.id.includes('#');
    link.title = link.disabled ? `${row.id}: no source location reported` : `Open the source of ${row.id}${row.location ? ` (reported at ${row.location.file}:${row.location.line})` : ''}`;
    if (row.location) {
      link.dataset.file = row.location.file;
      link.dataset.line = String(row.location.line);
    }
    tr.setAttribute('aria-selected', String(row.id === state.selected));
    tr.classList.toggle('degraded', row.health === 'degraded');
    tr.title = row.health === 'degraded' ? `${row.backend} (${row.backendType}) is degraded: calls are answered as misses` : `${row.backend} (${row.backendType})`;
    tr.classList.toggle('saturated', row.saturated === true);
    if (row.saturated) tr.title += ' · a process reported figures too large to add up: totals stop at the largest number';
  });
  renderDetail(functionsBody, rows.find((r) => r.id === state.selected), functionColumns.length + functionActions.length);
  renderVerify(snapshot.functions);
  renderMisses(snapshot.functions.find((r) => r.id === state.selected));

  byId('chart-title').textContent = `Calls per second — ${state.selected ?? 'all functions'}`;
  const newest = state.series[state.series.length - 1];
  byId('chart-empty').hidden = newest !== undefined;
  byId('chart-empty').textContent = newest ? '' : 'Collecting: the first point shows within a few seconds.';
  byId('chart').setAttribute('aria-label', newest
    ? `Hits and misses per second over the last minute; now ${rate(newest.hits)} hits/s, ${rate(newest.misses)} misses/s`
    : 'Hits and misses per second over the last minute: no point yet');
  byId('breakdown-title').textContent = state.selected ? `Per process — ${state.selected}` : 'Per process (select a function)';
  syncRows(byId<HTMLTableElement>('breakdown').tBodies[0]!, state.selected ? snapshot.breakdown : [], (r) => r.key, 'data-process', breakdownColumns, (tr, row) => {
    tr.classList.toggle('gone', !row.connected);
  });

  syncRows(byId<HTMLTableElement>('processes').tBodies[0]!, snapshot.processes, (r) => r.key, 'data-process', processColumns, (tr, row, created) => {
    if (created) actionCells(tr, processActions, `${row.app} (pid ${row.pid})`);
    tr.classList.toggle('gone', !row.connected);
    (tr.querySelector('button[data-action="clear-process"]') as HTMLButtonElement).disabled = !row.connected;
  });
}

/** "Why did it miss?" for the selected function: its misses by cause and what to change; hidden until a process counts causes. */
function renderMisses(row: FunctionRow | undefined): void {
  const advice = row?.missCauses !== undefined ? missAdvice(row.missCauses) : undefined;
  byId('misses').hidden = advice === undefined;
  if (advice === undefined) return;
  byId('misses-title').textContent = `Why did it miss? — ${row!.id}`;
  const split = `Misses: ${splitText(row!.missCauses!)}`;
  if (byId('misses-split').textContent !== split) byId('misses-split').textContent = split;
  if (byId('misses-advice').textContent !== advice) byId('misses-advice').textContent = advice;
}

/** The what-if section: hidden until asked for; then the state, the sentence, and (when ready) the curve's numbers for assistive tech. */
export function renderWhatIf(state: ViewState): WhatIfCurve | undefined {
  const section = byId('whatif');
  const whatIf = state.whatIf;
  section.hidden = !whatIf;
  if (!whatIf) return undefined;
  const { id, view } = whatIf;
  section.dataset.state = view.state;
  section.dataset.id = id;
  byId('whatif-title').textContent = `What if? — ${id}`;
  const sentence = byId('whatif-sentence');
  sentence.textContent = view.state === 'ready' ? view.curve.sentence : view.state === 'computing' ? 'Computing…' : '';
  byId('whatif-text').textContent = view.text;
  byId('whatif-text').className = view.state === 'error' ? 'hint error' : 'hint';
  const curve = view.state === 'ready' ? view.curve : undefined;
  byId('whatif-chart').hidden = !curve;
  if (curve) {
    const at = curve.max !== null ? curve.sizes.indexOf(curve.max) : -1;
    byId('whatif-chart').setAttribute('aria-label', `Hit ratio over cache sizes from ${curve.sizes[0]} to ${curve.sizes[curve.sizes.length - 1]} entries` +
      (at >= 0 ? `; at the current max of ${curve.max}: ${curve.series.map((s) => `${s.label} ${Math.round(s.hitRatios[at]! * 100)}%`).join(', ')}` : ''));
  }
  renderTtlWhatIf(curve);
  return curve;
}

/** The TTL what-if under the curve: its sentence, and a row per longer TTL (hidden without a ready curve that has one). */
function renderTtlWhatIf(curve: WhatIfCurve | undefined): void {
  const ttl = curve?.ttl;
  const sentence = byId('whatif-ttl');
  sentence.hidden = !ttl;
  if (sentence.textContent !== (ttl?.sentence ?? '')) sentence.textContent = ttl?.sentence ?? '';
  const table = byId('whatif-ttl-table');
  table.hidden = !ttl || ttl.rows.length === 0;
  const body = table.querySelector('tbody')!;
  const rows = ttl?.rows ?? [];
  const cells = rows.map((r) => [formatDuration(r.ttlMs), `+${exact(r.gained)}`, `-${exact(r.lost)}`]);
  if (body.dataset.rows === JSON.stringify(cells)) return;
  body.dataset.rows = JSON.stringify(cells);
  body.replaceChildren(...cells.map((texts) => {
    const tr = document.createElement('tr');
    texts.forEach((text, i) => {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) td.setAttribute('scope', 'row');
      else td.className = 'num';
      td.textContent = text;
      tr.append(td);
    });
    return tr;
  }));
}

function renderSort(column: SortColumn, descending: boolean): void {
  for (const th of Array.from(byId<HTMLTableElement>('functions').tHead!.rows[0]!.cells)) {
    const active = th.dataset.col === column;
    if (active) th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
    const icon = th.querySelector('.sort-icon');
    if (icon) icon.className = `codicon sort-icon${active ? (descending ? ' codicon-arrow-down' : ' codicon-arrow-up') : ''}`;
  }
}

function renderWorkspaceFunctions(state: ViewState): void {
  const list = byId('workspace-functions');
  const found = state.snapshot.workspaceFunctions;
  byId('workspace-none').hidden = found.length > 0;
  const key = found.map((f) => `${f.id}@${f.file}:${f.line}`).join('\n');
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(
    ...found.map((f) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.dataset.action = 'open';
      button.dataset.file = f.file;
      button.dataset.line = String(f.line);
      button.textContent = f.id;
      li.append(button, document.createTextNode(` — ${f.file}:${f.line}`));
      return li;
    }),
  );
}

