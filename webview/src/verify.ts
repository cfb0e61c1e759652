/**
 * The panel's "Is it still right?" section: for every function that verifies hits (`verify`
 * option), what its checks found (`verify-text.ts`) and the first differing pair as a small
 * table of paths. Hidden when no function verifies.
 */
import type { FunctionRow } from '../../protocol/panel.js';
import { verifyFindings, type VerifyFinding } from './verify-text.js';

/** Most functions the section lists (those that differed come first). */
const MAX_SHOWN = 50;

export const VERIFY_SECTION = `<section id="verify" aria-labelledby="verify-title" hidden>
    <h2 id="verify-title">Is it still right?</h2>
    <p class="hint">Checked hits: the function was run again and its result compared with the cached value (the <code>verify</code> option).</p>
    <ul id="verify-list"></ul>
  </section>`;

function text(tag: string, className: string, content: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = content;
  return element;
}

function diffTable(finding: VerifyFinding): HTMLElement {
  const table = document.createElement('table');
  table.className = 'verify-diff';
  table.setAttribute('aria-label', `First differing result of ${finding.id}`);
  const head = table.createTHead().insertRow();
  for (const label of ['path', 'cached', 'fresh run']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = label;
    head.append(th);
  }
  const body = table.createTBody();
  for (const d of finding.diff ?? []) {
    const tr = body.insertRow();
    for (const cell of [d.path, d.cached, d.fresh]) tr.insertCell().textContent = cell;
  }
  return table;
}

function item(finding: VerifyFinding): HTMLLIElement {
  const li = document.createElement('li');
  li.className = `verify-${finding.level}`;
  li.dataset.id = finding.id;
  li.append(text('div', 'verify-id', finding.id), text('p', 'verify-sentence', finding.sentence));
  if (finding.mutation) li.append(text('p', 'verify-mutation', finding.mutation));
  if (finding.failed) li.append(text('p', 'verify-failed hint', finding.failed));
  if (finding.diff) {
    li.append(diffTable(finding));
    if (!finding.values) li.append(text('p', 'hint', 'Values are hidden; set verifyShowValues: true (or CACHELENS_VERIFY_SHOW_VALUES=1) to see them.'));
  }
  return li;
}

/** Renders the section from the function rows (redrawn only when what it says changed). */
export function renderVerify(rows: readonly FunctionRow[]): void {
  const section = document.getElementById('verify');
  const list = document.getElementById('verify-list');
  if (!section || !list) return;
  const findings = verifyFindings(rows).slice(0, MAX_SHOWN);
  section.hidden = findings.length === 0;
  const signature = JSON.stringify(findings);
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(...findings.map(item));
}
